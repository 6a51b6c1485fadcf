"""Exercises the local S3 (SeaweedFS) the way export-collector will use it.

Run by `scripts/local-stack check` with the venv's Python and EC_S3_* set.
Uploads an object whose key has spaces, Unicode, '+', '=', '~', '%' and '//'
with boto3, reads it back signed (boto3, and curl with a botocore-signed
header set, as a libcurl client would send), through a SigV4 presigned URL
with curl, and checks that SigV4 is enforced: expired, tampered and skewed
requests are refused; Range, If-Match and If-None-Match behave as on AWS.
Exits non-zero on the first failure. Prints notes on where SeaweedFS differs
from AWS, so a change of SeaweedFS version shows up here.
"""

import datetime
import os
import subprocess
import sys
import tempfile
import time
from unittest import mock
from urllib.parse import quote

import boto3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ENDPOINT = os.environ["EC_S3_ENDPOINT"]
REGION = os.environ["EC_S3_REGION"]
BUCKET = os.environ["EC_S3_BUCKET"]
ADMIN = Credentials(os.environ["EC_S3_ACCESS_KEY"], os.environ["EC_S3_SECRET_KEY"])
READONLY = Credentials(os.environ["EC_S3_READONLY_ACCESS_KEY"], os.environ["EC_S3_READONLY_SECRET_KEY"])

KEY = "exports/dir one//sub dir/ünïcödé ✓ a+b=c~d%41 %2F.zip"
BODY = os.urandom(300_000)
failures = 0


def check(condition, what, detail=""):
    global failures
    if condition:
        print(f"  ok    {what}")
    else:
        failures += 1
        print(f"  FAIL  {what} {detail}".rstrip())


def note(text):
    print(f"  note  {text}")


def client(creds):
    # signature_version s3v4: boto3 would otherwise presign with SigV2.
    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def curl(url, headers=(), method="GET"):
    """Runs curl; returns (status, headers dict with lower-case names, body)."""
    with tempfile.TemporaryDirectory() as tmp:
        head, body = os.path.join(tmp, "h"), os.path.join(tmp, "b")
        args = ["curl", "-sS", "-g", "--path-as-is", "-o", body, "-D", head, "-X", method]
        if method == "HEAD":
            args[-2:] = ["-I"]
        for name, value in headers:
            args += ["-H", f"{name}: {value}"]
        subprocess.run(args + [url], check=True)
        lines = open(head, encoding="latin-1").read().splitlines()
        status = int(lines[0].split()[1])
        fields = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                fields[name.strip().lower()] = value.strip()
        # curl writes no body file for an empty body (304, HEAD).
        return status, fields, open(body, "rb").read() if os.path.exists(body) else b""


def signed_curl(path, headers=(), creds=ADMIN, method="GET", when=None):
    """A header-signed request (UNSIGNED-PAYLOAD) sent by curl, as libcurl would."""
    url = ENDPOINT + path
    request = AWSRequest(method=method, url=url, headers=dict(headers))
    request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    signer = S3SigV4Auth(creds, "s3", REGION)
    if when is None:
        signer.add_auth(request)
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            signer.add_auth(request)
    return curl(url, list(request.headers.items()), method)


def error_code(body):
    text = body.decode("utf-8", "replace")
    start = text.find("<Code>")
    return text[start + 6 : text.find("</Code>")] if start >= 0 else text[:80]


