#!/usr/bin/env python3
"""Puts test objects into the local S3 (SeaweedFS) with boto3, the referee
client, and prints their ETags as JSON. Reads EC_S3_* from the environment.

usage: s3_fixture.py put KEY SIZE_BYTES SEED      (deterministic content)
       s3_fixture.py put-file KEY PATH
       s3_fixture.py presign KEY EXPIRES          (SigV4, by botocore)
"""
import json
import os
import random
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
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def main():
    command, key = sys.argv[1], sys.argv[2]
    bucket = os.environ["EC_S3_BUCKET"]
    s3 = client()
    if command == "put":
        size, seed = int(sys.argv[3]), int(sys.argv[4])
        rnd = random.Random(seed)
        block = rnd.randbytes(1 << 20)
        data = (block * (size // len(block) + 1))[:size]
        answer = s3.put_object(Bucket=bucket, Key=key, Body=data)
        print(json.dumps({"etag": answer["ETag"], "size": size}))
    elif command == "put-file":
        with open(sys.argv[3], "rb") as body:
            answer = s3.put_object(Bucket=bucket, Key=key, Body=body)
        print(json.dumps({"etag": answer["ETag"]}))
    elif command == "presign":
        url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=int(sys.argv[3]))
        print(json.dumps({"url": url}))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
