#!/usr/bin/env python3
"""Reads an output prefix of the local S3 (SeaweedFS) with boto3, the referee
client, for the tests of `run` and `merge` with an s3:// output. Reads EC_S3_*
from the environment.

usage: s3_prefix.py download PREFIX DIR   every object under PREFIX into DIR
                                          (relative paths); prints {"objects": {key: etag}}
       s3_prefix.py uploads PREFIX        prints {"uploads": [{"key", "uploadId"}]}:
                                          multipart uploads in progress under PREFIX
PREFIX is a key prefix in $EC_S3_BUCKET (e.g. "out-1234/").
"""
import json
import os
import sys

import boto3
from botocore.config import Config


def client():
    return boto3.client(
        "s3",
        endpoint_url=os.environ["EC_S3_ENDPOINT"],
        aws_access_key_id=os.environ["EC_S3_ACCESS_KEY"],
        aws_secret_access_key=os.environ["EC_S3_SECRET_KEY"],
        region_name=os.environ.get("EC_S3_REGION", "us-east-1"),
        config=Config(s3={"addressing_style": "path"}),
    )


def main():
    command, prefix = sys.argv[1], sys.argv[2]
    bucket = os.environ["EC_S3_BUCKET"]
    s3 = client()
    if command == "download":
        folder = sys.argv[3]
        objects = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"]
                relative = key[len(prefix):]
                path = os.path.join(folder, relative)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                s3.download_file(bucket, key, path)
                objects[relative] = item["ETag"]
        print(json.dumps({"objects": objects}))
    elif command == "uploads":
        answer = s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix)
        uploads = [{"key": u["Key"], "uploadId": u["UploadId"]} for u in answer.get("Uploads", [])]
        print(json.dumps({"uploads": uploads}))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