def main():
    admin, reader = client(ADMIN), client(READONLY)
    path = f"/{BUCKET}/" + quote(KEY, safe="/~")

    print(f"object {KEY!r} ({len(BODY)} bytes) in {BUCKET} at {ENDPOINT}")
    put = admin.put_object(Bucket=BUCKET, Key=KEY, Body=BODY)
    etag = put["ETag"]
    check(bool(etag), "PutObject with boto3", str(put))

    got = admin.get_object(Bucket=BUCKET, Key=KEY, ChecksumMode="ENABLED")
    check(got["Body"].read() == BODY, "GetObject (boto3, signed) returns the bytes")
    check(got["ETag"] == etag, "GetObject ETag matches PutObject", f"{got['ETag']} != {etag}")
    if "ChecksumCRC32" in put:
        check(got.get("ChecksumCRC32") == put["ChecksumCRC32"], "x-amz-checksum-mode: ENABLED returns the CRC32 stored at upload")
    check(reader.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == BODY, "read-only identity can GetObject")

    listed = [o["Key"] for o in admin.list_objects_v2(Bucket=BUCKET, Prefix="exports/")["Contents"]]
    collapsed = KEY.replace("//", "/")
    check(listed in ([KEY], [collapsed]), "ListObjectsV2 shows the object once", str(listed))
    if listed == [collapsed]:
        note("SeaweedFS collapses '//' in keys: listed as " + repr(collapsed) + "; 'a//b' and 'a/b' are one object")

    status, headers, body = signed_curl(path)
    check(status == 200 and body == BODY, "curl GET signed in headers (UNSIGNED-PAYLOAD)", f"{status} {error_code(body)}")

    status, headers, body = signed_curl(path, [("Range", "bytes=100-199")])
    check(status == 206 and body == BODY[100:200], "Range bytes=100-199 -> 206 with the slice", str(status))
    check(headers.get("content-range") == f"bytes 100-199/{len(BODY)}", "Content-Range names the total size", str(headers.get("content-range")))
    status, headers, body = signed_curl(path, [("Range", f"bytes={len(BODY) - 10}-")])
    check(status == 206 and body == BODY[-10:], "open-ended Range -> 206 with the tail", str(status))
    status, headers, body = signed_curl(path, [("Range", f"bytes={len(BODY)}-")])
    check(status == 416 and error_code(body) == "InvalidRange", "Range past the end -> 416 InvalidRange", f"{status} {error_code(body)}")
    status, headers, body = signed_curl(path, [("If-Match", etag), ("Range", "bytes=0-9")])
    check(status == 206 and body == BODY[:10], "If-Match current ETag + Range -> 206", str(status))
    status, headers, body = signed_curl(path, [("If-Match", '"0123456789abcdef0123456789abcdef"')])
    check(status == 412 and error_code(body) == "PreconditionFailed", "If-Match stale ETag -> 412 PreconditionFailed", f"{status} {error_code(body)}")
    status, headers, body = signed_curl(path, [("If-None-Match", etag)])
    check(status == 304, "If-None-Match current ETag -> 304", str(status))

    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    status, headers, body = signed_curl(path, when=now - datetime.timedelta(minutes=20))
    check(status == 403 and error_code(body) == "RequestTimeTooSkewed", "request signed 20 min ago -> 403 RequestTimeTooSkewed", f"{status} {error_code(body)}")
    status, headers, body = signed_curl(path, creds=Credentials(ADMIN.access_key, ADMIN.secret_key[::-1]))
    check(status == 403 and error_code(body) == "SignatureDoesNotMatch", "wrong secret -> 403 SignatureDoesNotMatch", f"{status} {error_code(body)}")
    status, headers, body = curl(ENDPOINT + path)
    check(status == 403 and error_code(body) == "AccessDenied", "anonymous GET -> 403 AccessDenied", f"{status} {error_code(body)}")

    url = admin.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": KEY}, ExpiresIn=300)
    check("X-Amz-Algorithm=AWS4-HMAC-SHA256" in url, "presigned URL is SigV4", url)
    status, headers, body = curl(url)
    check(status == 200 and body == BODY, "curl GET presigned URL", f"{status} {error_code(body)}")
    status, headers, body = curl(url, [("Range", "bytes=0-99")])
    check(status == 206 and body == BODY[:100], "curl GET presigned URL with Range -> 206", str(status))
    status, headers, body = curl(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"))
    check(status == 403 and error_code(body) == "SignatureDoesNotMatch", "tampered presigned signature -> 403 SignatureDoesNotMatch", f"{status} {error_code(body)}")
    status, headers, body = curl(url.replace("dir%20one//", "dir%20one/"))
    check(status == 403, "presigned URL with '//' rewritten to '/' -> 403 (signature covers the path as sent)", str(status))
    status, headers, body = curl(reader.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": KEY}, ExpiresIn=300))
    check(status == 200 and body == BODY, "read-only identity's presigned URL", str(status))

    virtual = boto3.client(
        "s3",
        endpoint_url=os.environ["EC_S3_VIRTUAL_HOSTED_ENDPOINT"],
        region_name=REGION,
        aws_access_key_id=ADMIN.access_key,
        aws_secret_access_key=ADMIN.secret_key,
        config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}),
    )
    url = virtual.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": KEY}, ExpiresIn=300)
    status, headers, body = curl(url)
    check(status == 200 and body == BODY, f"virtual-hosted presigned URL ({url.split('/')[2]})", f"{status} {error_code(body)}")

    expiring = admin.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": KEY}, ExpiresIn=1)
    time.sleep(2.2)
    status, headers, body = curl(expiring)
    check(status == 403 and b"expired" in body, "expired presigned URL -> 403 (Request has expired)", f"{status} {error_code(body)}")

    admin.delete_object(Bucket=BUCKET, Key=KEY)
    if failures:
        sys.exit(f"{failures} check(s) failed")


if __name__ == "__main__":
    main()
