#!/usr/bin/env python3
"""Runs many gamelift_boto3_list.py listings in one Python process.

Why: a test compares `export-collector list --json` with boto3's paginator
over a matrix of filters and PaginationConfig values; starting Python and
importing boto3 once per case would cost a second each. Reads one JSON array
of arguments per line on stdin (the arguments of gamelift_boto3_list.py) and
prints one JSON line per case: {"status": rc, "stdout": "...", "stderr": "..."}.
"""
import contextlib
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gamelift_boto3_list  # noqa: E402


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        argv = json.loads(line)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = gamelift_boto3_list.main(argv)
            except SystemExit as exc:
                status = exc.code if isinstance(exc.code, int) else 2
        print(json.dumps({"status": status or 0, "stdout": out.getvalue(), "stderr": err.getvalue()}), flush=True)


if __name__ == "__main__":
    main()
