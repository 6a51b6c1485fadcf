#!/usr/bin/env python3
"""Deterministic benchmark data for export-collector's ZIP reader.

Datasets (each in its own folder under the data directory, each with a stamp
file so that re-runs skip it):

  typical/  20 archives of 10-28 MB: compressible logs, semi-random crash dumps,
            game saves (JSON and binary) and stored incompressible screenshots.
            Even-numbered archives are written by Python's zipfile, odd ones by
            Info-ZIP `zip` (screenshots stored with `zip -n .png`).
  big/      one ZIP64 archive with a single entry of 4.5 GB uncompressed that
            deflates (level 1) to about 1.2 GB, streamed through zipfile.
  tiny/     one archive of 50,000 entries of 50-2000 bytes (deflate).

Everything comes from seeded RNGs; bulk data is assembled from pools of
pre-generated blocks so that generation is not bound by per-byte Python work.

Usage: gen_data.py [--data DIR] [--datasets typical,big,tiny] [--force]
"""
import argparse
import json
import multiprocessing
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib

# Bump a dataset's version when its generator changes; stamps record it.
GEN_VERSION = {"typical": "2", "big": "1", "tiny": "1"}
ALL_DATASETS = ("typical", "big", "tiny")
MB = 1_000_000

# ---------------------------------------------------------------- content

LEVELS = ["INFO"] * 6 + ["DEBUG"] * 3 + ["WARN", "ERROR"]
COMPONENTS = ["auth", "db", "cache", "http", "sched", "render", "net", "io",
              "gc", "billing", "export", "upload", "matchmaking", "physics"]
WORDS = ("request completed failed retry user session timeout connection opened "
         "closed payload bytes latency queue worker shard token refresh upstream "
         "downstream cache miss hit evicted checkpoint flushed frame dropped "
         "texture loaded shader compiled player joined left lobby region "
         "snapshot delta applied rejected").split()


class Pools:
    """Pre-generated building blocks, made once per process from a seed."""

    def __init__(self, seed):
        rng = random.Random(seed)
        self.rng = rng
        # Log message bodies (everything after the timestamp).
        bodies = []
        for _ in range(40_000):
            msg = " ".join(rng.choices(WORDS, k=rng.randint(3, 10)))
            bodies.append(" %-5s [%s] %s id=%08x dur=%dms\n" % (
                rng.choice(LEVELS), rng.choice(COMPONENTS), msg,
                rng.getrandbits(32), rng.randint(0, 5000)))
        self.bodies = bodies
        # 4 KiB pages for crash dumps.
        self.rand_pages = [rng.randbytes(4096) for _ in range(512)]
        ptr_pages = []
        for _ in range(512):
            base = 0x00007F0000000000 | (rng.getrandbits(16) << 24)
            vals = [base | rng.getrandbits(20) << 3 for _ in range(512)]
            ptr_pages.append(struct.pack("<512Q", *vals))
        self.ptr_pages = ptr_pages
        syms = ["_ZN%d%s%d%sEv+0x%x" % (rng.randint(3, 20), rng.choice(WORDS),
                                         rng.randint(3, 20), rng.choice(WORDS),
                                         rng.getrandbits(12))
                for _ in range(4000)]
        str_pages = []
        for _ in range(512):
            s = "\0".join(rng.choices(syms, k=200)).encode()
            str_pages.append((s * 2)[:4096].ljust(4096, b"\0"))
        self.str_pages = str_pages
        self.zero_page = bytes(4096)

    def log(self, rng, size, t0):
        """Roughly `size` bytes of log lines with increasing timestamps."""
        out = []
        n = 0
        t = t0
        bodies = self.bodies
        k = min(512, size // 60 + 2)
        while n < size:
            batch = rng.choices(bodies, k=k)
            steps = rng.choices(range(0, 2500), k=k)
            for body, step in zip(batch, steps):
                t += step
                s, ms = divmod(t, 1000)
                d, rem = divmod(s, 86400)
                hh, rem = divmod(rem, 3600)
                mm, ss = divmod(rem, 60)
                line = "2024-%02d-%02dT%02d:%02d:%02d.%03dZ%s" % (
                    1 + d // 28 % 12, 1 + d % 28, hh, mm, ss, ms, body)
                out.append(line)
                n += len(line)
        return "".join(out).encode()[:size]

    def dump(self, rng, size):
        """Semi-random crash dump: header, then a mix of page kinds."""
        header = struct.pack("<4sIIQQ", b"MDMP", 0xA793, rng.getrandbits(32),
                             rng.getrandbits(64), size)
        pages = [header.ljust(4096, b"\0")]
        kinds = rng.choices("zprs", weights=[25, 30, 30, 15], k=size // 4096)
        for k in kinds:
            if k == "z":
                pages.append(self.zero_page)
            elif k == "p":
                pages.append(rng.choice(self.ptr_pages))
            elif k == "r":
                pages.append(rng.choice(self.rand_pages))
            else:
                pages.append(rng.choice(self.str_pages))
        return b"".join(pages)[:size]

    def save_json(self, rng, size):
        parts = ['{"version":3,"slot":%d,"entities":[' % rng.randint(1, 9)]
        n = len(parts[0])
        i = 0
        while n < size:
            p = ('{"id":%d,"kind":"%s","pos":[%.3f,%.3f,%.3f],"hp":%d,'
                 '"inventory":[%s],"flags":"%s"},' % (
                     i, rng.choice(WORDS), rng.uniform(-1e4, 1e4),
                     rng.uniform(-1e4, 1e4), rng.uniform(0, 500),
                     rng.randint(0, 100),
                     ",".join(str(rng.randint(0, 9999)) for _ in range(rng.randint(0, 8))),
                     rng.randbytes(6).hex()))
            parts.append(p)
            n += len(p)
            i += 1
        parts.append("{}]}")
        return "".join(parts).encode()[:size]

    def save_bin(self, rng, size):
        recs = []
        n = 0
        while n < size:
            count = 256
            vals = []
            for _ in range(count):
                vals += [rng.getrandbits(16), rng.randint(0, 3),
                         rng.uniform(-1e3, 1e3), rng.uniform(-1e3, 1e3)]
            r = struct.pack("<" + "HHff" * count, *vals)
            recs.append(r)
            n += len(r)
        return (b"SAV1" + b"".join(recs))[:size]

    def screenshot(self, rng, size):
        ihdr = struct.pack(">IIBBBBB", 1920, 1080, 8, 6, 0, 0, 0)
        head = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr +
                struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)))
        return head + rng.randbytes(size - len(head))


