#!/usr/bin/env python3
"""The pipeline a user would otherwise write with boto3: paginate the sessions
whose export SUCCEEDED, resolve each OutputUri, download_file, verify every
entry with zipfile (CRC-32) and hash it with hashlib, and write a JSON
manifest per session; four downloads at once (a thread pool, as a careful
script would). The peer of `export-collector run` in scripts/bench/run_bench.py.

usage: boto3_pipeline.py OUT_DIR STREAM_GROUP...   (AWS_* in the environment)
"""
import concurrent.futures
import hashlib
import json
import os
import sys
import zipfile

import boto3
from botocore.config import Config

out = sys.argv[1]
groups = sys.argv[2:]
os.makedirs(out, exist_ok=True)
gls = boto3.client("gameliftstreams")
s3 = boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def sessions():
    for group in groups:
        paginator = gls.get_paginator("list_stream_sessions")
        for page in paginator.paginate(Identifier=group, ExportFilesStatus="SUCCEEDED"):
            yield from page.get("Items", [])


def resolve(session_id, uri):
    if not uri.startswith("s3://"):
        raise ValueError(f"bad OutputUri {uri}")
    bucket, _, key = uri[5:].partition("/")
    if key.endswith("/"):
        newest = None
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
            for obj in page.get("Contents", []):
                if session_id in obj["Key"][len(key):] and (newest is None or obj["LastModified"] > newest["LastModified"]):
                    newest = obj
        if newest is None:
            raise FileNotFoundError(f"no archive under {uri}")
        key = newest["Key"]
    return bucket, key


def collect(item):
    session_id = item["Arn"].rsplit("/", 1)[-1]
    try:
        bucket, key = resolve(session_id, item["ExportFilesMetadata"]["OutputUri"])
        path = os.path.join(out, session_id + ".zip")
        s3.download_file(bucket, key, path)
        entries = []
        with open(path, "rb") as f:
            archive_sha = hashlib.file_digest(f, "sha256").hexdigest()
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                digest = hashlib.sha256()
                with archive.open(info) as member:  # raises on a bad CRC at the end
                    for chunk in iter(lambda: member.read(1 << 20), b""):
                        digest.update(chunk)
                entries.append({"path": info.filename, "bytes": info.file_size, "crc32": f"{info.CRC:08x}",
                                "sha256": digest.hexdigest()})
        status = {"sessionId": session_id, "status": "collected", "sha256": archive_sha, "entries": entries}
    except Exception as exc:  # one bad session must not stop the others
        status = {"sessionId": session_id, "status": "failed", "error": str(exc)}
    with open(os.path.join(out, session_id + ".json"), "w") as f:
        json.dump(status, f)
    return status["status"]


with concurrent.futures.ThreadPoolExecutor(4) as pool:
    results = list(pool.map(collect, sessions()))
print(json.dumps({"collected": results.count("collected"), "failed": results.count("failed")}))
