#!/usr/bin/env python3
"""The whole job against its peers on the local stack: `export-collector run`
versus the AWS CLI pipeline (scripts/bench/cli_pipeline.sh: list, `aws s3 cp`,
`unzip -t`, extract, `sha256sum`) and a boto3 script
(scripts/bench/boto3_pipeline.py: paginator, download_file, zipfile, hashlib,
4 threads), interleaved rounds, fresh output folders; medians of wall time,
CPU (user+sys of the tool and its children) and peak RSS.

Start the stack first (about 2 minutes for 200 sessions of 5 MB):
    scripts/local-stack pipeline /tmp/ec-bench --sessions 200 --groups 2 --archive-mb 5
then, in another shell:
    EC_BIN=.build/release/export-collector scripts/bench/run_bench.py --stack /tmp/ec-bench [--rounds 3]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def read_env(path):
    env = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            env[key] = value.strip("'\"")
    return env


def measure(cmd, env, written=False):
    """Wall seconds, CPU seconds and peak RSS (MiB) of cmd, from GNU time;
    with written=True also the bytes it wrote to files (%O, counted when
    pages are dirtied, so a file deleted before writeback still counts)."""
    with tempfile.NamedTemporaryFile("r") as report:
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M %O", "-o", report.name] + cmd, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall, user, system, rss, blocks = open(report.name).read().split()[-5:]
    result = (float(wall), float(user) + float(system), int(rss) / 1024, proc.returncode, proc.stderr.decode()[-400:])
    return result + (int(blocks) * 512,) if written else result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stack", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tools", default="ec,cli,boto3")
    args = ap.parse_args()
    binary = os.environ.get("EC_BIN") or sys.exit("set EC_BIN to a release export-collector binary")
    env = dict(os.environ, **read_env(os.path.join(args.stack, "client.env")))
    venv_bin = os.path.dirname(sys.executable)
    env["PATH"] = venv_bin + ":" + env.get("PATH", "")
    expected = json.load(open(os.path.join(args.stack, "expected.json")))
    groups = expected["streamGroups"]
    work = tempfile.mkdtemp(prefix="ec-run-bench-")
    config = os.path.join(work, "pipeline.json")
    json.dump({"source": {"streamGroups": groups}, "download": {"concurrency": 4},
               "output": {"dir": os.path.join(work, "ec")}}, open(config, "w"))
    tools = {
        "ec": ("export-collector run", lambda out: [binary, "run", "--config", config, "--output", out, "--no-progress"]),
        "cli": ("AWS CLI + unzip + sha256sum", lambda out: ["bash", os.path.join(HERE, "cli_pipeline.sh"), out] + groups),
        "boto3": ("boto3 script (4 threads)", lambda out: [sys.executable, os.path.join(HERE, "boto3_pipeline.py"), out] + groups),
    }
    chosen = [t for t in args.tools.split(",") if t in tools]
    results = {t: [] for t in chosen}
    try:
        for round_number in range(args.rounds):
            for tool in chosen:
                out = os.path.join(work, f"{tool}-{round_number}")
                wall, cpu, rss, code, err = measure(tools[tool][1](out), env)
                results[tool].append((wall, cpu, rss))
                print(f"round {round_number + 1} {tool}: {wall:.2f} s wall, {cpu:.2f} s CPU, {rss:.0f} MiB, exit {code}", file=sys.stderr)
                shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    mb = sum(s.get("archiveBytes") or 0 for s in expected["sessions"].values() if s.get("expect") == "collected") / 1e6
    base = statistics.median(r[0] for r in results["ec"]) if "ec" in results else None
    print(f"{expected['totals']['listed']} sessions listed, {mb:.0f} MB of archives, {args.rounds} interleaved rounds, medians")
    print("| tool | wall s | MB/s | CPU s | peak RSS MiB | export-collector is faster by |")
    print("|---|---|---|---|---|---|")
    for tool in chosen:
        wall = statistics.median(r[0] for r in results[tool])
        cpu = statistics.median(r[1] for r in results[tool])
        rss = max(r[2] for r in results[tool])
        ratio = f"{wall / base:.1f}×" if base else ""
        print(f"| {tools[tool][0]} | {wall:.2f} | {mb / wall:.0f} | {cpu:.2f} | {rss:.0f} | {ratio} |")


if __name__ == "__main__":
    main()