# Rough level-6 deflate ratios, used to size Info-ZIP archives (whose
# compressed size is only known after running `zip`).
EST_RATIO = {"log": 0.25, "dump": 0.51, "json": 0.34, "bin": 0.90, "png": 1.0}


def typical_entries(pools, rng, target):
    """Yield (name, kind, data) until the estimated compressed size >= target."""
    est = 0
    i = 0
    t0 = rng.getrandbits(30) * 1000
    while est < target:
        kind = rng.choices(["log", "dump", "json", "bin", "png"],
                           weights=[30, 15, 12, 8, 35])[0]
        if kind == "log":
            size = rng.randint(200_000, 6_000_000)
            data = pools.log(rng, size, t0)
            t0 += 86_400_000
            name = "logs/server-%03d.log" % i
        elif kind == "dump":
            size = rng.randint(1_000_000, 8_000_000)
            data = pools.dump(rng, size)
            name = "crashes/crash-%03d.dmp" % i
        elif kind == "json":
            size = rng.randint(20_000, 1_500_000)
            data = pools.save_json(rng, size)
            name = "saves/slot-%03d.json" % i
        elif kind == "bin":
            size = rng.randint(50_000, 1_000_000)
            data = pools.save_bin(rng, size)
            name = "saves/slot-%03d.sav" % i
        else:
            size = rng.randint(300_000, 2_500_000)
            data = pools.screenshot(rng, size)
            name = "screenshots/shot-%03d.png" % i
        est += int(len(data) * EST_RATIO[kind])
        i += 1
        yield name, kind, data


def typical_targets():
    """20 compressed-size targets spread over 10-26.6 MB (~370 MB in all,
    allowing for the ~3% overshoot of the last entry), in seeded order."""
    targets = [int((10 + k * 16.6 / 19) * MB) for k in range(20)]
    random.Random(999).shuffle(targets)
    return targets


def make_typical_archive(args):
    index, out_dir, target = args
    rng = random.Random(1000 + index)
    pools = Pools(77 + index % 4)
    path = os.path.join(out_dir, "export-%02d.zip" % index)
    tmp = path + ".tmp"
    if index % 2 == 0:
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for name, kind, data in typical_entries(pools, rng, target):
                zi = zipfile.ZipInfo(name, date_time=(2024, 3, 1, 12, 0, 0))
                zi.external_attr = 0o644 << 16
                zi.compress_type = zipfile.ZIP_STORED if kind == "png" else zipfile.ZIP_DEFLATED
                zf.writestr(zi, data, compresslevel=6)
    else:
        stage = tempfile.mkdtemp(prefix="ec-bench-stage-", dir=out_dir)
        try:
            for name, kind, data in typical_entries(pools, rng, target):
                p = os.path.join(stage, name)
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "wb") as f:
                    f.write(data)
                os.utime(p, (1709294400, 1709294400))
            subprocess.run(["zip", "-q", "-r", "-X", "-n", ".png",
                            os.path.abspath(tmp), "."], cwd=stage, check=True)
        finally:
            shutil.rmtree(stage)
    os.replace(tmp, path)
    return path, os.path.getsize(path)


