#!/usr/bin/env python3
"""Single pass against the machine's limits (issue: verify while downloading).

In one run on the local stack, interleaved rounds of:
  ec-single   export-collector run, verifying while downloading (the default):
              with keepArchives false, in memory with nothing written
  ec-file     the same keeping the archives: the scan follows the .part file
  ec-two      index.singlePass false (download to a file, then verify)
  curl        curl --parallel with the same concurrency, the same archives to
              files (presigned URLs made before the clock starts)
  c-verify    scripts/bench/zipbench.c (zlib + CRC-32 + OpenSSL SHA-256 of
              every entry) over curl's files from the page cache, one process
  c-verify-2  the same split over two processes (both cores)
and once each, for bytes: the full run (the archives' sizes) against
index.mode listing, counted at the server by scripts/testing/counting_proxy.py.
Both runs keep no archive (keepArchives false), extract nothing.

Start the stack first (the 500 MB archives take a few minutes to build):
    SEAWEEDFS_VOLUME_MAX=64 scripts/local-stack pipeline /tmp/ec-bench6 --sessions 218 --groups 2 \\
        --archive-mb 5 --large 5 --large-mb 500 --seed 6
then:
    EC_BIN=.build/release/export-collector scripts/bench/single_pass_bench.py --stack /tmp/ec-bench6 [--rounds 3]
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
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from run_bench import measure, read_env  # noqa: E402


def zipbench_binary():
    build = os.path.join(ROOT, ".build-bench")
    binary = os.path.join(build, "zipbench")
    source = os.path.join(HERE, "zipbench.c")
    if not os.path.exists(binary) or os.path.getmtime(binary) < os.path.getmtime(source):
        os.makedirs(build, exist_ok=True)
        subprocess.run(["cc", "-O2", "-o", binary, source, "-lz", "-lcrypto"], check=True)
    return binary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stack", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    binary = os.environ.get("EC_BIN") or sys.exit("set EC_BIN to a release export-collector binary")
    env = dict(os.environ, **read_env(os.path.join(args.stack, "client.env")))
    expected = json.load(open(os.path.join(args.stack, "expected.json")))
    groups = expected["streamGroups"]
    objects = [(s["bucket"], s["key"], s["archiveBytes"]) for s in expected["sessions"].values()
               if s.get("key") and s.get("archiveBytes") and s.get("expect") != "not_listed"]
    archive_bytes = sum(size for _, _, size in objects)
    work = tempfile.mkdtemp(prefix="ec-single-pass-bench-")

    def config(name, **index):
        path = os.path.join(work, name + ".json")
        json.dump({"source": {"streamGroups": groups},
                   "download": {"concurrency": args.concurrency, "keepArchives": False},
                   "index": index, "output": {"dir": os.path.join(work, name)}}, open(path, "w"))
        return path

    single, two, listing = config("single"), config("two", singlePass=False), config("listing", mode="listing")
    kept = os.path.join(work, "kept.json")
    json.dump(dict(json.load(open(single)), download={"concurrency": args.concurrency, "keepArchives": True}), open(kept, "w"))

    # Presigned URLs for curl, made before any clock starts.
    curl_dir = os.path.join(work, "curl")
    curl_config = os.path.join(work, "curl.cfg")
    with open(curl_config, "w") as cfg:
        for n, (bucket, key, _) in enumerate(objects):
            url = subprocess.run([binary, "presign", f"s3://{bucket}/{key}", "--expires", "7200"], env=env,
                                 check=True, capture_output=True, text=True).stdout.strip()
            cfg.write(f'url = "{url}"\noutput = "{curl_dir}/{n}.zip"\n')
    zipbench = zipbench_binary()
    files = [os.path.join(curl_dir, f"{n}.zip") for n in range(len(objects))]
    # Two halves of about equal bytes for the two-process verifier.
    halves, loads = [[], []], [0, 0]
    for path, (_, _, size) in sorted(zip(files, objects), key=lambda item: -item[1][2]):
        side = loads.index(min(loads))
        halves[side].append(path)
        loads[side] += size

    def run_ec(cfg):
        out = os.path.join(work, "out")
        shutil.rmtree(out, ignore_errors=True)
        result = measure([binary, "run", "--config", cfg, "--output", out, "--no-progress"], env, written=True)
        shutil.rmtree(out, ignore_errors=True)
        return result

    def run_curl():
        shutil.rmtree(curl_dir, ignore_errors=True)
        os.makedirs(curl_dir)
        return measure(["curl", "--parallel", "--parallel-max", str(args.concurrency), "--silent", "--show-error",
                        "--fail", "--config", curl_config], env, written=True)

    steps = {
        "ec-single": lambda: run_ec(single),
        "ec-file": lambda: run_ec(kept),
        "ec-two": lambda: run_ec(two),
        "curl": run_curl,
        # Page cache: curl just wrote these files.
        "c-verify": lambda: measure([zipbench, "-s"] + files, env),
        "c-verify-2": lambda: measure(["bash", "-c", f"{zipbench} -s \"$@\" >/dev/null & "
                                       f"{zipbench} -s {' '.join(halves[1])} >/dev/null; wait", "zipbench"] + halves[0], env),
    }
    results = {name: [] for name in steps}
    try:
        for round_number in range(args.rounds):
            for name, step in steps.items():
                wall, cpu, rss, code, err, *written = step()
                results[name].append((wall, cpu, rss, written[0] if written else None))
                print(f"round {round_number + 1} {name}: {wall:.2f} s wall, {cpu:.2f} s CPU, {rss:.0f} MiB, "
                      + (f"{written[0] / 1e6:.0f} MB written, " if written else "") + f"exit {code}"
                      + (f" {err.strip()[-200:]}" if code not in (0, 1) else ""), file=sys.stderr)

        # Bytes: listing mode through the counting proxy.
        proxy = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts/testing/counting_proxy.py"),
                                  "--upstream", env["AWS_ENDPOINT_URL_S3"]], stdout=subprocess.PIPE, text=True)
        proxy_url = json.loads(proxy.stdout.readline())["url"]
        listing_env = dict(env, AWS_ENDPOINT_URL_S3=proxy_url)
        out = os.path.join(work, "out")
        list_wall, list_cpu, list_rss, _, _ = measure([binary, "run", "--config", listing, "--output", out, "--no-progress"],
                                                      listing_env)
        import urllib.request
        stats = json.load(urllib.request.urlopen(proxy_url + "/__counting_proxy__/stats"))
        proxy.terminate()
        listing_bytes = stats["bodyBytes"]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def median(name, field=0):
        return statistics.median(r[field] for r in results[name])

    limit = max(median("curl"), median("c-verify"))
    limit_two_cores = max(median("curl"), median("c-verify-2"))
    print(f"{len(objects)} archives, {archive_bytes / 1e6:.0f} MB; concurrency {args.concurrency}; "
          f"{args.rounds} interleaved rounds, medians (RSS: max)")
    print("| step | wall s | MB/s | CPU s | peak RSS MiB | MB written |")
    print("|---|---|---|---|---|---|")
    for name in steps:
        rss = max(r[2] for r in results[name])
        written = "" if results[name][0][3] is None else f"{median(name, 3) / 1e6:.0f}"
        print(f"| {name} | {median(name):.2f} | {archive_bytes / 1e6 / median(name):.0f} | {median(name, 1):.2f} | {rss:.0f} | {written} |")
    print()
    print(f"- run (single pass) / max(curl, C verifier): {median('ec-single') / limit:.2f} (target ≤ 1.15)")
    print(f"- run (single pass) / max(curl, C verifier on both cores): {median('ec-single') / limit_two_cores:.2f}")
    print(f"- two passes / single pass: {median('ec-two') / median('ec-single'):.2f}")
    print(f"- single pass following the .part file / in memory: {median('ec-file') / median('ec-single'):.2f}")
    print(f"- listing mode: {listing_bytes} bytes of bodies against {archive_bytes} of archives: "
          f"{archive_bytes / max(listing_bytes, 1):.0f}× fewer; {list_wall:.2f} s wall against "
          f"{median('ec-single'):.2f} s, {list_rss:.0f} MiB")


if __name__ == "__main__":
    main()
