#!/usr/bin/env python3
"""Seeds the local stack with GameLift Streams sessions and their export archives.

Why: `export-collector run` (list sessions whose export SUCCEEDED -> resolve the
OutputUri -> download -> index -> manifests) needs an account and a bucket to
run on, for the demo and for end-to-end tests, with every outcome known in
advance: which sessions are listed, which are collected, which fail where and
why, and the SHA-256 of every archive and of every entry in it.

Run (the venv has boto3):
    ~/.cache/export-collector/venv/bin/python scripts/testing/pipeline_fixture.py \
        --out DIR [--s3-endpoint URL --bucket B --access-key AK --secret-key SK] \
        [--region us-west-2] [--sessions 30] [--groups 2] [--seed 1] [--archive-mb 0.2] \
        [--large N --large-mb M] [--jobs N] [--keep-archives]
    ... pipeline_fixture.py --out DIR --replace SESSION_ID     (same S3 options)

The S3 options default to EC_S3_ENDPOINT, EC_S3_BUCKET, EC_S3_ACCESS_KEY and
EC_S3_SECRET_KEY (what scripts/lib/seaweedfs.sh exports). --region is the
account's region (session ARNs, the emulator's signing region) and the region
S3 requests are signed for; SeaweedFS verifies a signature with whatever region
its scope names, so one region serves both services. Uploads use boto3 with
SigV4 and path-style addressing. A fresh run first deletes every object under
`exports/` in the bucket (the fixture owns that prefix), so a re-run in the same
stack gives the same listing.

Writes:
  DIR/seed.json      for gamelift_emulator.py (gamelift_seed.py's format):
                     --groups stream groups, --sessions sessions spread over
                     them, created over the 7 days before 2026-11-28T00:00:00Z.
  DIR/expected.json  what a correct pipeline must produce (below).
  DIR/archives/<sessionId>.zip  the uploaded bytes, with --keep-archives.

The archives are shaped like GameLift Streams session exports, built with
zipfile (deflate; the crash dump stored): logs/application.log (game log,
ISO 8601 UTC timestamps with milliseconds), logs/gameliftstreams.log,
saves/slot1.sav (binary), in some sessions crash/minidump_<n>.dmp (binary,
'MDMP' signature, stored) and stats/perf_stats_v1.csv. Sizes are around
--archive-mb (+-25 %; the binary entries fill up what the text entries leave).
The same arguments always give the same bytes (ETags are MD5s, so they repeat
too; LastModified does not).

stats/perf_stats_v1.csv: the service documents this file as one row per
second of the session with application-level (CPU, memory) and system-level
(CPU, memory, GPU, VRAM) stats, but the pages reachable here do not name its
columns. This fixture writes
    timestamp,app_cpu_normalized_percent,app_memory_mb,system_cpu_percent,system_memory_mb,system_gpu_percent,system_vram_mb
with `timestamp` in ISO 8601 UTC (`2026-11-27T14:03:05Z`), one row per second,
and the other columns numeric (percentages 0..100 with one decimal, megabytes
as integers). A parser should summarise every numeric column it finds rather
than rely on these names.

Keys: the file form puts an archive at exports/<groupId>/<sessionId>.zip with
OutputUri exactly s3://B/exports/<groupId>/<sessionId>.zip. The prefix form
gives OutputUri s3://B/exports/<groupId>/prefix-<n>/ and names the object as the
service does, YYYYMMDD-HHMMSS-<applicationId>-<groupId>-<sessionId>.zip (the
session's end time); prefixes are shared by several sessions and hold objects
of sessions that are not in the account. Resolving a prefix means: list it,
keep the objects whose name (after the prefix) contains the session id, take
the newest by LastModified.

Deliberate cases (expected.json "cases" maps each name to its session id):
  missing          file-form OutputUri, no object there -> failed, stage
                   resolve, kind not_found. Assumes the pipeline resolves the
                   file form with HeadObject and maps its 404 to not_found.
  corrupt          a valid ZIP with one byte flipped inside the compressed data
                   of logs/application.log, chosen so that the stream still
                   inflates to the recorded size and only CRC-32 differs ->
                   failed, stage index, archive status error, entry error
                   `checksum` on that entry (expected.json names the kind
                   found; `corrupt_data` only if no such byte was found).
  traversal        an extra entry ../../etc/evil.txt -> failed, stage index,
                   finding path_traversal (blocking, so the archive status is
                   error); nothing may be written outside the output folder.
  prefix_no_match  prefix OutputUri whose prefix holds objects, none naming this
                   session -> failed, stage resolve, kind not_found.
  invalid_uri      OutputUri `not-a-uri` -> failed, stage resolve, kind
                   invalid_uri.
  newest_wins      prefix form, two objects for the session in its prefix,
                   the older one uploaded first (its name's time is earlier
                   too, and LastModified is made to differ) -> collected from
                   the newer; `shadowedKeys` names the older.
  export_failed, export_failed_error   ExportFilesMetadata FAILED with a
                   StatusReason (a TERMINATED and an ERROR session) -> not
                   listed under ExportFilesStatus=SUCCEEDED; `export_failed`
                   only when the config sets includeFailedExports.
  export_pending   TERMINATING session, export PENDING -> not listed.
  active_pending   ACTIVE session, export PENDING -> not listed.
  no_export        TERMINATED session without ExportFilesMetadata -> not listed.
  status_error_succeeded   Status ERROR, export SUCCEEDED -> collected (the
                   pipeline filters on the export status, not on Status).
  status_unknown_succeeded Status FUTURE_STATUS (not in the service model),
                   export SUCCEEDED -> collected; the client keeps the string.
All other sessions are TERMINATED with a SUCCEEDED export, about one in five
in the prefix form, and are collected.

expected.json:
  {"schemaVersion": 1, "region", "accountId", "bucket", "streamGroups": [ids],
   "args": {...}, "cases": {name: sessionId},
   "totals": {"sessions", "listed", "collected", "failed", "notListed",
              "exportFailedWhenIncluded"},
   "objects": [every key this fixture put in the bucket],
   "sessions": {sessionId: {
      "expect": collected | failed | not_listed   (the default config:
                ExportFilesStatus=SUCCEEDED, includeFailedExports false),
      "expectWithFailedExports": the same, but export_failed for FAILED exports,
      "case": a name above or "normal", "streamGroupId", "status",
      "exportStatus", "outputUri", "uriForm": file | prefix | invalid | null,
      "stage", "kind": the session error (null when collected),
      "archiveStatus": ok | error | null, "entryErrors": {path: kind},
      "findings": [{"kind", "path"}],
      "bucket", "key" (the object to collect; for `missing` the key that is
                absent), "etag" (as S3 returns it, with quotes),
      "archiveSha256", "archiveBytes", "entries": {path: sha256 of the
                uncompressed bytes; null for an entry that cannot be verified},
      "entryDetails": {path: {"bytes", "crc32", "method"}},
      "perfStats": {"samples", "firstTimestamp", "lastTimestamp",
                "durationSeconds" (last - first), "columns": {name: {"min",
                "mean", "max"}}},
      "shadowedKeys": [older matching keys], "generation": 0 (+1 per --replace)}}}

--replace SESSION_ID: builds a different archive for that session (generation
+1), uploads it over its key (a new ETag), and updates expected.json: for the
test "replace one archive: only that session is collected again". Allowed for
any session whose OutputUri resolves to a key (also `missing`, `corrupt`,
`traversal`: they become collectable); the session becomes expect=collected.
"""
import argparse
import calendar
import concurrent.futures
import hashlib
import io
import json
import os
import random
import string
import sys
import time
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gamelift_seed as seedlib  # noqa: E402  (same folder: ids and timestamps in one style)