def gen_typical(out_dir):
    jobs = [(i, out_dir, t) for i, t in enumerate(typical_targets())]
    with multiprocessing.Pool(max(1, min(4, os.cpu_count() or 1))) as pool:
        results = pool.map(make_typical_archive, jobs, chunksize=1)
    total = sum(s for _, s in results)
    print("  typical: %d archives, %.0f MB on disk (%.1f-%.1f MB each)" % (
        len(results), total / MB, min(s for _, s in results) / MB,
        max(s for _, s in results) / MB))


BIG_SIZE = 4_500_000_000   # > 4 GiB (4,294,967,296)
SLOT = 64 * 1024


def gen_big(out_dir):
    rng = random.Random(4242)
    pools = Pools(4242)
    # Three kinds of 64 KiB blocks; deflate level 1 ratios ~1.0, ~0.3, ~0.07.
    rand_blocks = [rng.randbytes(SLOT) for _ in range(64)]
    log_blocks = [pools.log(rng, SLOT, i * 3_600_000) for i in range(64)]
    rec_blocks = []
    for _ in range(64):
        row = b"".join(struct.pack("<IHH", i, rng.randint(0, 3), 0) for i in range(64))
        recs = []
        n = 0
        while n < SLOT:
            r = row if rng.random() < 0.9 else rng.randbytes(len(row))
            recs.append(r)
            n += len(r)
        rec_blocks.append(b"".join(recs)[:SLOT])
    path = os.path.join(out_dir, "big-zip64.zip")
    tmp = path + ".tmp"
    written = 0
    t0 = time.time()
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zi = zipfile.ZipInfo("telemetry/full-export.bin", date_time=(2024, 3, 1, 12, 0, 0))
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi._compresslevel = 1  # zipfile.open() honours this attribute (3.7+)
        with zf.open(zi, "w", force_zip64=True) as w:
            slots_per_chunk = 64  # 4 MiB chunks
            while written < BIG_SIZE:
                kinds = rng.choices("rls", weights=[9, 34, 57], k=slots_per_chunk)
                chunk = b"".join(
                    rng.choice(rand_blocks) if k == "r" else
                    rng.choice(log_blocks) if k == "l" else rng.choice(rec_blocks)
                    for k in kinds)
                chunk = chunk[:BIG_SIZE - written]
                w.write(chunk)
                written += len(chunk)
                if written % (512 * SLOT * 64) == 0:
                    print("    big: %.1f / %.1f GB (%.0f s)" % (
                        written / 1e9, BIG_SIZE / 1e9, time.time() - t0), flush=True)
    os.replace(tmp, path)
    print("  big: 1 entry of %d bytes -> %.2f GB on disk" % (
        BIG_SIZE, os.path.getsize(path) / 1e9))


def gen_tiny(out_dir):
    rng = random.Random(5151)
    pools = Pools(5151)
    path = os.path.join(out_dir, "tiny-50k.zip")
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for i in range(50_000):
            size = rng.randint(50, 2000)
            if rng.random() < 0.5:
                data = pools.log(rng, size, i * 1000)
                name = "events/%02d/evt-%06d.log" % (i % 97, i)
            else:
                data = pools.save_json(rng, size)
                name = "events/%02d/evt-%06d.json" % (i % 97, i)
            zi = zipfile.ZipInfo(name, date_time=(2024, 3, 1, 12, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, data)
    os.replace(tmp, path)
    print("  tiny: 50000 entries -> %.1f MB on disk" % (os.path.getsize(path) / MB))


GENERATORS = {"typical": gen_typical, "big": gen_big, "tiny": gen_tiny}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get(
        "EC_BENCH_DATA", os.path.expanduser("~/.cache/export-collector/bench-data")))
    ap.add_argument("--datasets", default=",".join(ALL_DATASETS))
    ap.add_argument("--force", action="store_true", help="regenerate even if stamped")
    a = ap.parse_args()
    wanted = [d for d in a.datasets.split(",") if d]
    for d in wanted:
        if d not in GENERATORS:
            sys.exit("unknown dataset %r (known: %s)" % (d, ", ".join(ALL_DATASETS)))
    grand = time.time()
    for d in wanted:
        out_dir = os.path.join(a.data, d)
        stamp = os.path.join(out_dir, ".complete")
        if not a.force and os.path.exists(stamp):
            with open(stamp) as f:
                if json.load(f).get("version") == GEN_VERSION[d]:
                    print("data %s: present (%s), skipping generation" % (d, out_dir))
                    continue
        if os.path.isdir(out_dir):
            shutil.rmtree(out_dir)
        os.makedirs(out_dir)
        print("data %s: generating into %s ..." % (d, out_dir), flush=True)
        t0 = time.time()
        GENERATORS[d](out_dir)
        secs = time.time() - t0
        with open(stamp, "w") as f:
            json.dump({"version": GEN_VERSION[d], "seconds": round(secs, 1)}, f)
        print("data %s: generated in %.1f s" % (d, secs), flush=True)
    print("data generation total: %.1f s" % (time.time() - grand))


if __name__ == "__main__":
    main()
