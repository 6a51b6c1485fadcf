#!/usr/bin/env python3
"""Sharding on one machine: 1 shard against N concurrent shard processes
(`run --shard I/N`, each into its own folder, then `merge`), on the local
stack. Reports wall time (shards and merge), the GameLift Streams requests
the emulator received and their rate (from its /_emulator/stats request
times), and whether the configured rate limit held across all shards: the
busiest one-second window must stay within requestsPerSecond + the burst.

Start the stack first (1,000 sessions of ~1 MB):
    scripts/local-stack pipeline /tmp/ec-shards --sessions 1000 --groups 4 --archive-mb 1
then:
    EC_BIN=.build-release/release/export-collector scripts/bench/shard_bench.py --stack /tmp/ec-shards \
        [--shards 1,2,4] [--scope groups|all] [--rps 20]

--scope all lists by account, so every session costs a GetStreamSession call
within the rate limit: the run is bound by the shared API quota, which is
what the per-shard share (rps / N) must keep.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_bench import read_env  # noqa: E402


def emulator(env, path, method="GET"):
    request = urllib.request.Request(env["AWS_ENDPOINT_URL_GAMELIFTSTREAMS"] + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read() or b"{}")


def peak_window(times, seconds=1.0):
    """Most requests in any window of `seconds` (sliding, starting at a request)."""
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= seconds:
            start += 1
        best = max(best, end - start + 1)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stack", required=True)
    ap.add_argument("--shards", default="1,2,4")
    ap.add_argument("--scope", choices=["groups", "all"], default="groups")
    ap.add_argument("--rps", type=float, default=20.0)
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args()
    binary = os.environ.get("EC_BIN") or sys.exit("set EC_BIN to a release export-collector binary")
    env = dict(os.environ, **read_env(os.path.join(args.stack, "client.env")))
    expected = json.load(open(os.path.join(args.stack, "expected.json")))
    groups = expected["streamGroups"]
    work = tempfile.mkdtemp(prefix="ec-shard-bench-")
    config = os.path.join(work, "pipeline.json")
    json.dump({"source": {"streamGroups": "all" if args.scope == "all" else groups, "requestsPerSecond": args.rps},
               "download": {"concurrency": args.concurrency},
               "output": {"dir": os.path.join(work, "out")}}, open(config, "w"))
    rows = []
    try:
        for count in [int(n) for n in args.shards.split(",")]:
            out = os.path.join(work, f"n{count}")
            emulator(env, "/_emulator/reset-stats", "POST")
            started = time.monotonic()
            processes = []
            for index in range(count):
                command = [binary, "run", "--config", config, "--output", out, "--no-progress", "--json"]
                if count > 1:
                    command += ["--shard", f"{index}/{count}"]
                processes.append(subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL))
            summaries = []
            for process in processes:
                stdout, _ = process.communicate()
                summaries.append(json.loads(stdout or b"{}"))
            shards_wall = time.monotonic() - started
            stats = emulator(env, "/_emulator/stats")
            merge_wall = 0.0
            if count > 1:
                merge_started = time.monotonic()
                subprocess.run([binary, "merge"] + [os.path.join(out, f"shard-{i}-of-{count}") for i in range(count)]
                               + ["-o", os.path.join(out, "merged"), "--json"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, check=False)
                merge_wall = time.monotonic() - merge_started
            times = stats.get("requestTimes", [])
            span = (max(times) - min(times)) if len(times) > 1 else 0.0
            collected = sum(s.get("collected", 0) for s in summaries)
            failed = sum(s.get("failed", 0) for s in summaries)
            rows.append({
                "shards": count, "shardsWall": shards_wall, "mergeWall": merge_wall, "collected": collected, "failed": failed,
                "requests": len(times), "meanRps": len(times) / span if span else float("nan"),
                "peak1s": peak_window(times), "perShardRps": args.rps / count,
                "byOperation": stats.get("byOperation", {}),
            })
            print(json.dumps(rows[-1]), file=sys.stderr)
            shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"scope {args.scope}, {expected['totals']['listed']} sessions listed, requestsPerSecond {args.rps} (burst 5), "
          f"download.concurrency {args.concurrency} per process")
    print("| shards | wall s (shards) | merge s | total s | collected | API requests | mean req/s | busiest 1 s | limit held (≤ rps + burst) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        total = row["shardsWall"] + row["mergeWall"]
        held = "yes" if row["peak1s"] <= args.rps + 5 else "NO"
        print(f"| {row['shards']} | {row['shardsWall']:.2f} | {row['mergeWall']:.2f} | {total:.2f} | {row['collected']} | "
              f"{row['requests']} | {row['meanRps']:.1f} | {row['peak1s']} | {held} |")


if __name__ == "__main__":
    main()