END = 1795824000            # 2026-11-28T00:00:00Z: sessions were created in the ...
SPAN = 7 * 86400            # ... 7 days before it
ACCOUNT = "111122223333"
ALNUM = string.ascii_letters + string.digits
PERF_HEADER = ["timestamp", "app_cpu_normalized_percent", "app_memory_mb", "system_cpu_percent",
               "system_memory_mb", "system_gpu_percent", "system_vram_mb"]
TRAVERSAL_NAME = "../../etc/evil.txt"
CORRUPT_ENTRY = "logs/application.log"

# name -> (Status, StatusReason, export doc kind, uri form)
SPECIAL_CASES = {
    "missing": ("TERMINATED", "applicationExit", "SUCCEEDED", "file"),
    "corrupt": ("TERMINATED", "idleTimeout", "SUCCEEDED", "file"),
    "traversal": ("TERMINATED", "applicationExit", "SUCCEEDED", "file"),
    "prefix_no_match": ("TERMINATED", "connectionTimeout", "SUCCEEDED", "prefix"),
    "invalid_uri": ("TERMINATED", "apiTerminated", "SUCCEEDED", "invalid"),
    "newest_wins": ("TERMINATED", "applicationExit", "SUCCEEDED", "prefix"),
    "export_failed": ("TERMINATED", "applicationExit", "FAILED", None),
    "export_failed_error": ("ERROR", "applicationLogS3DestinationError", "FAILED", None),
    "export_pending": ("TERMINATING", None, "PENDING", None),
    "active_pending": ("ACTIVE", None, "PENDING", None),
    "no_export": ("TERMINATED", "maxSessionLengthTimeout", None, None),
    "status_error_succeeded": ("ERROR", "internalError", "SUCCEEDED", "file"),
    "status_unknown_succeeded": (seedlib.UNKNOWN_STATUS, None, "SUCCEEDED", "file"),
}
FAILED_REASONS = {
    "export_failed": "Unable to write the exported files to s3://{bucket}/{prefix}{gid}/{sid}.zip: Access Denied",
    "export_failed_error": "The stream session ended before the files could be collected",
}
MIN_SESSIONS = len(SPECIAL_CASES) + 2
PREFIX_SHARE = 0.2          # normal sessions in the prefix form
PREFIX_FILL = 3             # prefix-form sessions per prefix
CRASH_SHARE = 0.3           # archives with a crash dump

LEVELS = ["INFO"] * 12 + ["DEBUG"] * 5 + ["WARN"] * 2 + ["ERROR"]
MAPS = ["harbor", "citadel", "dunes", "frostpeak", "canal_district", "orbital_station"]
DEVICES = ["XInput gamepad", "DualSense wireless controller", "keyboard+mouse", "touch overlay"]


# --------------------------------------------------------------------------- content

def iso(t, millis=False):
    whole = int(t)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
    if millis:
        text += f".{int(round((t - whole) * 1000)) % 1000:03d}"
    return text + "Z"


