#!/usr/bin/env python3
"""Listing throughput against the local GameLift Streams emulator:
`export-collector list --json` versus boto3's paginator (build_full_result),
same emulator, same sessions, interleaved rounds; medians of wall time and of
the client's CPU seconds (user+sys of the child process), plus the
emulator's CPU, since it shares the machine's cores.

The client-side rate limit is raised out of the way (--requests-per-second
100000), so this measures the clients, not the limiter.

usage: EC_BIN=.build/release/export-collector list_bench.py [--sessions 10000] [--rounds 5]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TESTING = os.path.join(HERE, "..", "testing")
AK, SK = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def cpu_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(cmd, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--page-sizes", default="100,25")
    args = ap.parse_args()
    binary = os.environ.get("EC_BIN") or sys.exit("set EC_BIN to a (release) export-collector binary")
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        seed = os.path.join(tmp, "seed.json")
        subprocess.run([py, os.path.join(TESTING, "gamelift_seed.py"), "--out", seed, "--sessions", str(args.sessions),
                        "--groups", "1", "--seed", "1"], check=True, stdout=subprocess.DEVNULL)
        group = json.load(open(seed))["streamGroups"][0]["Id"]
        emu = subprocess.Popen([py, os.path.join(TESTING, "gamelift_emulator.py"), "--seed", seed],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        url = emu.stdout.readline().decode().split()[-1]
        env = dict(os.environ, AWS_ACCESS_KEY_ID=AK, AWS_SECRET_ACCESS_KEY=SK, AWS_REGION="us-west-2",
                   AWS_ENDPOINT_URL_GAMELIFTSTREAMS=url, AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_EC2_METADATA_DISABLED="true")
        try:
            rows = []
            for page in [int(p) for p in args.page_sizes.split(",")]:
                tools = {
                    "export-collector list --json": [binary, "list", "--stream-group", group, "--json", "--page-size", str(page),
                                                     "--requests-per-second", "100000"],
                    "boto3 paginator": [py, os.path.join(TESTING, "gamelift_boto3_list.py"), "--endpoint", url,
                                        "--stream-group", group, "--page-size", str(page)],
                }
                results = {name: {"wall": [], "cpu": [], "server": []} for name in tools}
                counts = {}
                for _ in range(args.rounds):
                    for name, cmd in tools.items():
                        server_before = cpu_of(emu.pid)
                        wall, cpu, out = timed(cmd, env)
                        results[name]["wall"].append(wall)
                        results[name]["cpu"].append(cpu)
                        results[name]["server"].append(cpu_of(emu.pid) - server_before)
                        counts[name] = len(json.loads(out)["Items"])
                if len(set(counts.values())) != 1 or args.sessions not in counts.values():
                    sys.exit(f"item counts differ: {counts}")
                ours, theirs = results["export-collector list --json"], results["boto3 paginator"]
                for name, r in results.items():
                    rows.append((page, name, statistics.median(r["wall"]), statistics.median(r["cpu"]),
                                 statistics.median(r["server"])))
                rows.append((page, "ratio (ours / boto3)", statistics.median(ours["wall"]) / statistics.median(theirs["wall"]),
                             statistics.median(ours["cpu"]) / statistics.median(theirs["cpu"]), None))
            print(f"{args.sessions} sessions, {args.rounds} interleaved rounds, medians")
            print("| page size | client | wall s | client CPU s | emulator CPU s |")
            print("|---|---|---|---|---|")
            for page, name, wall, cpu, server in rows:
                if server is None:
                    print(f"| {page} | {name} | {wall:.2f}× | {cpu:.2f}× | |")
                else:
                    print(f"| {page} | {name} | {wall:.2f} | {cpu:.2f} | {server:.2f} |")
        finally:
            emu.stdin.close()
            try:
                emu.wait(timeout=5)
            except subprocess.TimeoutExpired:
                emu.kill()


if __name__ == "__main__":
    main()
