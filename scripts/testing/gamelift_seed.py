#!/usr/bin/env python3
"""Deterministic seed data for the GameLift Streams emulator (gamelift_emulator.py).

Why: tests and benchmarks need a realistic, reproducible account: a few stream
groups and many stream sessions with a mix of statuses, status reasons (also
values the model does not know yet, which clients must keep as strings), and
export states (SUCCEEDED with a .zip or a prefix OutputUri, PENDING, FAILED
with a reason, none at all).

Run:
    ~/.cache/export-collector/venv/bin/python scripts/testing/gamelift_seed.py \
        --out seed.json [--groups 3] [--sessions 1000] [--bucket NAME] [--seed 42] \
        [--region us-west-2] [--account 111122223333] [--empty-groups 0] [--start EPOCH]

Seed format (JSON): {"accountId", "region", "streamGroups": [StreamGroupSummary
members], "sessions": [GetStreamSessionOutput members, StreamGroupId naming the
group]}. Timestamps are epoch seconds (some integral, some with a millisecond
fraction). The session id is the last component of its Arn. The same
arguments always give the same file.
"""
import argparse
import json
import random
import string

ALNUM = string.ascii_letters + string.digits
SG_STATUS_ENUM = ["ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE_WITH_ERRORS", "UPDATING_LOCATIONS"]
STREAM_CLASSES = ["gen4n_high", "gen5n_ultra", "gen6n_medium", "gen6n_pro_win2022", "gen5n_win2022"]
LOCATIONS = ["us-west-2", "us-east-1", "us-east-2", "eu-central-1", "ap-northeast-1"]
TERMINATED_REASONS = ["apiTerminated", "applicationExit", "connectionTimeout", "idleTimeout",
                      "maxSessionLengthTimeout", "reconnectionTimeout"]
ERROR_REASONS = ["applicationLogS3DestinationError", "internalError", "invalidSignalRequest",
                 "placementTimeout", "assumeRoleFailed"]
FAILED_REASONS = [
    "Unable to write the exported files to s3://{bucket}: Access Denied",
    "The S3 bucket {bucket} does not exist in this region",
    "The stream session ended before the files could be collected",
    "Internal error while compressing the exported files. Export again.",
]
# Mostly TERMINATED, like a real account's history.
STATUS_WEIGHTS = [("TERMINATED", 84), ("ERROR", 5), ("ACTIVE", 3), ("CONNECTED", 3), ("ACTIVATING", 1),
                  ("PENDING_CLIENT_RECONNECTION", 1), ("RECONNECTING", 1), ("TERMINATING", 2)]
UNKNOWN_STATUS = "FUTURE_STATUS"        # not in the model's StreamSessionStatus enum
UNKNOWN_REASON = "futureReason"         # not in the model's StreamSessionStatusReason enum
START = 1788220800                      # 2026-09-01T00:00:00Z: sessions from here ...
SPAN = 60 * 86400                       # ... over 60 days
SPECIAL_FRACTIONS = [0.5, 0.25, 0.1, 0.125, 0.001, 0.999, 0.12]


def make_id(rng, n):
    return "".join(rng.choice(ALNUM) for _ in range(n))


def timestamp(rng, value):
    """Half integral, half with a millisecond fraction (some short ones like .5)."""
    value = int(value)
    roll = rng.random()
    if roll < 0.5:
        return value
    if roll < 0.6:
        return round(value + rng.choice(SPECIAL_FRACTIONS), 3)
    return round(value + rng.randrange(1, 1000) / 1000, 3)


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for value, w in pairs:
        x -= w
        if x <= 0:
            return value
    return pairs[-1][0]