def app_log(rng, sid, start, end, target_bytes, crash_name):
    """A game's log: start-up banner, gameplay chatter, and a crash at the end when crash_name."""
    t = float(start)
    lines = [
        f"{iso(t, True)} [INFO ] [Engine] ExampleGame 2.14.{rng.randrange(100)} (Shipping, Win64) starting",
        f"{iso(t + 0.012, True)} [INFO ] [Engine] Command line: -windowed -gls-session={sid} -log=logs/application.log",
        f"{iso(t + 0.2, True)} [INFO ] [Render] D3D12 device: NVIDIA L4 (driver 551.{rng.randrange(10, 99)}), VRAM 23034 MB",
        f"{iso(t + 1.5, True)} [INFO ] [Streaming] GameLift Streams runtime attached, 1920x1080@60",
    ]
    t += 2
    size = sum(len(x) + 1 for x in lines)
    n_lines = max(50, target_bytes // 95)
    step = max(0.001, (end - start - 5) / n_lines)
    match = 0
    rand = rng.random
    randrange = rng.randrange

    def ri(low, high):          # randrange's range, without its cost (this loop makes MBs)
        return low + int(rand() * (high - low))

    def pick(seq):
        return seq[int(rand() * len(seq))]

    second, head = None, ""
    while size < target_bytes and t < end - 2:
        t += step * (0.2 + 1.6 * rand())
        level = pick(LEVELS)
        roll = int(rand() * 12)
        if roll == 0:
            match += 1
            msg = f"[GameMode] Match {match} started: map={pick(MAPS)} players={ri(2, 9)}"
        elif roll == 1:
            msg = f"[Render] Frame time spike: {16.7 + 40 * rand():.1f} ms (budget 16.7 ms)"
        elif roll == 2:
            msg = f"[Net] Player p{ri(1000, 9999)} joined (ping {ri(8, 120)} ms)"
        elif roll == 3:
            msg = f"[Save] Autosave to saves/slot1.sav ({ri(64, 900)} KB) in {ri(3, 80)} ms"
        elif roll == 4:
            msg = f"[Render] Texture streaming pool at {ri(40, 101)}% of 2048 MB"
        elif roll == 5:
            msg = f"[Render] Shader cache miss: {ri(0, 1 << 32):08x}, compiled in {ri(1, 40)} ms"
        elif roll == 6:
            msg = f"[Input] Device connected: {pick(DEVICES)}"
        elif roll == 7:
            msg = f"[GameMode] Checkpoint {ri(1, 40)} reached at {ri(0, 3600)} s"
        elif roll == 8:
            msg = f"[GameMode] Match {max(match, 1)} ended: score {ri(0, 20)}-{ri(0, 20)}"
        elif roll == 9:
            msg = f"[Engine] GC pause {rand() * 12:.2f} ms, heap {ri(900, 2400)} MB"
        elif roll == 10:
            level = "WARN"
            msg = f"[Audio] Buffer underrun ({ri(64, 2048)} samples)"
        else:
            msg = f"[Physics] Step {ri(0, 100000)}: {ri(10, 900)} bodies, {rand() * 4:.2f} ms"
        whole = int(t)
        if whole != second:
            second, head = whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
        line = f"{head}.{int((t - whole) * 1000):03d}Z [{level:<5}] {msg}"
        lines.append(line)
        size += len(line) + 1
    if crash_name:
        t = max(t, end - 2)
        lines += [
            f"{iso(t, True)} [ERROR] [Engine] Unhandled exception EXCEPTION_ACCESS_VIOLATION reading 0x{randrange(1 << 32):08x}",
            f"{iso(t + 0.001, True)} [ERROR] [Engine] Writing minidump {crash_name}",
        ]
    else:
        lines.append(f"{iso(end - 1, True)} [INFO ] [Engine] Shutdown requested, exiting with code 0")
    return ("\n".join(lines) + "\n").encode()


def gls_log(rng, sid, gid, start, end, reason):
    lines = [f"{iso(start)} INFO  session={sid} streamGroup={gid} event=ApplicationStarted",
             f"{iso(start + 8)} INFO  session={sid} event=ClientConnected protocol=WebRTC"]
    t = start + 10
    while t < end - 10:
        lines.append(f"{iso(t)} INFO  session={sid} event=StreamStats bitrate_kbps={rng.randrange(8000, 20000)} "
                     f"fps={rng.choice([60, 60, 60, 59, 58, 45])} rtt_ms={rng.randrange(12, 90)} "
                     f"packet_loss={rng.random() * 0.02:.4f}")
        t += 30
    lines.append(f"{iso(end)} INFO  session={sid} event=SessionEnded reason={reason or 'applicationExit'}")
    return ("\n".join(lines) + "\n").encode()


def perf_csv(rng, start, samples):
    """One row a second; random walks so the columns look like a real session."""
    app_cpu, app_mem, sys_cpu, gpu = 35.0, 2400.0, 45.0, 60.0
    vram = 6000.0
    out = io.StringIO()
    out.write(",".join(PERF_HEADER) + "\n")
    gauss = rng.gauss
    cols = {name: [] for name in PERF_HEADER[1:]}
    for i in range(samples):
        app_cpu = min(100.0, max(1.0, app_cpu + gauss(0, 3)))
        app_mem = min(12000.0, max(800.0, app_mem + gauss(0.4, 6)))
        sys_cpu = min(100.0, max(app_cpu, sys_cpu + gauss(0, 3)))
        gpu = min(100.0, max(5.0, gpu + gauss(0, 4)))
        vram = min(22000.0, max(1500.0, vram + gauss(0.2, 10)))
        row = (round(app_cpu, 1), int(app_mem), round(sys_cpu, 1), int(app_mem + 1800 + (i % 97)),
               round(gpu, 1), int(vram))
        for name, v in zip(PERF_HEADER[1:], row):
            cols[name].append(v)
        out.write(f"{iso(start + i)},{row[0]:.1f},{row[1]},{row[2]:.1f},{row[3]},{row[4]:.1f},{row[5]}\n")
    summary = {
        "samples": samples,
        "firstTimestamp": iso(start),
        "lastTimestamp": iso(start + samples - 1),
        "durationSeconds": samples - 1,
        "columns": {name: {"min": min(v), "mean": round(sum(v) / len(v), 4), "max": max(v)} for name, v in cols.items()},
    }
    return out.getvalue().encode(), summary


def random_bytes(rng, n):
    """rng.randbytes(n) in pieces: one call cannot make more than 256 MiB."""
    if n <= 64 << 20:
        return rng.randbytes(n)
    return b"".join(rng.randbytes(min(64 << 20, n - done)) for done in range(0, n, 64 << 20))


# For --content compressible: random bytes mapped through this table are NUL
# three times in four and one of 16 symbols otherwise (~1.8 bits per byte), so
# deflate gets ~2.8:1 with short matches and many literals, the slow path of an
# inflater, like a minidump's zero runs and counters. Measured with Python's
# zlib: level 1 compresses 77 MB/s, inflates 208 MB/s of output.
_COMPRESSIBLE = bytes(0 if b < 192 else 0x20 + (b & 0x0F) for b in range(256))
_COMPRESSIBLE_RATIO = 2.7


def filler_bytes(rng, n, content):
    """n bytes of save or dump payload: random (incompressible) or compressible."""
    data = random_bytes(rng, n)
    return data if content == "random" else data.translate(_COMPRESSIBLE)


def build_archive(spec, generation):
    """Returns (zip bytes, entry list [(path, data, method)], perf summary) for one session."""
    rng = random.Random(f"{spec['seed']}:{spec['sid']}:{generation}")
    target = int(spec["targetBytes"] * (0.75 + 0.5 * rng.random()))
    start, end = spec["start"], spec["end"]
    crash_name = f"crash/minidump_{rng.randrange(1, 10)}.dmp" if rng.random() < CRASH_SHARE else None
    date_time = time.gmtime(int(end))[:6]

    buf = io.BytesIO()
    entries = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        def add(name, data, method=zipfile.ZIP_DEFLATED, level=6):
            info = zipfile.ZipInfo(name, date_time)
            info.compress_type = method
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data, compress_type=method, compresslevel=level)
            entries.append((name, data, method))

        log_bytes = max(8_000, min(1_000_000, target // 2))
        add("logs/application.log", app_log(rng, spec["sid"], start, end, log_bytes, crash_name))
        add("logs/gameliftstreams.log", gls_log(rng, spec["sid"], spec["gid"], start, end, spec["reason"]))
        csv_bytes, perf = perf_csv(rng, int(start), max(2, int(end - start)))
        add("stats/perf_stats_v1.csv", csv_bytes)
        if spec["case"] == "traversal":
            add(TRAVERSAL_NAME, b"this entry tries to leave the extraction folder\n")
        remaining = max(4096, target - buf.tell() - 400)
        content = spec.get("content", "random")
        if content == "compressible":   # uncompressed bytes that make the archive about its target size
            remaining = int(remaining * _COMPRESSIBLE_RATIO)
        save_size = remaining if crash_name is None else max(2048, remaining * 6 // 10)
        save = b"EGSAVE\x03\x00" + len(spec["sid"]).to_bytes(2, "little") + spec["sid"].encode() + \
            filler_bytes(rng, save_size, content)
        add("saves/slot1.sav", save, level=1)
        if crash_name:
            dump = b"MDMP\x93\xa7\x00\x00" + filler_bytes(rng, max(1024, remaining - save_size), content)
            add(crash_name, dump, zipfile.ZIP_STORED if content == "random" else zipfile.ZIP_DEFLATED, level=1)
    return buf.getvalue(), entries, perf


def classify_inflate(compressed, size, crc):
    """What a verifying reader reports for one deflate entry: None when fine."""
    d = zlib.decompressobj(-15)
    try:
        out = d.decompress(compressed) + d.flush()
    except zlib.error:
        return "corrupt_data"
    if not d.eof or d.unused_data:
        return "corrupt_data"
    if len(out) != size:
        return "size_mismatch"
    if zlib.crc32(out) != crc:
        return "checksum"
    return None


def corrupt_entry(data, name):
    """Flips one bit in `name`'s compressed data. Prefers a flip that still
    inflates to the recorded size (only CRC-32 then tells), else one that breaks
    the stream. Returns (new bytes, the entry error kind a reader must report)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    off = info.header_offset
    name_len = int.from_bytes(data[off + 26:off + 28], "little")
    extra_len = int.from_bytes(data[off + 28:off + 30], "little")
    begin = off + 30 + name_len + extra_len
    comp = bytearray(data[begin:begin + info.compress_size])
    fallback = None
    for pos in list(range(len(comp) // 2, len(comp) - 8)) + list(range(8, len(comp) // 2)):
        for bit in range(8):
            comp[pos] ^= 1 << bit
            kind = classify_inflate(bytes(comp), info.file_size, info.CRC)
            if kind == "checksum":
                out = bytearray(data)
                out[begin:begin + len(comp)] = comp
                return bytes(out), kind
            if kind == "corrupt_data" and fallback is None:
                fallback = (pos, bit)
            comp[pos] ^= 1 << bit
        if pos > len(comp) // 2 + 4000 and fallback is not None:
            break
    pos, bit = fallback
    comp[pos] ^= 1 << bit
    out = bytearray(data)
    out[begin:begin + len(comp)] = comp
    return bytes(out), "corrupt_data"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def describe(data, entries, perf, corrupted=None):
    """The expected.json fields that follow from an archive's bytes."""
    result = {
        "archiveSha256": sha256(data),
        "archiveBytes": len(data),
        "entries": {},
        "entryDetails": {},
        "perfStats": perf,
    }
    for name, content, method in entries:
        result["entries"][name] = None if name == corrupted else sha256(content)
        result["entryDetails"][name] = {"bytes": len(content), "crc32": f"{zlib.crc32(content):08x}",
                                        "method": "stored" if method == zipfile.ZIP_STORED else "deflate"}
    return result


# --------------------------------------------------------------------------- S3

_CLIENT = None
_S3 = None
# Where the fixture's objects live in the bucket (--key-prefix); it owns that
# prefix and clears it on a fresh run. Tests that run at the same time on one
# SeaweedFS each pass their own.
KEY_PREFIX = "exports/"


def s3_client():
    global _CLIENT
    if _CLIENT is None:
        import boto3
        from botocore.config import Config
        _CLIENT = boto3.client(
            "s3", endpoint_url=_S3["endpoint"], region_name=_S3["region"],
            aws_access_key_id=_S3["accessKey"], aws_secret_access_key=_S3["secretKey"],
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=16))
    return _CLIENT


def put(key, data):
    answer = s3_client().put_object(Bucket=_S3["bucket"], Key=key, Body=data, ContentType="application/zip")
    return answer["ETag"]


def init_worker(s3):
    global _S3, _CLIENT
    _S3, _CLIENT = s3, None


def make_and_upload(spec, generation=0, keep_dir=None):
    """Builds one session's archive (corrupted if its case says so), uploads it
    to spec['key'] and returns its expected.json fields."""
    data, entries, perf = build_archive(spec, generation)
    corrupted, kind = None, None
    if spec["case"] == "corrupt" and generation == 0:
        data, kind = corrupt_entry(data, CORRUPT_ENTRY)
        corrupted = CORRUPT_ENTRY
    fields = describe(data, entries, perf, corrupted)
    fields["etag"] = put(spec["key"], data)
    if kind:
        fields["entryErrors"] = {CORRUPT_ENTRY: kind}
    if keep_dir:
        with open(os.path.join(keep_dir, spec["sid"] + ".zip"), "wb") as f:
            f.write(data)
    return spec["sid"], fields


def orphan_object(rng, key_prefix, gid, app_id):
    """An archive of a session the account does not list (deleted, or another tool's)."""
    sid = seedlib.make_id(rng, 13)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(END - SPAN - rng.randrange(86400)))
    return f"{key_prefix}{stamp}-{app_id}-{gid}-{sid}.zip"


def tiny_zip(text):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("logs/application.log", (2026, 11, 1, 0, 0, 0)), text)
    return buf.getvalue()


