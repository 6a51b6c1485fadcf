#!/usr/bin/env python3
"""Download throughput against the local SeaweedFS: export-collector fetch
(signed) versus the curl CLI on a presigned URL, `aws s3 cp` and boto3's
download_file, in interleaved rounds; medians of wall time, MB/s, and client
CPU seconds per GB (user+sys of the client process, from /usr/bin/time).

Needs the stack's EC_S3_* variables (scripts/local-stack start DIR) and EC_BIN.
usage: fetch_bench.py [--rounds N] [--big-mb 1200] [--small 20]
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

import boto3
from botocore.config import Config

env = os.environ
BUCKET = env["EC_S3_BUCKET"]


def s3():
    return boto3.client("s3", endpoint_url=env["EC_S3_ENDPOINT"], aws_access_key_id=env["EC_S3_ACCESS_KEY"],
                        aws_secret_access_key=env["EC_S3_SECRET_KEY"], region_name=env.get("EC_S3_REGION", "us-east-1"),
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def ensure_objects(client, big_mb, small):
    rnd = random.Random(42)
    block = rnd.randbytes(4 << 20)
    objects = []
    specs = [("bench/big.zip", big_mb << 20)] + [(f"bench/small-{i:02d}.zip", rnd.randint(10, 28) << 20) for i in range(small)]
    for key, size in specs:
        try:
            head = client.head_object(Bucket=BUCKET, Key=key)
            if head["ContentLength"] == size:
                objects.append((key, size))
                continue
        except Exception:
            pass
        with tempfile.TemporaryFile() as f:
            written = 0
            while written < size:
                chunk = block[: min(len(block), size - written)]
                f.write(chunk)
                written += len(chunk)
            f.seek(0)
            client.upload_fileobj(f, BUCKET, key)
        objects.append((key, size))
    return objects


def server_cpu():
    """CPU seconds SeaweedFS has used so far (it shares the machine's cores)."""
    pid = env.get("EC_SEAWEEDFS_PID")
    if not pid:
        return 0.0
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(cmd, extra_env=None):
    out = tempfile.NamedTemporaryFile(delete=False)
    out.close()
    server_before = server_cpu()
    started = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "%U %S", "-o", out.name] + cmd, env={**env, **(extra_env or {})},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.monotonic() - started
    user, system = map(float, open(out.name).read().split()[-2:])
    os.unlink(out.name)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {proc.stderr.decode()[-400:]}")
    return wall, user + system, server_cpu() - server_before


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--big-mb", type=int, default=1200)
    parser.add_argument("--small", type=int, default=20)
    args = parser.parse_args()
    client = s3()
    objects = ensure_objects(client, args.big_mb, args.small)
    work = tempfile.mkdtemp(prefix="ec-fetch-bench-")
    creds = {"AWS_ACCESS_KEY_ID": env["EC_S3_ACCESS_KEY"], "AWS_SECRET_ACCESS_KEY": env["EC_S3_SECRET_KEY"],
             "AWS_ENDPOINT_URL_S3": env["EC_S3_ENDPOINT"], "AWS_ENDPOINT_URL": env["EC_S3_ENDPOINT"],
             "AWS_REGION": env.get("EC_S3_REGION", "us-east-1"), "AWS_EC2_METADATA_DISABLED": "true"}
    boto_script = ("import boto3,sys;from botocore.config import Config;"
                   "c=boto3.client('s3',config=Config(s3={'addressing_style':'path'}));"
                   "c.download_file(sys.argv[1],sys.argv[2],sys.argv[3])")
    aws = os.path.join(os.path.dirname(sys.executable), "aws")

    def tools(key):
        dest = os.path.join(work, "out")
        url = client.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=3600)
        for path in (dest, dest + ".part", dest + ".part.etag"):
            if os.path.exists(path):
                os.unlink(path)
        return {
            "export-collector fetch": [env["EC_BIN"], "fetch", f"s3://{BUCKET}/{key}", "-o", dest, "--log-level", "error"],
            "export-collector fetch --no-sha256": [env["EC_BIN"], "fetch", f"s3://{BUCKET}/{key}", "-o", dest, "--no-sha256",
                                                   "--log-level", "error"],
            "curl (presigned URL)": ["curl", "-sS", "-f", "-o", dest, url],
            "aws s3 cp": [aws, "s3", "cp", "--only-show-errors", f"s3://{BUCKET}/{key}", dest],
            "boto3 download_file": [sys.executable, "-c", boto_script, BUCKET, key, dest],
        }

    names = list(tools(objects[0][0]).keys())
    results = {(dataset, name): [] for dataset in ("big", "small") for name in names}
    for round_index in range(args.rounds):
        order = names[round_index % len(names):] + names[: round_index % len(names)]
        for name in order:
            for dataset, items in (("big", objects[:1]), ("small", objects[1:])):
                wall = cpu = server = 0.0
                for key, _ in items:
                    w, c, sv = timed(tools(key)[name], creds)
                    wall += w
                    cpu += c
                    server += sv
                results[(dataset, name)].append((wall, cpu, server))
                print(f"round {round_index + 1} {dataset:5} {name:24} {wall:7.2f} s  cpu {cpu:6.2f} s  server cpu {server:6.2f} s", flush=True)
    sizes = {"big": objects[0][1], "small": sum(s for _, s in objects[1:])}
    print()
    print("| tool | big: median s / MB/s / speed vs curl / client CPU s per GB / server CPU s per GB | 20 small objects: same |")
    print("|---|---|---|")
    for name in names:
        cells = []
        for dataset in ("big", "small"):
            walls = [w for w, _, _ in results[(dataset, name)]]
            cpus = [c for _, c, _ in results[(dataset, name)]]
            servers = [sv for _, _, sv in results[(dataset, name)]]
            curl = statistics.median(w for w, _, _ in results[(dataset, "curl (presigned URL)")])
            median = statistics.median(walls)
            gb = sizes[dataset] / 1e9
            cells.append(f"{median:.2f} / {sizes[dataset] / 1e6 / median:.0f} / {curl / median:.2f}× / "
                         f"{statistics.median(cpus) / gb:.2f} / {statistics.median(servers) / gb:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
