#!/usr/bin/env python3
"""Reference lister: what boto3's paginators return, as JSON, for tests and benchmarks.

Why: the Swift collector's listings are compared item for item with boto3's
(the referee), and benchmarks compare their speed. Credentials come from the
environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, optional
AWS_SESSION_TOKEN), as for any boto3 program.

Run:
    ~/.cache/export-collector/venv/bin/python scripts/testing/gamelift_boto3_list.py \
        --endpoint http://127.0.0.1:PORT [--region us-west-2] \
        (--stream-group ID_OR_ARN ... | --all) [--status S] [--export-files-status S] \
        [--max-items N] [--page-size N] [--starting-token T] [--quiet-count]

Prints {"Items": [...], "NextToken": "..."} (NextToken only when --max-items
cut the listing short; it is boto3's own resumption token, for
--starting-token). --stream-group uses ListStreamSessions once per group, in
the order given, items concatenated; --all uses ListStreamSessionsByAccount.
--max-items and --starting-token work with one --stream-group or --all only
(exit 2 otherwise). Timestamps are ISO 8601 UTC ending in Z, with a fraction
only when the value has one (microseconds, trailing zeros trimmed: .5, .123,
.123456). Item keys stay in the order botocore returns them. --quiet-count
prints only the number of items. Errors: message on stderr, exit 1.
"""
import argparse
import datetime
import json
import sys

import boto3
from botocore.exceptions import BotoCoreError, ClientError


def iso(value):
    value = value.astimezone(datetime.timezone.utc)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += (".%06d" % value.microsecond).rstrip("0")
    return text + "Z"


def plain(value):
    if isinstance(value, datetime.datetime):
        return iso(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--region", default="us-west-2")
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument("--stream-group", action="append", help="stream group id or ARN (repeatable)")
    which.add_argument("--all", action="store_true", help="ListStreamSessionsByAccount")
    ap.add_argument("--status")
    ap.add_argument("--export-files-status")
    ap.add_argument("--max-items", type=int)
    ap.add_argument("--page-size", type=int)
    ap.add_argument("--starting-token")
    ap.add_argument("--quiet-count", action="store_true", help="print only the number of items")
    args = ap.parse_args(argv)

    if args.stream_group and len(args.stream_group) > 1 and (args.max_items is not None or args.starting_token):
        print("--max-items and --starting-token need a single --stream-group or --all", file=sys.stderr)
        return 2

    client = boto3.client("gameliftstreams", endpoint_url=args.endpoint, region_name=args.region)
    filters = {}
    if args.status:
        filters["Status"] = args.status
    if args.export_files_status:
        filters["ExportFilesStatus"] = args.export_files_status
    config = {}
    if args.max_items is not None:
        config["MaxItems"] = args.max_items
    if args.page_size is not None:
        config["PageSize"] = args.page_size
    if args.starting_token:
        config["StartingToken"] = args.starting_token

    if args.all:
        calls = [("list_stream_sessions_by_account", dict(filters))]
    else:
        calls = [("list_stream_sessions", dict(filters, Identifier=g)) for g in args.stream_group]

    items, next_token = [], None
    try:
        for operation, kwargs in calls:
            result = client.get_paginator(operation).paginate(PaginationConfig=config, **kwargs).build_full_result()
            items.extend(result.get("Items", []))
            next_token = result.get("NextToken")
    except (ClientError, BotoCoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1

    if args.quiet_count:
        print(len(items))
        return 0
    out = {"Items": plain(items)}
    if next_token:
        out["NextToken"] = next_token
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