def clear_exports():
    s3 = s3_client()
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=_S3["bucket"], Prefix=KEY_PREFIX):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=_S3["bucket"], Delete={"Objects": keys, "Quiet": True})


# --------------------------------------------------------------------------- plan

def plan(args):
    """Decides every session (seed doc + how its archive looks) without touching S3."""
    rng = random.Random(args.seed)
    arn = f"arn:aws:gameliftstreams:{args.region}:{ACCOUNT}"
    used = set()

    def unique(prefix, n):
        while True:
            value = prefix + seedlib.make_id(rng, n)
            if value not in used:
                used.add(value)
                return value

    groups = []
    for i in range(args.groups):
        gid, app = unique("sg-", 9), unique("a-", 9)
        created = END - rng.randrange(60, 300) * 86400 + rng.randrange(86400)
        groups.append({
            "Arn": f"{arn}:streamgroup/{gid}",
            "Id": gid,
            "Description": f"Pipeline fixture stream group {i + 1}",
            "DefaultApplication": {"Id": app, "Arn": f"{arn}:application/{app}"},
            "StreamClass": rng.choice(seedlib.STREAM_CLASSES),
            "Status": "ACTIVE",
            "CreatedAt": seedlib.timestamp(rng, created),
            "LastUpdatedAt": seedlib.timestamp(rng, created + rng.randrange(86400, 20 * 86400)),
            "ExpiresAt": created + 365 * 86400,
        })

    roles = list(SPECIAL_CASES) + ["normal"] * (args.sessions - len(SPECIAL_CASES))
    rng.shuffle(roles)
    created_times = sorted(END - SPAN + rng.randrange(SPAN - 4 * 3600) for _ in roles)
    # Every group gets sessions; the first ones are busier.
    weights = [max(1, args.groups - i) for i in range(args.groups)]
    group_of = [groups[i % args.groups] if i < args.groups else rng.choices(groups, weights=weights)[0]
                for i in range(len(roles))]
    rng.shuffle(group_of)

    sessions, specs, cases = [], [], {}
    large_left = [args.large]   # the first --large normal sessions get --large-mb archives
    prefix_counter = 0
    open_prefix = {}            # gid -> (prefix key, sessions in it)
    prefixes = {}               # prefix key -> {"gid", "app", "sessions": []}

    def take_prefix(gid, app, own=False):
        nonlocal prefix_counter
        current = open_prefix.get(gid)
        if own or current is None or current[1] >= PREFIX_FILL:
            prefix_counter += 1
            key = f"{KEY_PREFIX}{gid}/prefix-{prefix_counter}/"
            prefixes[key] = {"gid": gid, "app": app, "sessions": []}
            if own:
                return key
            current = (key, 0)
        open_prefix[gid] = (current[0], current[1] + 1)
        return current[0]

    for n, (role, created, group) in enumerate(zip(roles, created_times, group_of)):
        gid, app = group["Id"], group["DefaultApplication"]["Id"]
        sid = unique("", 13)
        if role == "normal":
            status, reason = "TERMINATED", rng.choice(seedlib.TERMINATED_REASONS)
            export_status, form = "SUCCEEDED", "prefix" if rng.random() < PREFIX_SHARE else "file"
        else:
            status, reason, export_status, form = SPECIAL_CASES[role]
            cases[role] = sid
        finished = status in ("TERMINATED", "ERROR", seedlib.UNKNOWN_STATUS)
        started = created + 30
        length = rng.randrange(5 * 60, 40 * 60)
        ended = started + length
        updated = ended + rng.randrange(2, 40) if finished else created + rng.randrange(60, 600)

        export, uri, key = None, None, None
        if export_status == "SUCCEEDED":
            if form == "file":
                key = f"{KEY_PREFIX}{gid}/{sid}.zip"
                uri = f"s3://{args.bucket}/{key}"
            elif form == "prefix":
                prefix = take_prefix(gid, app, own=(role == "prefix_no_match"))
                prefixes[prefix]["sessions"].append(sid)
                uri = f"s3://{args.bucket}/{prefix}"
                if role != "prefix_no_match":
                    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(int(updated)))
                    key = f"{prefix}{stamp}-{app}-{gid}-{sid}.zip"
            else:
                uri = "not-a-uri"
            export = {"Status": "SUCCEEDED", "OutputUri": uri}
        elif export_status == "FAILED":
            export = {"Status": "FAILED", "StatusReason": FAILED_REASONS[role].format(bucket=args.bucket, prefix=KEY_PREFIX, gid=gid, sid=sid)}
        elif export_status == "PENDING":
            export = {"Status": "PENDING"}

        doc = {
            "Arn": f"{arn}:streamsession/{gid}/{sid}",
            "Description": f"Session {n + 1} for player {rng.randrange(1, 400)}",
            "StreamGroupId": gid,
            "UserId": "player-" + seedlib.make_id(rng, 8),
            "Status": status,
        }
        if reason:
            doc["StatusReason"] = reason
        doc.update({
            "Protocol": "WebRTC",
            "Location": rng.choice(seedlib.LOCATIONS),
            "ConnectionTimeoutSeconds": rng.choice([120, 300, 600]),
            "SessionLengthSeconds": rng.choice([3600, 14400, 43200]),
            "WebSdkProtocolUrl": "https://play.example.com/gamelift-streams/websdk",
            "LastUpdatedAt": seedlib.timestamp(rng, updated),
            "CreatedAt": seedlib.timestamp(rng, created),
            "ApplicationArn": group["DefaultApplication"]["Arn"],
        })
        if export is not None:
            doc["ExportFilesMetadata"] = export
        if status not in ("ERROR",):
            doc["ApplicationStartedAt"] = seedlib.timestamp(rng, created + 20)
            doc["StreamingStartedAt"] = seedlib.timestamp(rng, started)
        if finished and status != "ERROR":
            doc["StreamingEndedAt"] = seedlib.timestamp(rng, ended)
        sessions.append(doc)

        expect = "collected"
        stage = kind = None
        if export_status != "SUCCEEDED":
            expect = "not_listed"
        elif role in ("missing", "prefix_no_match"):
            expect, stage, kind = "failed", "resolve", "not_found"
        elif role == "invalid_uri":
            expect, stage, kind = "failed", "resolve", "invalid_uri"
        elif role == "corrupt":
            expect, stage, kind = "failed", "index", None      # kind filled in once the flip is chosen
        elif role == "traversal":
            expect, stage, kind = "failed", "index", "path_traversal"
        record = {
            "expect": expect,
            "expectWithFailedExports": "export_failed" if export_status == "FAILED" else expect,
            "case": role,
            "streamGroupId": gid,
            "status": status,
            "exportStatus": export_status,
            "outputUri": uri,
            "uriForm": form if export_status == "SUCCEEDED" else None,
            "stage": stage,
            "kind": kind,
            "archiveStatus": None,
            "entryErrors": {},
            "findings": [{"kind": "path_traversal", "path": TRAVERSAL_NAME}] if role == "traversal" else [],
            "bucket": args.bucket if key else None,
            "key": key,
            "etag": None,
            "archiveSha256": None,
            "archiveBytes": None,
            "entries": {},
            "entryDetails": {},
            "perfStats": None,
            "shadowedKeys": [],
            "generation": 0,
        }
        size_mb = args.archive_mb
        if role == "normal" and large_left[0] > 0:
            large_left[0] -= 1
            size_mb = args.large_mb
        spec = {"sid": sid, "gid": gid, "app": app, "case": role, "key": key, "seed": args.seed,
                "start": started, "end": ended, "reason": reason,
                "targetBytes": int(size_mb * 1024 * 1024), "record": record, "content": args.content}
        specs.append(spec)

    return groups, sessions, specs, cases, prefixes, rng


