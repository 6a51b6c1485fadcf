#!/usr/bin/env python3
"""Walks the pipeline by hand with boto3 over a running stack and checks every
outcome against DIR/expected.json; exits non-zero on any mismatch.

Why: proves the local stack (scripts/lib/stack.sh: the GameLift Streams
emulator + SeaweedFS seeded by pipeline_fixture.py) says what expected.json
says, with the referee client and one credential set for both services; and
shows, step by step, what `export-collector run` must do.

Run, with the stack up (`scripts/local-stack pipeline DIR`):
    ~/.cache/export-collector/venv/bin/python scripts/testing/pipeline_fixture_check.py DIR [--verbose]

Reads DIR/client.env (AWS_* for both services), DIR/pipeline.json (the stream
groups) and DIR/expected.json. Steps, the reference for the pipeline:
  1. discover: ListStreamSessions per stream group with
     ExportFilesStatus=SUCCEEDED, all pages; the listed sessions must be
     exactly those expected.json does not mark not_listed. Also
     ListStreamSessionsByAccount (only ExportFilesMetadata.Status comes back
     there; GetStreamSession fills in the OutputUri) must list the same, and
     ExportFilesStatus=FAILED must list exactly the sessions that become
     export_failed with includeFailedExports.
  2. resolve: OutputUri must be s3://BUCKET/KEY (else invalid_uri). A key
     ending in '/' is a prefix: ListObjectsV2 on it, keep the objects whose
     name after the prefix contains the session id, take the newest by
     LastModified (none -> not_found). Otherwise HeadObject (404 ->
     not_found).
  3. fetch: GetObject; its SHA-256 and ETag must equal expected.json's.
  4. index: read the ZIP with zipfile: every entry's SHA-256 must match; the
     corrupt archive must fail on the named entry (CRC or inflate error); the
     traversal archive must hold its unsafe name.
"""
import argparse
import hashlib
import json
import os
import sys
import zipfile
import zlib
from io import BytesIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

problems = []


def problem(sid, text):
    problems.append(f"{sid}: {text}")


def read_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                env[key] = value
    return env


def clients(env):
    common = dict(aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                  region_name=env["AWS_REGION"])
    gls = boto3.client("gameliftstreams", endpoint_url=env["AWS_ENDPOINT_URL_GAMELIFTSTREAMS"],
                       config=Config(retries={"max_attempts": 3}), **common)
    s3 = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL_S3"],
                      config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                    retries={"max_attempts": 3}), **common)
    return gls, s3


def session_id(item):
    return item["Arn"].rsplit("/", 1)[-1]


def list_sessions(gls, groups, **filters):
    items = []
    for group in groups:
        for page in gls.get_paginator("list_stream_sessions").paginate(Identifier=group, **filters):
            items += page["Items"]
    return items


def parse_uri(uri):
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        return None
    bucket, _, key = uri[5:].partition("/")
    if not bucket or not key:
        return None
    return bucket, key


def resolve(s3, sid, uri):
    """Returns (bucket, key, None) or (None, None, error kind)."""
    parsed = parse_uri(uri)
    if parsed is None:
        return None, None, "invalid_uri"
    bucket, key = parsed
    if key.endswith("/"):
        matches = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
            for obj in page.get("Contents", []):
                if sid in obj["Key"][len(key):]:
                    matches.append(obj)
        if not matches:
            return None, None, "not_found"
        newest = max(matches, key=lambda o: (o["LastModified"], o["Key"]))
        return bucket, newest["Key"], None
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
            return None, None, "not_found"
        raise
    return bucket, key, None