def build(groups=3, sessions=1000, bucket="export-collector-test", seed=42, region="us-west-2",
          account="111122223333", empty_groups=0, start=START):
    rng = random.Random(seed)
    arn = f"arn:aws:gameliftstreams:{region}:{account}"
    group_docs = []
    used = set()

    def unique(prefix, n):
        while True:
            value = prefix + make_id(rng, n)
            if value not in used:
                used.add(value)
                return value

    for i in range(groups + empty_groups):
        gid = unique("sg-", 9)
        app = unique("a-", 9)
        created = start - rng.randrange(30, 200) * 86400 + rng.randrange(86400)
        group_docs.append({
            "Arn": f"{arn}:streamgroup/{gid}",
            "Id": gid,
            "Description": f"Test stream group {i + 1}" + (" - no sessions" if i >= groups else ""),
            "DefaultApplication": {"Id": app, "Arn": f"{arn}:application/{app}"},
            "StreamClass": rng.choice(STREAM_CLASSES),
            "Status": rng.choice(SG_STATUS_ENUM),
            "CreatedAt": timestamp(rng, created),
            "LastUpdatedAt": timestamp(rng, created + rng.randrange(86400, 20 * 86400)),
            "ExpiresAt": created + 365 * 86400,
        })

    with_sessions = group_docs[:groups]
    weights = [max(1, groups - i) for i in range(groups)]  # the first group is the busiest
    created_times = sorted(start + rng.randrange(SPAN) for _ in range(sessions))
    # A few sessions carry values the model does not know; spread them out.
    unknown_status_at = {sessions * k // 4 + 3 for k in range(3)} if sessions >= 8 else set()
    unknown_reason_at = {sessions * k // 4 + 5 for k in range(3)} if sessions >= 8 else set()
    session_docs = []
    for n, created in enumerate(created_times):
        group = rng.choices(with_sessions, weights=weights)[0] if with_sessions else None
        if group is None:
            break
        gid = group["Id"]
        sid = unique("", 13)
        status = weighted(rng, STATUS_WEIGHTS)
        reason = None
        if status == "TERMINATED":
            reason = rng.choice(TERMINATED_REASONS)
        elif status == "ERROR":
            reason = rng.choice(ERROR_REASONS)
        if n in unknown_status_at:
            status, reason = UNKNOWN_STATUS, None
        if n in unknown_reason_at:
            status, reason = "TERMINATED", UNKNOWN_REASON
        finished = status in ("TERMINATED", "ERROR", UNKNOWN_STATUS)
        length = rng.randrange(60, 4 * 3600)
        updated = created + (length if finished else rng.randrange(5, 600))

        export = None
        roll = rng.random()
        if status in ("TERMINATED", UNKNOWN_STATUS):
            if roll < 0.70:
                if rng.random() < 1 / 8:
                    uri = f"s3://{bucket}/exports/{gid}/"
                else:
                    uri = f"s3://{bucket}/exports/{gid}/{sid}.zip"
                export = {"Status": "SUCCEEDED", "OutputUri": uri}
            elif roll < 0.78:
                export = {"Status": "PENDING"}
            elif roll < 0.86:
                export = {"Status": "FAILED", "StatusReason": rng.choice(FAILED_REASONS).format(bucket=bucket)}
        elif status == "ERROR":
            if roll < 0.5:
                export = {"Status": "FAILED", "StatusReason": rng.choice(FAILED_REASONS).format(bucket=bucket)}
        else:
            if roll < 0.6:
                export = {"Status": "PENDING"}

        doc = {
            "Arn": f"{arn}:streamsession/{gid}/{sid}",
            "Description": f"Session {n + 1} for player {rng.randrange(1, 400)}",
            "StreamGroupId": gid,
            "UserId": rng.choice(["player-", "user_", "u/"]) + make_id(rng, 8) + rng.choice(["", "=", "+x", "=="]),
            "Status": status,
        }
        if reason is not None:
            doc["StatusReason"] = reason
        doc.update({
            "Protocol": "WebRTC",
            "Location": rng.choice(LOCATIONS),
            "ConnectionTimeoutSeconds": rng.choice([120, 300, 600]),
            "SessionLengthSeconds": rng.choice([3600, 14400, 43200, 86400]),
        })
        if rng.random() < 0.2:
            doc["AdditionalLaunchArgs"] = ["-windowed", f"-level={rng.randrange(1, 9)}"]
        if rng.random() < 0.2:
            doc["AdditionalEnvironmentVariables"] = {"GAME_MODE": rng.choice(["ranked", "casual"])}
        if rng.random() < 0.3:
            doc["PerformanceStatsConfiguration"] = {"SharedWithClient": rng.random() < 0.5}
        doc["WebSdkProtocolUrl"] = "https://play.example.com/gamelift-streams/websdk"
        doc["LastUpdatedAt"] = timestamp(rng, updated)
        doc["CreatedAt"] = timestamp(rng, created)
        doc["ApplicationArn"] = group["DefaultApplication"]["Arn"]
        if export is not None:
            doc["ExportFilesMetadata"] = export
        if rng.random() < 0.3:
            doc["DisplayConfiguration"] = {"Resolution": {"Width": 1920, "Height": 1080}}
        if status not in ("ACTIVATING", "ERROR"):
            doc["ApplicationStartedAt"] = timestamp(rng, created + 20)
            if status not in ("ACTIVE",):
                doc["StreamingStartedAt"] = timestamp(rng, created + 30)
        if finished and status != "ERROR":
            doc["StreamingEndedAt"] = timestamp(rng, updated - 1)
        session_docs.append(doc)

    return {"accountId": account, "region": region, "streamGroups": group_docs, "sessions": session_docs}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--groups", type=int, default=3)
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--bucket", default="export-collector-test")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--region", default="us-west-2")
    ap.add_argument("--account", default="111122223333")
    ap.add_argument("--empty-groups", type=int, default=0, help="extra stream groups without sessions")
    ap.add_argument("--start", type=int, default=START,
                    help="epoch seconds of the first possible session (sessions span 60 days from here)")
    args = ap.parse_args(argv)
    if args.groups < 1 and args.sessions > 0:
        ap.error("sessions need at least one group")
    doc = build(args.groups, args.sessions, args.bucket, args.seed, args.region, args.account, args.empty_groups, args.start)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