def finish_record(record, fields):
    record.update({k: v for k, v in fields.items() if k != "entryErrors"})
    record["entryErrors"] = fields.get("entryErrors", {})
    if record["case"] == "corrupt":
        record["kind"] = record["entryErrors"][CORRUPT_ENTRY]
    record["archiveStatus"] = "error" if record["case"] in ("corrupt", "traversal") else "ok"


def write_json(path, doc):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def totals(records):
    values = list(records.values())
    return {
        "sessions": len(values),
        "listed": sum(r["expect"] != "not_listed" for r in values),
        "collected": sum(r["expect"] == "collected" for r in values),
        "failed": sum(r["expect"] == "failed" for r in values),
        "notListed": sum(r["expect"] == "not_listed" for r in values),
        "exportFailedWhenIncluded": sum(r["expectWithFailedExports"] == "export_failed" for r in values),
    }


def generate(args, s3):
    groups, sessions, specs, cases, prefixes, rng = plan(args)
    os.makedirs(args.out, exist_ok=True)
    keep_dir = None
    if args.keep_archives:
        keep_dir = os.path.join(args.out, "archives")
        os.makedirs(keep_dir, exist_ok=True)
    write_json(os.path.join(args.out, "seed.json"),
               {"accountId": ACCOUNT, "region": args.region, "streamGroups": groups, "sessions": sessions})

    init_worker(s3)
    clear_exports()
    objects = []

    # Objects of sessions the account does not have: one in the no-match prefix,
    # one in a shared prefix (the newest_wins one's), plus a non-archive file.
    decoys = []
    for prefix, info in prefixes.items():
        if cases.get("prefix_no_match") in info["sessions"] or cases.get("newest_wins") in info["sessions"]:
            decoys.append((orphan_object(rng, prefix, info["gid"], info["app"]), tiny_zip("orphan session\n")))
        if cases.get("prefix_no_match") in info["sessions"]:
            decoys.append((prefix + "README.txt", b"exports of stream sessions; do not edit\n"))
    for key, data in decoys:
        put(key, data)
        objects.append(key)

    # newest_wins: the older archive goes up first, the newer one last.
    older = None
    by_sid = {spec["sid"]: spec for spec in specs}
    nw = by_sid.get(cases.get("newest_wins"))
    if nw:
        prefix = nw["key"].rsplit("/", 1)[0] + "/"
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(int(nw["end"]) - 3 * 86400))
        older = dict(nw, key=f"{prefix}{stamp}-{nw['app']}-{nw['gid']}-{nw['sid']}.zip", case="normal")
        make_and_upload(older, generation=100)
        objects.append(older["key"])
        nw["record"]["shadowedKeys"] = [older["key"]]

    todo = [spec for spec in specs if spec["key"] and spec["case"] not in ("missing", "newest_wins")]
    results = {}
    total_bytes = sum(spec["targetBytes"] for spec in todo)
    if args.jobs > 1 and total_bytes >= 24 * 1024 * 1024:
        with concurrent.futures.ProcessPoolExecutor(args.jobs, initializer=init_worker, initargs=(s3,)) as pool:
            futures = [pool.submit(make_and_upload, {k: v for k, v in spec.items() if k != "record"}, 0, keep_dir)
                       for spec in todo]
            for future in futures:
                sid, fields = future.result()
                results[sid] = fields
    else:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            for sid, fields in pool.map(lambda spec: make_and_upload(spec, 0, keep_dir), todo):
                results[sid] = fields

    if nw:
        # LastModified has one-second resolution: make sure the newer one is newer.
        s3c = s3_client()
        old_time = s3c.head_object(Bucket=s3["bucket"], Key=older["key"])["LastModified"]
        while True:
            sid, fields = make_and_upload(nw, 0, keep_dir)
            new_time = s3c.head_object(Bucket=s3["bucket"], Key=nw["key"])["LastModified"]
            if new_time > old_time:
                break
            time.sleep(1.05 - (time.time() % 1))
        results[sid] = fields

    records = {}
    for spec in specs:
        record = spec["record"]
        if spec["sid"] in results:
            finish_record(record, results[spec["sid"]])
            objects.append(spec["key"])
        records[spec["sid"]] = record
    doc = {
        "schemaVersion": 1,
        "region": args.region,
        "accountId": ACCOUNT,
        "bucket": args.bucket,
        "streamGroups": [g["Id"] for g in groups],
        "args": {"sessions": args.sessions, "groups": args.groups, "seed": args.seed, "archiveMb": args.archive_mb},
        "cases": dict(sorted(cases.items())),
        "totals": totals(records),
        "objects": sorted(objects),
        "sessions": records,
    }
    write_json(os.path.join(args.out, "expected.json"), doc)
    return doc


