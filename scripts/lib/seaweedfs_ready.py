"""Waits until the local SeaweedFS takes signed requests, and proves it checks them.

Run by seaweedfs_start (scripts/lib/seaweedfs.sh) with the venv's Python and
the EC_S3_* variables set. Creates the bucket EC_S3_BUCKET (retrying while the
filer and volume server come up), writes and deletes one object so the first
test does not pay for volume growth, then checks that a wrong secret gets 403
SignatureDoesNotMatch and that the read-only identity cannot write.
"""

import argparse
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, ConnectionClosedError, ReadTimeoutError


def client(access_key, secret_key):
    return boto3.client(
        "s3",
        endpoint_url=os.environ["EC_S3_ENDPOINT"],
        region_name=os.environ["EC_S3_REGION"],
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
            connect_timeout=2,
            read_timeout=10,
        ),
    )


def error_code(error):
    return error.response.get("Error", {}).get("Code"), error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--pid", type=int)
    args = parser.parse_args()
    bucket = os.environ["EC_S3_BUCKET"]
    admin = client(os.environ["EC_S3_ACCESS_KEY"], os.environ["EC_S3_SECRET_KEY"])

    deadline = time.monotonic() + args.timeout
    last = None
    while True:
        if args.pid and not alive(args.pid):
            sys.exit(f"seaweedfs_ready: weed (pid {args.pid}) exited; last error: {last}")
        try:
            try:
                admin.create_bucket(Bucket=bucket)
            except ClientError as error:
                if error_code(error)[0] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
            admin.put_object(Bucket=bucket, Key=".ready-probe", Body=b"ready")
            if admin.get_object(Bucket=bucket, Key=".ready-probe")["Body"].read() != b"ready":
                raise RuntimeError("probe object read back wrong")
            admin.delete_object(Bucket=bucket, Key=".ready-probe")
            break
        except (ClientError, EndpointConnectionError, ConnectionClosedError, ReadTimeoutError, RuntimeError) as error:
            last = error
            if time.monotonic() > deadline:
                sys.exit(f"seaweedfs_ready: no working signed request within {args.timeout:.0f}s: {last}")
            time.sleep(0.3)

    wrong = client(os.environ["EC_S3_ACCESS_KEY"], os.environ["EC_S3_SECRET_KEY"][:-1] + "X")
    try:
        wrong.list_objects_v2(Bucket=bucket)
        sys.exit("seaweedfs_ready: a request signed with a wrong secret was accepted")
    except ClientError as error:
        if error_code(error) != ("SignatureDoesNotMatch", 403):
            sys.exit(f"seaweedfs_ready: wrong secret gave {error_code(error)}, wanted SignatureDoesNotMatch 403")

    reader = client(os.environ["EC_S3_READONLY_ACCESS_KEY"], os.environ["EC_S3_READONLY_SECRET_KEY"])
    reader.list_objects_v2(Bucket=bucket)
    try:
        reader.put_object(Bucket=bucket, Key=".readonly-probe", Body=b"x")
        sys.exit("seaweedfs_ready: the read-only identity could write")
    except ClientError as error:
        if error_code(error) != ("AccessDenied", 403):
            sys.exit(f"seaweedfs_ready: read-only write gave {error_code(error)}, wanted AccessDenied 403")


if __name__ == "__main__":
    main()
