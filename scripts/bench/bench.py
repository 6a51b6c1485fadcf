#!/usr/bin/env python3
"""Interleaved ZIP-reading benchmark: export-collector against its peers.

Normally started by scripts/bench/run, which builds the binaries and the data
first. For every dataset: one untimed warm-up pass reads every archive (page
cache warm), then N rounds; in each round every selected tool runs once over
every archive of the dataset (one process per archive, wall times summed, peak
RSS = largest of the processes). The tool order rotates from round to round.
Every process's exit status is checked; a tool that fails is reported FAILED.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ALL_DATASETS = ("typical", "big", "tiny")
DATASET_DESC = {
    "typical": "20 mixed archives (logs, crash dumps, saves, stored screenshots; "
               "half Python zipfile, half Info-ZIP)",
    "big": "1 archive, single ZIP64 entry > 4 GiB",
    "tiny": "1 archive, 50,000 entries of 50-2000 bytes",
}
REF_SHA = "c-sha"
REF_UNZIP = "unzip"


def tool_table(a):
    """id -> (label, argv template with {file}, availability problem or None)."""
    py = sys.executable
    tools = {
        "ec-sha": ("export-collector index --json (SHA-256)",
                   [a.ec_bin, "index", "{file}", "--json"], a.ec_status),
        "ec-nosha": ("export-collector index --no-sha256 --json",
                     [a.ec_bin, "index", "{file}", "--no-sha256", "--json"], a.ec_status),
        "c-crc": ("C zlib+CRC", [a.zipbench, "{file}"], a.zipbench_status),
        "c-sha": ("C zlib+CRC+SHA-256", [a.zipbench, "-s", "{file}"], a.zipbench_status),
        "unzip": ("unzip -tqq", ["unzip", "-tqq", "{file}"], None),
        "bsdtar": ("bsdtar -xOf", ["bsdtar", "-xOf", "{file}"], None),
        "7z": ("7z t", ["7z", "t", "{file}"], None),
        "python": ("Python zipfile testzip()",
                   [py, os.path.join(HERE, "py_testzip.py"), "{file}"], None),
        "zipfoundation": ("ZIPFoundation 0.9.20 extract (CRC)",
                          [a.zfb_bin, "{file}"], a.zfb_status),
    }
    out = {}
    for tid, (label, argv, problem) in tools.items():
        if problem is None:
            exe = argv[0]
            if os.sep in exe:
                if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
                    problem = "not built (%s missing)" % os.path.relpath(exe, ROOT)
            elif shutil.which(exe) is None:
                problem = "not installed (%s not on PATH)" % exe
        out[tid] = (label, argv, problem)
    return out


def dataset_files(data_dir, ds):
    return sorted(glob.glob(os.path.join(data_dir, ds, "*.zip")))


def dataset_stats(files):
    entries = 0
    usize = 0
    for f in files:
        with zipfile.ZipFile(f) as zf:
            for zi in zf.infolist():
                entries += 1
                usize += zi.file_size
    return entries, usize, sum(os.path.getsize(f) for f in files)


def warm(files):
    buf = bytearray(1 << 20)
    for f in files:
        with open(f, "rb", buffering=0) as fh:
            while fh.readinto(buf):
                pass


def run_once(argv_t, files, timeout, tmpdir):
    """Run the tool over every file; returns (seconds, peak_kib, error)."""
    total = 0.0
    peak = 0
    rss_file = os.path.join(tmpdir, "rss")
    err_file = os.path.join(tmpdir, "stderr")
    for f in files:
        argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + [x.replace("{file}", f) for x in argv_t]
        with open(err_file, "wb") as err:
            t0 = time.perf_counter()
            try:
                p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=err, timeout=timeout)
                rc = p.returncode
            except subprocess.TimeoutExpired:
                return None, None, "timeout after %ds on %s" % (timeout, os.path.basename(f))
            total += time.perf_counter() - t0
        if rc != 0:
            with open(err_file, "rb") as e:
                lines = [l for l in e.read().decode("utf-8", "replace").splitlines()
                         if l.strip() and not l.startswith("Command exited")]
            msg = lines[-1][:160] if lines else ""
            return None, None, "exit %d on %s%s" % (rc, os.path.basename(f), (": " + msg) if msg else "")
        try:
            with open(rss_file) as r:
                peak = max(peak, int(r.read().strip().splitlines()[-1]))
        except (OSError, ValueError, IndexError):
            pass
    return total, peak, None


def first_line(argv):
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, timeout=60).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired):
        return "n/a"
    for line in out.splitlines():
        if line.strip():
            return line.strip()
    return "n/a"


def machine_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "unknown"
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = "%.1f GiB" % (kb / 1048576)
    except (OSError, ValueError):
        pass
    p7 = "n/a"
    if shutil.which("7z"):
        out = subprocess.run(["7z"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout.decode()
        p7 = next((l.strip() for l in out.splitlines() if l.strip()), "n/a")
    import ssl
    import zlib
    return [
        ("host", "%s, kernel %s" % (platform.platform(), platform.release())),
        ("nproc", str(os.cpu_count())),
        ("CPU", cpu),
        ("memory", mem),
        ("swift", first_line(["swift", "--version"]) if shutil.which("swift") else "n/a"),
        ("cc", first_line(["cc", "--version"])),
        ("zlib (Python's)", zlib.ZLIB_RUNTIME_VERSION),
        ("OpenSSL (Python's)", ssl.OPENSSL_VERSION),
        ("unzip", first_line(["unzip", "-v"]) if shutil.which("unzip") else "n/a"),
        ("bsdtar", first_line(["bsdtar", "--version"]) if shutil.which("bsdtar") else "n/a"),
        ("7z", p7),
        ("python", sys.version.split()[0]),
    ]


def fmt_s(x):
    return "%.3f" % x if x < 10 else "%.2f" % x


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--datasets", default=",".join(ALL_DATASETS))
    ap.add_argument("--tools", default="ec-sha,ec-nosha,c-crc,c-sha,unzip,bsdtar,7z,python,zipfoundation")
    ap.add_argument("--data", default=os.environ.get(
        "EC_BENCH_DATA", os.path.expanduser("~/.cache/export-collector/bench-data")))
    ap.add_argument("--out", default=os.environ.get(
        "EC_BENCH_OUT", os.path.join(ROOT, ".build-bench", "results.md")))
    ap.add_argument("--ec-bin", default=os.environ.get(
        "EC_BIN", os.path.join(ROOT, ".build", "release", "export-collector")))
    ap.add_argument("--ec-status", default=None, help="why export-collector is unavailable")
    ap.add_argument("--zipbench", default=os.path.join(ROOT, ".build-bench", "zipbench"))
    ap.add_argument("--zipbench-status", default=None)
    ap.add_argument("--zfb-bin", default=os.path.join(
        ROOT, ".build-zipfoundation", "release", "zipfoundation-bench"))
    ap.add_argument("--zfb-status", default=None)
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per process")
    ap.add_argument("--note", action="append", default=[], help="extra line for the report")
    a = ap.parse_args()
    if a.rounds < 1:
        sys.exit("--rounds must be >= 1")
    if not os.path.exists("/usr/bin/time"):
        sys.exit("/usr/bin/time is missing (Debian package 'time')")

    tools = tool_table(a)
    sel_tools = [t for t in a.tools.split(",") if t]
    sel_ds = [d for d in a.datasets.split(",") if d]
    for t in sel_tools:
        if t not in tools:
            sys.exit("unknown tool %r (known: %s)" % (t, ", ".join(tools)))
    for d in sel_ds:
        if d not in ALL_DATASETS:
            sys.exit("unknown dataset %r (known: %s)" % (d, ", ".join(ALL_DATASETS)))

    results = {}  # (ds, tool) -> dict
    ds_info = {}
    tmpdir = tempfile.mkdtemp(prefix="ec-bench-")
    started = datetime.datetime.now(datetime.timezone.utc)
    try:
        for ds in sel_ds:
            files = dataset_files(a.data, ds)
            if not files:
                sys.exit("no archives in %s (run scripts/bench/gen_data.py)" % os.path.join(a.data, ds))
            entries, usize, csize = dataset_stats(files)
            gen_secs = None
            try:
                with open(os.path.join(a.data, ds, ".complete")) as f:
                    gen_secs = json.load(f).get("seconds")
            except (OSError, ValueError):
                pass
            ds_info[ds] = dict(files=len(files), entries=entries, usize=usize, csize=csize,
                               gen_secs=gen_secs)
            print("== %s: %d archive(s), %d entries, %.1f MB compressed, %.1f MB uncompressed"
                  % (ds, len(files), entries, csize / 1e6, usize / 1e6), file=sys.stderr, flush=True)
            t0 = time.perf_counter()
            warm(files)
            print("   warm-up read: %.1f s" % (time.perf_counter() - t0), file=sys.stderr, flush=True)
            runnable = []
            for t in sel_tools:
                label, argv, problem = tools[t]
                r = results[(ds, t)] = dict(times=[], rss=0, error=problem)
                if problem is None:
                    runnable.append(t)
            for rnd in range(a.rounds):
                k = rnd % len(runnable) if runnable else 0
                order = runnable[k:] + runnable[:k]
                for t in order:
                    r = results[(ds, t)]
                    if r["error"]:
                        continue
                    secs, peak, err = run_once(tools[t][1], files, a.timeout, tmpdir)
                    if err:
                        r["error"] = "FAILED: " + err
                        print("   round %d %-14s FAILED: %s" % (rnd + 1, t, err), file=sys.stderr, flush=True)
                        continue
                    r["times"].append(secs)
                    r["rss"] = max(r["rss"], peak)
                    print("   round %d %-14s %8.3f s  %6.1f MiB" % (rnd + 1, t, secs, peak / 1024),
                          file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    # ------------------------------------------------------------ report
    L = []
    L.append("# export-collector ZIP read benchmark")
    L.append("")
    L.append("Run %s UTC, %d round(s), interleaved (each round runs every tool once, order rotated); "
             "median wall time over rounds; page cache warm (untimed read pass first)."
             % (started.strftime("%Y-%m-%d %H:%M"), a.rounds))
    L.append("MB/s = uncompressed bytes of the dataset (from the central directories) / median seconds, "
             "MB = 10^6 bytes. Ratios are median time / reference median time (lower is faster). "
             "Peak RSS is the largest `/usr/bin/time %M` of any process of the tool, in MiB.")
    L.append("")
    L.append("## Datasets")
    L.append("")
    L.append("| dataset | archives | entries | compressed MB | uncompressed MB | generated in | content |")
    L.append("|---|---:|---:|---:|---:|---:|---|")
    for ds in sel_ds:
        i = ds_info[ds]
        L.append("| %s | %d | %d | %.1f | %.1f | %s | %s |" % (
            ds, i["files"], i["entries"], i["csize"] / 1e6, i["usize"] / 1e6,
            ("%.0f s" % i["gen_secs"]) if i["gen_secs"] is not None else "?", DATASET_DESC[ds]))
    L.append("")
    for ds in sel_ds:
        i = ds_info[ds]
        L.append("## %s (%.1f MB uncompressed, %d entries)" % (ds, i["usize"] / 1e6, i["entries"]))
        L.append("")
        L.append("| tool | median s | min-max s | MB/s | vs C+CRC+SHA-256 | vs unzip -t | peak RSS MiB |")
        L.append("|---|---:|---:|---:|---:|---:|---:|")

        def med(t):
            r = results.get((ds, t))
            if r and not r["error"] and r["times"]:
                return statistics.median(r["times"])
            return None
        ref_sha, ref_unzip = med(REF_SHA), med(REF_UNZIP)
        for t in sel_tools:
            r = results[(ds, t)]
            label = tools[t][0]
            m = med(t)
            if m is None:
                L.append("| %s | %s | | | | | |" % (label, r["error"] or "no runs"))
                continue
            L.append("| %s | %s | %s-%s | %.0f | %s | %s | %.1f |" % (
                label, fmt_s(m), fmt_s(min(r["times"])), fmt_s(max(r["times"])),
                i["usize"] / 1e6 / m if m > 0 else float("inf"),
                ("%.2f×" % (m / ref_sha)) if ref_sha else "n/a",
                ("%.2f×" % (m / ref_unzip)) if ref_unzip else "n/a",
                r["rss"] / 1024))
        L.append("")
    L.append("## Commands")
    L.append("")
    L.append("Each command runs once per archive of the dataset (FILE), as "
             "`/usr/bin/time -f %M -o RSSFILE CMD < /dev/null > /dev/null`; a round's time is "
             "the sum of the wall times of those processes, and any non-zero exit marks the tool FAILED.")
    L.append("")
    for t in sel_tools:
        label, argv, problem = tools[t]
        cmd = " ".join(shlex.quote(x).replace("'{file}'", "FILE").replace("{file}", "FILE") for x in argv)
        cmd = cmd.replace(ROOT + "/", "")
        L.append("- %s: `%s > /dev/null`%s" % (label, cmd, (" (%s)" % problem) if problem else ""))
    L.append("")
    L.append("Data: `%s` (scripts/bench/gen_data.py, deterministic).  " % a.data)
    L.append("")
    L.append("## Machine")
    L.append("")
    for k, v in machine_info():
        L.append("- %s: %s" % (k, v))
    for n in a.note:
        L.append("- %s" % n)
    L.append("")
    text = "\n".join(L)
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(text)
    print("(written to %s)" % a.out, file=sys.stderr)
    failed = any(r["error"] and r["error"].startswith("FAILED") for r in results.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