def index(data):
    """Returns ({path: sha256 or None}, {path: error kind})."""
    shas, errors = {}, {}
    archive = zipfile.ZipFile(BytesIO(data))
    for info in archive.infolist():
        try:
            with archive.open(info) as f:
                content = f.read()
            shas[info.filename] = hashlib.sha256(content).hexdigest()
        except zipfile.BadZipFile as error:
            shas[info.filename] = None
            errors[info.filename] = "checksum" if "CRC" in str(error) else "format"
        except zlib.error:
            shas[info.filename] = None
            errors[info.filename] = "corrupt_data"
    return shas, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    env = read_env(os.path.join(args.dir, "client.env"))
    with open(os.path.join(args.dir, "pipeline.json"), encoding="utf-8") as f:
        config = json.load(f)
    with open(os.path.join(args.dir, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    sessions = expected["sessions"]
    groups = config["source"]["streamGroups"]
    gls, s3 = clients(env)

    # 1. discover
    listed = list_sessions(gls, groups, ExportFilesStatus="SUCCEEDED")
    want = {sid for sid, r in sessions.items() if r["expect"] != "not_listed"}
    got = [session_id(item) for item in listed]
    if len(got) != len(set(got)):
        problem("listing", "a session was listed twice")
    if set(got) != want:
        problem("listing", f"listed {sorted(set(got) - want)} unexpectedly, missed {sorted(want - set(got))}")
    by_account = []
    for page in gls.get_paginator("list_stream_sessions_by_account").paginate(ExportFilesStatus="SUCCEEDED"):
        by_account += page["Items"]
    if {session_id(i) for i in by_account} != want:
        problem("listing", "ListStreamSessionsByAccount lists other sessions than ListStreamSessions")
    for item in by_account[:5]:
        full = gls.get_stream_session(Identifier=item["Arn"].split("/")[-2], StreamSessionIdentifier=item["Arn"])
        if full["ExportFilesMetadata"].get("OutputUri") != sessions[session_id(item)]["outputUri"]:
            problem(session_id(item), "GetStreamSession gives another OutputUri")
    failed = {session_id(i) for i in list_sessions(gls, groups, ExportFilesStatus="FAILED")}
    want_failed = {sid for sid, r in sessions.items() if r["expectWithFailedExports"] == "export_failed"}
    if failed != want_failed:
        problem("listing", f"ExportFilesStatus=FAILED lists {sorted(failed)}, expected {sorted(want_failed)}")

    outcomes = {"collected": 0, "failed": 0}
    total_bytes = 0
    for item in listed:
        sid = session_id(item)
        record = sessions.get(sid)
        if record is None:
            continue
        uri = item.get("ExportFilesMetadata", {}).get("OutputUri")
        if uri != record["outputUri"]:
            problem(sid, f"OutputUri {uri!r}, expected {record['outputUri']!r}")
        # 2. resolve
        bucket, key, kind = resolve(s3, sid, uri)
        if kind:
            outcome = ("failed", "resolve", kind)
        else:
            if (bucket, key) != (record["bucket"], record["key"]):
                problem(sid, f"resolved to {bucket}/{key}, expected {record['bucket']}/{record['key']}")
            # 3. fetch
            answer = s3.get_object(Bucket=bucket, Key=key)
            data = answer["Body"].read()
            total_bytes += len(data)
            if hashlib.sha256(data).hexdigest() != record["archiveSha256"]:
                problem(sid, "archive SHA-256 differs")
            if answer["ETag"] != record["etag"]:
                problem(sid, f"ETag {answer['ETag']}, expected {record['etag']}")
            # 4. index
            shas, errors = index(data)
            if shas != record["entries"]:
                differing = sorted(p for p in set(shas) | set(record["entries"]) if shas.get(p) != record["entries"].get(p))
                problem(sid, f"entries differ: {differing}")
            for path, want_kind in record["entryErrors"].items():
                # zipfile cannot tell every kind apart; a CRC or inflate error is enough here.
                if path not in errors:
                    problem(sid, f"entry {path} read without error, expected {want_kind}")
            unsafe = [p for p in shas if p.startswith("/") or ".." in p.replace("\\", "/").split("/")]
            if errors:
                outcome = ("failed", "index", record["entryErrors"].get(next(iter(errors))))
            elif unsafe:
                outcome = ("failed", "index", "path_traversal")
            else:
                outcome = ("collected", None, None)
            if [f["path"] for f in record["findings"]] != unsafe:
                problem(sid, f"unsafe names {unsafe}, expected {record['findings']}")
        want_outcome = (record["expect"], record["stage"], record["kind"])
        if outcome != want_outcome:
            problem(sid, f"outcome {outcome}, expected {want_outcome} ({record['case']})")
        outcomes[outcome[0]] += 1
        if args.verbose:
            print(f"  {sid} {record['case']:<24} {outcome[0]:<9} {outcome[1] or '':<8} {outcome[2] or ''}")

    print(f"pipeline_fixture_check: {len(listed)} sessions listed in {len(groups)} groups, "
          f"{outcomes['collected']} collected, {outcomes['failed']} failed as expected, "
          f"{len(want_failed)} FAILED exports, {total_bytes / 1048576:.1f} MiB downloaded")
    for text in problems:
        print(f"  FAIL  {text}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
