#!/usr/bin/env python3
"""Benchmark peer: Python's zipfile reading every entry with CRC checks
(ZipFile.testzip(); no hashing). Exits 1 if an entry is bad."""
import sys
import zipfile

failed = False
for path in sys.argv[1:]:
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
    except Exception as e:  # noqa: BLE001 - report anything as a failure
        print("py_testzip: %s: %s" % (path, e), file=sys.stderr)
        failed = True
        continue
    if bad is not None:
        print("py_testzip: %s: bad entry %s" % (path, bad), file=sys.stderr)
        failed = True
sys.exit(1 if failed else 0)