def replace(args, s3):
    path = os.path.join(args.out, "expected.json")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    with open(os.path.join(args.out, "seed.json"), encoding="utf-8") as f:
        seed = json.load(f)
    record = doc["sessions"].get(args.replace)
    if record is None:
        sys.exit(f"pipeline_fixture: no session {args.replace} in {path}")
    if record["exportStatus"] != "SUCCEEDED" or not record["key"]:
        sys.exit(f"pipeline_fixture: session {args.replace} ({record['case']}) has no archive key to replace")
    session = next(s for s in seed["sessions"] if s["Arn"].rsplit("/", 1)[-1] == args.replace)
    group = next(g for g in seed["streamGroups"] if g["Id"] == record["streamGroupId"])
    start = float(session.get("StreamingStartedAt", session["CreatedAt"]))
    end = float(session.get("StreamingEndedAt", session["LastUpdatedAt"]))
    generation = record.get("generation", 0) + 1
    spec = {"sid": args.replace, "gid": record["streamGroupId"], "app": group["DefaultApplication"]["Id"],
            "case": "normal", "key": record["key"], "seed": doc["args"]["seed"], "start": start, "end": end,
            "reason": session.get("StatusReason"),
            "targetBytes": int(doc["args"]["archiveMb"] * 1024 * 1024)}
    init_worker(s3)
    keep_dir = os.path.join(args.out, "archives") if os.path.isdir(os.path.join(args.out, "archives")) else None
    previous = record["etag"]
    _, fields = make_and_upload(spec, generation, keep_dir)
    if fields["etag"] == previous:
        sys.exit(f"pipeline_fixture: the new archive of {args.replace} has the same ETag {previous}")
    record.update({"expect": "collected", "expectWithFailedExports": "collected", "stage": None, "kind": None,
                   "findings": [], "generation": generation, "previousEtag": previous})
    if record["case"] != "normal":
        record["previousCase"], record["case"] = record["case"], "replaced"
    finish_record(record, fields)
    if record["key"] not in doc["objects"]:
        doc["objects"] = sorted(doc["objects"] + [record["key"]])
    doc["totals"] = totals(doc["sessions"])
    write_json(path, doc)
    print(json.dumps({"sessionId": args.replace, "key": record["key"], "etag": record["etag"],
                      "previousEtag": previous, "archiveSha256": record["archiveSha256"]}))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    env = os.environ.get
    ap.add_argument("--out", required=True, help="folder for seed.json and expected.json")
    ap.add_argument("--s3-endpoint", default=env("EC_S3_ENDPOINT"))
    ap.add_argument("--bucket", default=env("EC_S3_BUCKET"))
    ap.add_argument("--access-key", default=env("EC_S3_ACCESS_KEY"))
    ap.add_argument("--secret-key", default=env("EC_S3_SECRET_KEY"))
    ap.add_argument("--region", default="us-west-2", help="the account's region; S3 requests are signed for it too")
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--groups", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--archive-mb", type=float, default=0.2, help="typical archive size in MiB")
    ap.add_argument("--large", type=int, default=0, help="this many normal sessions get --large-mb archives (benchmarks)")
    ap.add_argument("--large-mb", type=float, default=500, help="size of those archives in MiB")
    ap.add_argument("--content", choices=("random", "compressible"), default="random",
                    help="save and crash-dump payloads: random bytes (incompressible, the default) or "
                         "compressible ones (~3:1, mostly literals: where inflating is the long pole)")
    ap.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1),
                    help="worker processes for large fixtures (archives are built in parallel)")
    ap.add_argument("--keep-archives", action="store_true", help="also write DIR/archives/<sessionId>.zip")
    ap.add_argument("--replace", metavar="SESSION_ID", help="upload a different archive for this session")
    ap.add_argument("--key-prefix", default="exports/",
                    help="key prefix the fixture owns and clears (default exports/); must end in /")
    args = ap.parse_args(argv)
    missing = [name for name in ("s3_endpoint", "bucket", "access_key", "secret_key") if not getattr(args, name)]
    if missing:
        ap.error("missing " + ", ".join("--" + m.replace("_", "-") for m in missing) + " (or EC_S3_* in the environment)")
    if not args.replace:
        if args.sessions < MIN_SESSIONS:
            ap.error(f"--sessions must be at least {MIN_SESSIONS} (the deliberate cases plus two normal sessions)")
        if args.groups < 1:
            ap.error("--groups must be at least 1")
        if args.archive_mb <= 0:
            ap.error("--archive-mb must be positive")
    if not args.key_prefix.endswith("/") or args.key_prefix.startswith("/"):
        ap.error("--key-prefix must end in / and not start with one")
    global KEY_PREFIX
    KEY_PREFIX = args.key_prefix
    s3 = {"endpoint": args.s3_endpoint, "bucket": args.bucket, "accessKey": args.access_key,
          "secretKey": args.secret_key, "region": args.region}
    started = time.monotonic()
    if args.replace:
        replace(args, s3)
        return
    doc = generate(args, s3)
    t = doc["totals"]
    size = sum(r["archiveBytes"] or 0 for r in doc["sessions"].values())
    print(f"pipeline_fixture: {t['sessions']} sessions in {len(doc['streamGroups'])} groups "
          f"({t['collected']} collectable, {t['failed']} failing, {t['notListed']} not listed), "
          f"{len(doc['objects'])} objects, {size / 1048576:.1f} MiB, {time.monotonic() - started:.1f}s",
          file=sys.stderr)


if __name__ == "__main__":
    main()
