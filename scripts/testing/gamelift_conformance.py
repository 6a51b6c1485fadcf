#!/usr/bin/env python3
"""Conformance of the GameLift Streams emulator, refereed by boto3.

Why: the Swift collector's tests trust gamelift_emulator.py to behave like the
real service. This drives every emulated operation with boto3 (which follows
botocore's model) and checks what a client can observe: paginators lose or
repeat nothing at page sizes 1, 7, 25 and 100, tokens carry '+', '/' and '=',
sparse filters give empty pages that still carry a token, items have the
model's members in the model's order (ListStreamSessionsByAccount: export
Status only), unknown enum values come through as strings, GetStreamSession
and ExportStreamSessionFiles agree, errors parse as the right exception classes
with the right status codes, SigV4 is checked (wrong secret, unknown key,
expired date, wrong region, ARNs in the path double-encoded for the canonical
request), session tokens work, and injected faults (throttle, drop, 500, slow,
`after`) behave, through boto3's retries where they should.

Run against a running emulator (it resets the emulator's state, stats and
fault rules before and after):
    ~/.cache/export-collector/venv/bin/python scripts/testing/gamelift_conformance.py \
        --endpoint http://127.0.0.1:PORT [--seed seed.json] [--region us-west-2] \
        [--access-key AK --secret-key SK]
(without --seed the emulator's GET /_emulator/seed is the reference), or all in
one, as CI's Swift test does: generate a seed in a temporary directory, start
the emulator, check, stop it:
    ~/.cache/export-collector/venv/bin/python scripts/testing/gamelift_conformance.py --self-test

Exit 0 when everything holds; 1 with a message naming the first failed check.
"""
import argparse
import concurrent.futures
import datetime
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import boto3
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from botocore.parsers import RestJSONParser
from botocore.utils import parse_timestamp

HERE = os.path.dirname(os.path.abspath(__file__))
SERVICE = "gameliftstreams"
DEFAULT_AK = "AKIDEXAMPLE"
DEFAULT_SK = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
PAGE_SIZES = (1, 7, 25, 100)
MODEL = botocore.session.get_session().get_service_model(SERVICE)


class Failure(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failure(message)


def expect_error(call, code, status, exc_class=None):
    try:
        call()
    except ClientError as exc:
        got = exc.response["Error"].get("Code")
        got_status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
        check(got == code and got_status == status,
              f"expected {code}/{status}, got {got}/{got_status}: {exc}")
        check(exc.response["Error"].get("Message"), f"{code}: botocore parsed no Message")
        if exc_class is not None:
            check(isinstance(exc, exc_class), f"{code}: not parsed as {exc_class.__name__} but {type(exc).__name__}")
        return exc
    raise Failure(f"expected {code}/{status}, the call succeeded")


# --------------------------------------------------------------------------- expectations from the seed

def project(shape, value):
    """What botocore should hand back for a seed value: the shape's members in
    model order, timestamps as botocore parses epoch seconds."""
    if shape.type_name == "structure":
        return {name: project(member, value[name]) for name, member in shape.members.items()
                if isinstance(value, dict) and value.get(name) is not None}
    if shape.type_name == "list":
        return [project(shape.member, v) for v in value]
    if shape.type_name == "map":
        return {k: project(shape.value, v) for k, v in value.items()}
    if shape.type_name == "timestamp":
        return parse_timestamp(value)
    return value


SUMMARY = MODEL.shape_for("StreamSessionSummary")
GROUP_SUMMARY = MODEL.shape_for("StreamGroupSummary")
GET_OUTPUT = MODEL.operation_model("GetStreamSession").output_shape


def summary(session, by_account=False):
    item = project(SUMMARY, session)
    if by_account and "ExportFilesMetadata" in item:
        item["ExportFilesMetadata"] = {k: v for k, v in item["ExportFilesMetadata"].items() if k == "Status"}
    return item


def matches(session, filters):
    if "Status" in filters and session.get("Status") != filters["Status"]:
        return False
    if "ExportFilesStatus" in filters and (session.get("ExportFilesMetadata") or {}).get("Status") != filters["ExportFilesStatus"]:
        return False
    return True


def same(got, want, where):
    """Equal, and dict keys in the same order, recursively."""
    if isinstance(want, dict):
        check(isinstance(got, dict), f"{where}: expected an object, got {got!r}")
        check(list(got) == list(want), f"{where}: keys {list(got)} != expected {list(want)}")
        for k in want:
            same(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        check(isinstance(got, list) and len(got) == len(want), f"{where}: list {got!r} != {want!r}")
        for i, (g, w) in enumerate(zip(got, want)):
            same(g, w, f"{where}[{i}]")
    else:
        check(got == want and type(got) is type(want) or (isinstance(want, datetime.datetime) and got == want),
              f"{where}: {got!r} != expected {want!r}")


# --------------------------------------------------------------------------- raw requests

class Signer(SigV4Auth):
    """botocore's signer with a chosen date, optionally with the (wrong)
    single-encoded canonical path a careless client would use."""

    def __init__(self, credentials, region, when, single_encode=False):
        super().__init__(credentials, SERVICE, region)
        self.when, self.single_encode = when, single_encode

    def _normalize_url_path(self, path):
        return path if self.single_encode else super()._normalize_url_path(path)

    def add_auth(self, request):
        request.context["timestamp"] = self.when.strftime("%Y%m%dT%H%M%SZ")
        self._modify_request_before_signing(request)
        canonical = self.canonical_request(request)
        self._inject_signature_to_request(request, self.signature(self.string_to_sign(request, canonical), request))


class Conformance:
    def __init__(self, endpoint, seed, region, ak, sk, extra_keys=()):
        self.endpoint = endpoint.rstrip("/")
        self.seed = seed
        self.region = region
        self.ak, self.sk = ak, sk
        self.extra_keys = list(extra_keys)
        self.checks = 0
        self.client = self.make_client()
        self.groups = seed["streamGroups"]
        self.sessions = seed["sessions"]
        self.by_group = {g["Id"]: [s for s in self.sessions if s["StreamGroupId"] == g["Id"]] for g in self.groups}
        self.tokens_seen = 0
        self.empty_pages = {}

    def make_client(self, **kw):
        config = kw.pop("config", None) or Config(max_pool_connections=16)
        args = dict(endpoint_url=self.endpoint, region_name=self.region,
                    aws_access_key_id=self.ak, aws_secret_access_key=self.sk, config=config)
        args.update(kw)
        return boto3.client(SERVICE, **args)

    # -- control endpoints
    def control(self, method, path, doc=None):
        u = urllib.parse.urlsplit(self.endpoint)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        body = json.dumps(doc).encode() if doc is not None else b""
        conn.request(method, "/_emulator/" + path, body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        check(resp.status == 200, f"control {method} {path}: {resp.status} {data[:200]!r}")
        return json.loads(data) if data else None

    def raw(self, method, path, query=(), body=b"", when=None, single_encode=False, sign=True, secret=None):
        url = self.endpoint + path + ("?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote) if query else "")
        request = AWSRequest(method=method, url=url, data=body)
        if sign:
            when = when or datetime.datetime.now(datetime.timezone.utc)
            Signer(Credentials(self.ak, secret or self.sk), self.region, when, single_encode).add_auth(request)
        u = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        conn.request(method, u.path + ("?" + u.query if u.query else ""), body, dict(request.headers.items()))
        resp = conn.getresponse()
        data = resp.read()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        conn.close()
        return resp.status, headers, data

    def parse_error(self, status, headers, data, op="ListStreamGroups"):
        parsed = RestJSONParser().parse({"status_code": status, "headers": headers, "body": data},
                                        MODEL.operation_model(op).output_shape)
        return parsed.get("Error", {"Code": None, "Message": f"no error (status {status})"})

    # -- sections
    def run(self):
        sections = [
            ("reset", self.reset),
            ("wire format", self.wire_format),
            ("stream groups", self.stream_groups),
            ("listings (and, alongside, the reference lister)", self.listings_and_lister),
            ("max items / starting token", self.max_items),
            ("unknown enum values", self.unknown_enums),
            ("get stream session", self.get_stream_session),
            ("validation errors", self.validation),
            ("authentication", self.authentication),
            ("export files", self.export_files),
            ("faults", self.faults),
            ("stats and load", self.stats_and_load),
            ("reset", self.reset),
        ]
        for name, fn in sections:
            t = time.monotonic()
            before = self.checks
            try:
                fn()
            except Failure as exc:
                raise Failure(f"[{name}] {exc}") from None
            except ClientError as exc:
                raise Failure(f"[{name}] unexpected error: {str(exc).splitlines()[0]}") from None
            except Exception as exc:
                raise Failure(f"[{name}] {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
            print(f"  ok  {name:<48} {self.checks - before:5d} checks  {time.monotonic() - t:6.2f} s", flush=True)

    def ok(self, cond, message):
        self.checks += 1
        check(cond, message)

    def reset(self):
        self.control("POST", "reset-state")
        self.control("POST", "faults/clear")
        self.control("POST", "reset-stats")
        self.ok(True, "")

    def walk(self, operation, kwargs, page_size, client=None):
        pages = []
        paginator = (client or self.client).get_paginator(operation)
        for p in paginator.paginate(PaginationConfig={"PageSize": page_size}, **kwargs):
            pages.append((p.get("Items", []), p.get("NextToken")))
        return pages

    def check_pages(self, pages, page_size, records, keep, where, sparse_key=None):
        """`records` is the whole unfiltered listing in the service's order; a
        page is a window of `page_size` records with the filter applied
        afterwards, so a sparse filter gives short or empty pages, and every
        page but the last carries a NextToken."""
        want_pages = [[r for r in records[i:i + page_size] if keep(r)]
                      for i in range(0, len(records), page_size)] or [[]]
        got = [item for items, _ in pages for item in items]
        want = [item for items in want_pages for item in items]
        arns, want_arns = [x["Arn"] for x in got], [x["Arn"] for x in want]
        self.ok(len(set(arns)) == len(arns), f"{where}: duplicated items")
        lost, extra = set(want_arns) - set(arns), set(arns) - set(want_arns)
        self.ok(not lost and not extra, f"{where}: lost {sorted(lost)[:3]} extra {sorted(extra)[:3]}")
        self.ok(arns == want_arns, f"{where}: items out of order")
        self.ok(len(pages) == len(want_pages), f"{where}: {len(pages)} pages, expected {len(want_pages)} "
                                               f"(windows of {page_size} records, filtered afterwards)")
        for i, ((items, token), want_items) in enumerate(zip(pages, want_pages)):
            self.ok([x["Arn"] for x in items] == [x["Arn"] for x in want_items],
                    f"{where}: page {i} has {len(items)} items, expected the {len(want_items)} matching records "
                    f"of window {i * page_size}..{(i + 1) * page_size - 1}")
            if i == len(pages) - 1:
                self.ok(token is None, f"{where}: last page carries a token")
            else:
                self.ok(token and all(c in token for c in "+/="), f"{where}: token {token!r} lacks '+', '/' or '='")
                self.tokens_seen += 1
                if not items and sparse_key:
                    self.empty_pages[sparse_key] = self.empty_pages.get(sparse_key, 0) + 1
        for g, w in zip(got, want):
            same(g, w, f"{where} {w['Arn']}")
        self.checks += len(want)

    def wire_format(self):
        """What boto3 hides: member order on the wire, numbers for timestamps, error bodies."""
        g = self.groups[0]
        status, headers, data = self.raw("GET", f"/streamgroups/{g['Id']}/streamsessions", [("MaxResults", "5")])
        self.ok(status == 200 and headers.get("content-type", "").startswith("application/json"),
                f"ListStreamSessions: {status} {headers.get('content-type')}")
        self.ok(headers.get("x-amzn-requestid"), "no x-amzn-RequestId header")
        doc = json.loads(data, object_pairs_hook=lambda pairs: pairs)
        self.ok([k for k, _ in doc] == ["Items", "NextToken"], f"top-level members {[k for k, _ in doc]}")
        items = dict(doc)["Items"]
        for pairs, s in zip(items, self.by_group[g["Id"]]):
            self.ok([k for k, _ in pairs] == list(summary(s)), f"wire member order {[k for k, _ in pairs]}")
            for k, v in pairs:
                if k in ("CreatedAt", "LastUpdatedAt"):
                    self.ok(isinstance(v, (int, float)) and v == s[k], f"{k} on the wire: {v!r}, seed {s[k]!r}")
        status, headers, data = self.raw("GET", "/streamgroups/sg-000000000/streamsessions")
        self.ok(status == 404 and headers.get("x-amzn-errortype") == "ResourceNotFoundException"
                and set(json.loads(data)) == {"message"}, f"error on the wire: {status} {headers} {data!r}")

    def stream_groups(self):
        want = [project(GROUP_SUMMARY, g) for g in self.groups]
        for size in PAGE_SIZES:
            pages = self.walk("list_stream_groups", {}, size)
            self.check_pages(pages, size, want, lambda g: True, f"ListStreamGroups page size {size}")

    def listings_and_lister(self):
        # The lister runs in subprocesses (boto3 start-up dominates), so it
        # overlaps with the listings walked here. Both only read.
        outcome = []

        def run_lister():
            try:
                self.lister()
                outcome.append(None)
            except Exception as exc:  # reported below
                outcome.append(exc)
        thread = threading.Thread(target=run_lister, daemon=True)
        thread.start()
        self.listings()
        thread.join(120)
        check(outcome, "the reference lister did not finish within 120 s")
        if outcome[0] is not None:
            raise Failure(f"reference lister: {outcome[0]}")

    def listings(self):
        filter_sets = [{}, {"Status": "TERMINATED"}, {"Status": "ERROR"}, {"Status": "ACTIVE"},
                       {"ExportFilesStatus": "SUCCEEDED"}, {"ExportFilesStatus": "FAILED"},
                       {"ExportFilesStatus": "PENDING"}, {"Status": "TERMINATED", "ExportFilesStatus": "FAILED"}]
        jobs = []
        all_sessions = [s for g in self.groups for s in self.by_group[g["Id"]]]
        for filters in filter_sets:
            sizes = PAGE_SIZES if filters in ({}, {"ExportFilesStatus": "FAILED"}) else PAGE_SIZES[1:]
            for size in sizes:
                for g in self.groups:
                    jobs.append(("list_stream_sessions", dict(filters, Identifier=g["Id"]), size,
                                 [summary(s) for s in self.by_group[g["Id"]]], self.by_group[g["Id"]],
                                 f"ListStreamSessions {g['Id']} {filters} page size {size}", filters))
                jobs.append(("list_stream_sessions_by_account", dict(filters), size,
                             [summary(s, by_account=True) for s in all_sessions], all_sessions,
                             f"ListStreamSessionsByAccount {filters} page size {size}", filters))
        # The group's ARN as Identifier: the path carries it percent-encoded and
        # the canonical request double-encodes it.
        g = self.groups[0]
        jobs.append(("list_stream_sessions", {"Identifier": g["Arn"]}, 25, [summary(s) for s in self.by_group[g["Id"]]],
                     self.by_group[g["Id"]], f"ListStreamSessions by ARN {g['Arn']}", {}))
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            futures = [(job, pool.submit(self.walk, job[0], job[1], job[2])) for job in jobs]
            for (operation, kwargs, size, records, seeds, where, filters), fut in futures:
                sparse = json.dumps(filters, sort_keys=True) if filters else None
                keep_arns = {s["Arn"] for s in seeds if matches(s, filters)}
                self.check_pages(fut.result(), size, records, lambda r: r["Arn"] in keep_arns, where, sparse_key=sparse)
        for key in ('{"Status": "ERROR"}', '{"ExportFilesStatus": "FAILED"}'):
            self.ok(self.empty_pages.get(key, 0) > 0, f"no empty page with a NextToken seen for the sparse filter {key}")
        self.ok(self.tokens_seen > 0, "no NextToken seen at all")

    def max_items(self):
        g = self.groups[0]
        want = [s["Arn"] for s in self.by_group[g["Id"]] if matches(s, {"ExportFilesStatus": "SUCCEEDED"})]
        got, token = [], None
        paginator = self.client.get_paginator("list_stream_sessions")
        while True:
            config = {"MaxItems": 10, "PageSize": 7}
            if token:
                config["StartingToken"] = token
            result = paginator.paginate(Identifier=g["Id"], ExportFilesStatus="SUCCEEDED",
                                        PaginationConfig=config).build_full_result()
            self.ok(len(result["Items"]) <= 10, "MaxItems exceeded")
            got += [x["Arn"] for x in result["Items"]]
            token = result.get("NextToken")
            if not token:
                break
        self.ok(got == want, "MaxItems/StartingToken chunks do not add up to the full listing")

    def unknown_enums(self):
        status_enum = set(MODEL.shape_for("StreamSessionStatus").enum)
        reason_enum = set(MODEL.shape_for("StreamSessionStatusReason").enum)
        odd = [s for s in self.sessions if s["Status"] not in status_enum or s.get("StatusReason", "apiTerminated") not in reason_enum]
        self.ok(odd, "the seed has no session with a Status or StatusReason outside the model's enums")
        for s in odd[:4]:
            sid = s["Arn"].rsplit("/", 1)[1]
            got = self.client.get_stream_session(Identifier=s["StreamGroupId"], StreamSessionIdentifier=sid)
            self.ok(got["Status"] == s["Status"] and got.get("StatusReason") == s.get("StatusReason"),
                    f"unknown enum value not kept as a string: {got.get('Status')}/{got.get('StatusReason')}")

    def pick_sessions(self):
        picks, seen = [], set()
        for pred in (lambda s: "ExportFilesMetadata" not in s,
                     lambda s: (s.get("ExportFilesMetadata") or {}).get("Status") == "FAILED",
                     lambda s: (s.get("ExportFilesMetadata") or {}).get("Status") == "PENDING",
                     lambda s: (s.get("ExportFilesMetadata") or {}).get("OutputUri", "").endswith("/"),
                     lambda s: (s.get("ExportFilesMetadata") or {}).get("OutputUri", "").endswith(".zip"),
                     lambda s: s["Status"] == "ACTIVE"):
            for s in self.sessions:
                if pred(s) and s["Arn"] not in seen:
                    picks.append(s)
                    seen.add(s["Arn"])
                    break
        return picks + [s for s in self.sessions[::97] if s["Arn"] not in seen]

    def get_stream_session(self):
        def strip(r):
            r.pop("ResponseMetadata", None)
            return r
        for s in self.pick_sessions():
            sid = s["Arn"].rsplit("/", 1)[1]
            want = project(GET_OUTPUT, s)
            same(strip(self.client.get_stream_session(Identifier=s["StreamGroupId"], StreamSessionIdentifier=sid)),
                 want, f"GetStreamSession {sid}")
            self.checks += 1
        s = self.sessions[1]
        group_arn = next(g["Arn"] for g in self.groups if g["Id"] == s["StreamGroupId"])
        want = project(GET_OUTPUT, s)
        same(strip(self.client.get_stream_session(Identifier=s["StreamGroupId"], StreamSessionIdentifier=s["Arn"])),
             want, "GetStreamSession by session ARN")
        same(strip(self.client.get_stream_session(Identifier=group_arn, StreamSessionIdentifier=s["Arn"])),
             want, "GetStreamSession by group ARN and session ARN")
        self.checks += 2
        nf = self.client.exceptions.ResourceNotFoundException
        expect_error(lambda: self.client.get_stream_session(Identifier=s["StreamGroupId"],
                                                            StreamSessionIdentifier="NoSuchSession1"),
                     "ResourceNotFoundException", 404, nf)
        expect_error(lambda: self.client.get_stream_session(Identifier="sg-000000000",
                                                            StreamSessionIdentifier=s["Arn"]),
                     "ResourceNotFoundException", 404, nf)
        if len(self.groups) > 1:
            other = next(g["Id"] for g in self.groups if g["Id"] != s["StreamGroupId"])
            expect_error(lambda: self.client.get_stream_session(Identifier=other,
                                                                StreamSessionIdentifier=s["Arn"].rsplit("/", 1)[1]),
                         "ResourceNotFoundException", 404, nf)
        expect_error(lambda: self.client.list_stream_sessions(Identifier="sg-000000000"),
                     "ResourceNotFoundException", 404, nf)
        self.checks += 4

    def validation(self):
        loose = self.make_client(config=Config(parameter_validation=False, retries={"total_max_attempts": 1}))
        ve = loose.exceptions.ValidationException
        g = self.groups[0]["Id"]
        for bad in (0, 101, -1):
            expect_error(lambda: loose.list_stream_sessions(Identifier=g, MaxResults=bad), "ValidationException", 400, ve)
            expect_error(lambda: loose.list_stream_sessions_by_account(MaxResults=bad), "ValidationException", 400, ve)
            expect_error(lambda: loose.list_stream_groups(MaxResults=bad), "ValidationException", 400, ve)
        expect_error(lambda: loose.list_stream_sessions(Identifier=g, MaxResults="ten"), "ValidationException", 400, ve)
        for ok in (1, 100):
            loose.list_stream_sessions(Identifier=g, MaxResults=ok)
        expect_error(lambda: loose.list_stream_sessions(Identifier=g, Status="BOGUS"), "ValidationException", 400, ve)
        expect_error(lambda: loose.list_stream_sessions_by_account(ExportFilesStatus="DONE"), "ValidationException", 400, ve)
        expect_error(lambda: loose.list_stream_sessions(Identifier="bad_id!"), "ValidationException", 400, ve)
        # Tokens: garbage, tampered, and valid ones presented to another request.
        first = self.client.list_stream_sessions(Identifier=g, MaxResults=5, Status="TERMINATED")
        token = first["NextToken"]
        expect_error(lambda: loose.list_stream_sessions(Identifier=g, NextToken="garbage"), "ValidationException", 400, ve)
        tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
        expect_error(lambda: loose.list_stream_sessions(Identifier=g, Status="TERMINATED", NextToken=tampered),
                     "ValidationException", 400, ve)
        expect_error(lambda: loose.list_stream_sessions(Identifier=g, NextToken=token), "ValidationException", 400, ve)
        expect_error(lambda: loose.list_stream_sessions(Identifier=g, Status="ERROR", NextToken=token),
                     "ValidationException", 400, ve)
        expect_error(lambda: loose.list_stream_sessions_by_account(Status="TERMINATED", NextToken=token),
                     "ValidationException", 400, ve)
        if len(self.groups) > 1:
            expect_error(lambda: loose.list_stream_sessions(Identifier=self.groups[1]["Id"], Status="TERMINATED",
                                                            NextToken=token), "ValidationException", 400, ve)
        # The same token, same filters, with the group's ARN: the same listing.
        again = self.client.list_stream_sessions(Identifier=self.groups[0]["Arn"], MaxResults=5, Status="TERMINATED",
                                                 NextToken=token)
        self.ok(isinstance(again["Items"], list), "token rejected when the group is named by its ARN")
        expect_error(lambda: loose.export_stream_session_files(
            Identifier=g, StreamSessionIdentifier=self.by_group[g][0]["Arn"], OutputUri="http://not-s3/x.zip"),
            "ValidationException", 400, ve)
        expect_error(lambda: loose.export_stream_session_files(
            Identifier=g, StreamSessionIdentifier=self.by_group[g][0]["Arn"]), "ValidationException", 400, ve)
        self.checks += 20

    def authentication(self):
        g = self.groups[0]
        bad = self.make_client(aws_secret_access_key="not-the-secret",
                               config=Config(retries={"total_max_attempts": 1}))
        exc = expect_error(lambda: bad.list_stream_groups(), "InvalidSignatureException", 403)
        self.ok("signature we calculated does not match" in exc.response["Error"]["Message"],
                "InvalidSignatureException message")
        unknown = self.make_client(aws_access_key_id="AKIDUNKNOWN", config=Config(retries={"total_max_attempts": 1}))
        exc = expect_error(lambda: unknown.list_stream_groups(), "UnrecognizedClientException", 403)
        self.ok(exc.response["Error"]["Message"] == "The security token included in the request is invalid.",
                "UnrecognizedClientException message")
        wrong_region = self.make_client(region_name="eu-west-1" if self.region != "eu-west-1" else "us-east-1",
                                        config=Config(retries={"total_max_attempts": 1}))
        expect_error(lambda: wrong_region.list_stream_groups(), "InvalidSignatureException", 403)
        with_token = self.make_client(aws_session_token="FwoGZXIvYXdzEXAMPLE+/=token")
        self.ok(with_token.list_stream_groups()["Items"], "a signed session token was not accepted")
        for ak, sk in self.extra_keys:
            other = self.make_client(aws_access_key_id=ak, aws_secret_access_key=sk)
            self.ok(other.list_stream_groups()["Items"], f"second key pair {ak} not accepted")

        # The wire path of an ARN identifier: percent-encoded as one segment.
        sent = []
        probe = self.make_client()
        probe.meta.events.register("before-send.gameliftstreams.*", lambda request, **kw: sent.append(request.url))
        probe.list_stream_sessions(Identifier=g["Arn"], MaxResults=1)
        encoded = urllib.parse.quote(g["Arn"], safe="")
        self.ok(f"/streamgroups/{encoded}/streamsessions" in sent[-1], f"boto3 sent {sent[-1]}, not {encoded}")
        path = f"/streamgroups/{encoded}/streamsessions"
        status, headers, data = self.raw("GET", path, [("MaxResults", "1")])
        self.ok(status == 200, f"ARN path signed by botocore rejected: {status} {data[:300]!r}")
        status, headers, data = self.raw("GET", path, [("MaxResults", "1")], single_encode=True)
        err = self.parse_error(status, headers, data, "ListStreamSessions")
        self.ok(status == 403 and err["Code"] == "InvalidSignatureException",
                f"single-encoded canonical path accepted: {status} {err}")
        # A token with '+', '/', '=' must travel percent-encoded and be canonicalised as such.
        token = self.client.list_stream_sessions(Identifier=g["Id"], MaxResults=1)["NextToken"]
        status, _, data = self.raw("GET", f"/streamgroups/{g['Id']}/streamsessions",
                                   [("MaxResults", "1"), ("NextToken", token)])
        self.ok(status == 200, f"raw request with an encoded token: {status} {data[:200]!r}")
        # Dates: 20 minutes old is expired, 20 minutes ahead is not yet current.
        now = datetime.datetime.now(datetime.timezone.utc)
        status, headers, data = self.raw("GET", "/streamgroups", when=now - datetime.timedelta(minutes=20))
        err = self.parse_error(status, headers, data)
        self.ok(status == 403 and err["Code"] == "InvalidSignatureException" and err["Message"].startswith("Signature expired"),
                f"stale date: {status} {err}")
        status, headers, data = self.raw("GET", "/streamgroups", when=now + datetime.timedelta(minutes=20))
        err = self.parse_error(status, headers, data)
        self.ok(status == 403 and err["Code"] == "InvalidSignatureException", f"future date: {status} {err}")
        status, headers, data = self.raw("GET", "/streamgroups", when=now - datetime.timedelta(minutes=10))
        self.ok(status == 200, f"10-minute-old signature rejected: {status} {data[:200]!r}")
        status, headers, data = self.raw("GET", "/streamgroups", sign=False)
        self.ok(status == 403, f"unsigned request: {status}")
        # A signed body must match what is sent.
        body = json.dumps({"OutputUri": "s3://b/x.zip"}).encode()
        request = AWSRequest(method="PUT", url=self.endpoint + f"/streamgroups/{g['Id']}/streamsessions/NoSuch/exportfiles",
                             data=body)
        SigV4Auth(Credentials(self.ak, self.sk), SERVICE, self.region).add_auth(request)
        u = urllib.parse.urlsplit(request.url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        conn.request("PUT", u.path, body.replace(b"x.zip", b"y.zip"), dict(request.headers.items()))
        resp = conn.getresponse()
        resp.read()
        conn.close()
        self.ok(resp.status == 403 and resp.getheader("x-amzn-ErrorType") == "InvalidSignatureException",
                f"a body changed after signing was accepted: {resp.status}")

    def export_files(self):
        s = next(x for x in self.sessions if (x.get("ExportFilesMetadata") or {}).get("Status") == "PENDING")
        sid = s["Arn"].rsplit("/", 1)[1]
        uri = f"s3://conformance-bucket/exports/{s['StreamGroupId']}/{sid}-again.zip"
        out = self.client.export_stream_session_files(Identifier=s["StreamGroupId"], StreamSessionIdentifier=sid,
                                                      OutputUri=uri)
        out.pop("ResponseMetadata")
        self.ok(out == {}, f"ExportStreamSessionFiles returned {out}")
        got = self.client.get_stream_session(Identifier=s["StreamGroupId"], StreamSessionIdentifier=s["Arn"])
        self.ok(got.get("ExportFilesMetadata") == {"Status": "SUCCEEDED", "OutputUri": uri},
                f"after export: {got.get('ExportFilesMetadata')}")
        listed = [x for p in self.client.get_paginator("list_stream_sessions").paginate(
            Identifier=s["StreamGroupId"], ExportFilesStatus="SUCCEEDED", PaginationConfig={"PageSize": 100})
            for x in p["Items"]]
        self.ok(any(x["Arn"] == s["Arn"] and x["ExportFilesMetadata"]["OutputUri"] == uri for x in listed),
                "exported session not listed as SUCCEEDED with its OutputUri")
        listed = [x for p in self.client.get_paginator("list_stream_sessions_by_account").paginate(
            ExportFilesStatus="SUCCEEDED", PaginationConfig={"PageSize": 100}) for x in p["Items"]]
        mine = [x for x in listed if x["Arn"] == s["Arn"]]
        self.ok(mine and mine[0]["ExportFilesMetadata"] == {"Status": "SUCCEEDED"},
                f"ListStreamSessionsByAccount export metadata: {mine[:1]}")
        self.ok(all(set(x.get("ExportFilesMetadata", {})) <= {"Status"} for x in listed),
                "ListStreamSessionsByAccount returned OutputUri or StatusReason")
        # Test control: overwrite an export through the emulator's patch endpoint.
        patched = self.control("PUT", f"sessions/{sid}", {"ExportFilesMetadata": {"Status": "FAILED",
                                                                                  "StatusReason": "overwritten",
                                                                                  "OutputUri": None}})
        self.ok(patched["ExportFilesMetadata"] == {"Status": "FAILED", "StatusReason": "overwritten"},
                f"patch result {patched.get('ExportFilesMetadata')}")
        got = self.client.get_stream_session(Identifier=s["StreamGroupId"], StreamSessionIdentifier=sid)
        self.ok(got["ExportFilesMetadata"] == {"Status": "FAILED", "StatusReason": "overwritten"},
                "patched export not visible")
        self.control("POST", "reset-state")

    def faults(self):
        stats0 = self.control("GET", "stats")
        g = self.groups[0]
        s = self.by_group[g["Id"]][0]
        sid = s["Arn"].rsplit("/", 1)[1]
        self.control("POST", "faults", {"rules": [
            {"operation": "ListStreamGroups", "fault": "throttle", "count": 2},
            {"operation": "GetStreamSession", "fault": "drop", "count": 1},
            {"operation": "ListStreamSessionsByAccount", "fault": "error500", "count": 1},
        ]})
        retrying = self.make_client(config=Config(retries={"mode": "standard", "total_max_attempts": 4},
                                                  max_pool_connections=8))
        calls = {
            "ListStreamGroups": lambda: retrying.list_stream_groups(),
            "GetStreamSession": lambda: retrying.get_stream_session(Identifier=g["Id"], StreamSessionIdentifier=sid),
            "ListStreamSessionsByAccount": lambda: retrying.list_stream_sessions_by_account(MaxResults=3),
        }
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            futures = {name: pool.submit(fn) for name, fn in calls.items()}
            results = {name: fut.result() for name, fut in futures.items()}
        self.ok(results["ListStreamGroups"]["ResponseMetadata"]["RetryAttempts"] == 2,
                f"throttle x2: {results['ListStreamGroups']['ResponseMetadata']['RetryAttempts']} retries")
        self.ok(results["GetStreamSession"]["ResponseMetadata"]["RetryAttempts"] == 1, "drop: not retried once")
        self.ok(results["ListStreamSessionsByAccount"]["ResponseMetadata"]["RetryAttempts"] == 1, "error500: not retried once")
        stats1 = self.control("GET", "stats")
        self.ok(stats1["faultsServed"] - stats0["faultsServed"] == 4, f"faultsServed {stats0['faultsServed']} -> {stats1['faultsServed']}")
        for op, n in (("ListStreamGroups", 3), ("GetStreamSession", 2), ("ListStreamSessionsByAccount", 2)):
            delta = stats1["byOperation"].get(op, 0) - stats0["byOperation"].get(op, 0)
            self.ok(delta == n, f"{op}: {delta} requests counted, expected {n}")
        self.ok(all(r["remaining"] == 0 for r in self.control("GET", "faults")["rules"]), "rules not used up")

        # Without retries the faults surface as the modeled exceptions.
        once = self.make_client(config=Config(retries={"total_max_attempts": 1}))
        self.control("POST", "faults/clear")
        self.control("POST", "faults", {"rules": [
            {"operation": "*", "fault": "throttle", "count": 1},
            {"operation": "GetStreamSession", "fault": "error500", "count": 1, "after": 1},
        ]})
        expect_error(lambda: once.list_stream_groups(), "ThrottlingException", 429, once.exceptions.ThrottlingException)
        once.get_stream_session(Identifier=g["Id"], StreamSessionIdentifier=sid)  # skipped by `after`
        expect_error(lambda: once.get_stream_session(Identifier=g["Id"], StreamSessionIdentifier=sid),
                     "InternalServerException", 500, once.exceptions.InternalServerException)
        once.get_stream_session(Identifier=g["Id"], StreamSessionIdentifier=sid)
        self.control("POST", "faults/clear")
        self.control("POST", "faults", {"rules": [{"operation": "ListStreamSessions", "fault": "slow",
                                                   "count": 1, "delaySeconds": 0.5}]})
        t = time.monotonic()
        once.list_stream_sessions(Identifier=g["Id"], MaxResults=1)
        slow = time.monotonic() - t
        t = time.monotonic()
        once.list_stream_sessions(Identifier=g["Id"], MaxResults=1)
        fast = time.monotonic() - t
        self.ok(slow >= 0.5 and fast < slow, f"slow fault: {slow:.2f} s then {fast:.2f} s")
        self.control("POST", "faults/clear")
        self.checks += 4

    def stats_and_load(self):
        self.control("POST", "reset-stats")
        bad = self.make_client(aws_secret_access_key="wrong", config=Config(retries={"total_max_attempts": 1}))
        expect_error(lambda: bad.list_stream_groups(), "InvalidSignatureException", 403)
        g = self.groups[0]["Id"]
        start = time.time()
        n_threads, per_thread = 4, 50

        def burst():
            for _ in range(per_thread):
                self.client.list_stream_sessions(Identifier=g, MaxResults=10)
        t = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=n_threads) as pool:
            for fut in [pool.submit(burst) for _ in range(n_threads)]:
                fut.result()
        elapsed = time.monotonic() - t
        rate = n_threads * per_thread / elapsed
        stats = self.control("GET", "stats")
        n = n_threads * per_thread
        self.ok(stats["rejectedAuth"] == 1, f"rejectedAuth {stats['rejectedAuth']}")
        self.ok(stats["byOperation"].get("ListStreamSessions") == n, f"byOperation {stats['byOperation']}")
        self.ok(stats["total"] == n + 1, f"total {stats['total']} != {n + 1}")
        self.ok(len(stats["requestTimes"]) == n and all(start - 1 <= x <= time.time() + 1 for x in stats["requestTimes"]),
                "requestTimes")
        # A loose floor (CI shares two cores with Swift builds and tests); the
        # emulator itself serves small pages in about a millisecond.
        self.ok(rate >= 20, f"only {rate:.0f} requests/s under 4 concurrent clients")
        print(f"      {n} requests from {n_threads} threads at {rate:.0f}/s", flush=True)

    def lister(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=self.ak, AWS_SECRET_ACCESS_KEY=self.sk)
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
        lister = os.path.join(HERE, "gamelift_boto3_list.py")
        ids = [g["Id"] for g in self.groups[:2]]
        args = [sys.executable, lister, "--endpoint", self.endpoint, "--region", self.region, "--status", "TERMINATED",
                "--page-size", "50"]
        for i in ids:
            args += ["--stream-group", i]
        out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
        self.ok(out.returncode == 0, f"lister failed: {out.stderr}")
        doc = json.loads(out.stdout)
        want = [s for i in ids for s in self.by_group[i] if matches(s, {"Status": "TERMINATED"})]
        self.ok([x["Arn"] for x in doc["Items"]] == [s["Arn"] for s in want], "lister items differ from the seed")
        self.ok("NextToken" not in doc, "lister printed a NextToken without --max-items")
        for item, s in zip(doc["Items"], want):
            for key in ("CreatedAt", "LastUpdatedAt"):
                text = item[key]
                self.ok(text.endswith("Z") and "+" not in text, f"lister timestamp {text}")
                value = s[key]
                whole = datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
                if value == int(value):
                    self.ok(text == whole + "Z", f"{text} for {value}")
                else:
                    frac = ("%.3f" % (value - int(value)))[1:].rstrip("0")
                    self.ok(text == whole + frac + "Z", f"{text} for {value}")
            self.ok(list(item) == list(summary(s)), f"lister key order {list(item)}")
        args = [sys.executable, lister, "--endpoint", self.endpoint, "--region", self.region, "--all", "--quiet-count"]
        out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
        self.ok(out.returncode == 0 and out.stdout.strip() == str(len(self.sessions)), f"--quiet-count: {out.stdout!r} {out.stderr}")
        out = subprocess.run([sys.executable, lister, "--endpoint", self.endpoint, "--region", self.region,
                              "--stream-group", ids[0], "--stream-group", ids[-1], "--max-items", "3"],
                             env=env, capture_output=True, text=True, timeout=60)
        self.ok(out.returncode == 2, f"--max-items with several groups: exit {out.returncode}, expected 2")
        out = subprocess.run([sys.executable, lister, "--endpoint", self.endpoint, "--region", self.region,
                              "--stream-group", ids[0], "--max-items", "3", "--page-size", "2"],
                             env=env, capture_output=True, text=True, timeout=60)
        doc = json.loads(out.stdout or "{}")
        self.ok(out.returncode == 0 and len(doc.get("Items", [])) == 3 and doc.get("NextToken"),
                f"--max-items 3: {out.stdout[:200]!r} {out.stderr}")
        out = subprocess.run([sys.executable, lister, "--endpoint", self.endpoint, "--region", self.region,
                              "--stream-group", ids[0], "--max-items", "3", "--page-size", "2",
                              "--starting-token", doc.get("NextToken", "")],
                             env=env, capture_output=True, text=True, timeout=60)
        rest = json.loads(out.stdout or "{}")
        self.ok(out.returncode == 0 and [x["Arn"] for x in rest.get("Items", [])] ==
                [s["Arn"] for s in self.by_group[ids[0]][3:6]], f"--starting-token: {out.stdout[:200]!r} {out.stderr}")


# --------------------------------------------------------------------------- self-test

def self_test(args):
    with tempfile.TemporaryDirectory(prefix="gamelift-conformance-") as tmp:
        seed_path = os.path.join(tmp, "seed.json")
        subprocess.run([sys.executable, os.path.join(HERE, "gamelift_seed.py"), "--out", seed_path,
                        "--groups", "3", "--empty-groups", "1", "--sessions", str(args.sessions), "--seed", "42"], check=True, timeout=60)
        with open(seed_path, encoding="utf-8") as f:
            seed = json.load(f)
        extra = ("AKIDSECONDPAIR", "second/secret+key=")
        cmd = [sys.executable, os.path.join(HERE, "gamelift_emulator.py"), "--seed", seed_path, "--port", "0",
               "--access-key", DEFAULT_AK, "--secret-key", DEFAULT_SK,
               "--access-key", extra[0], "--secret-key", extra[1]]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            line = []
            reader = threading.Thread(target=lambda: line.append(proc.stdout.readline().decode()), daemon=True)
            reader.start()
            reader.join(60)
            check(line and line[0].startswith("listening http://127.0.0.1:"),
                  f"emulator did not report its port: {line!r} (exit {proc.poll()})")
            endpoint = line[0].split()[1]
            print(f"emulator at {endpoint}, seed {args.sessions} sessions", flush=True)
            Conformance(endpoint, seed, seed.get("region", "us-west-2"), DEFAULT_AK, DEFAULT_SK, [extra]).run()
            # It stops when its stdin closes.
            t = time.monotonic()
            proc.stdin.close()
            try:
                code = proc.wait(5)
            except subprocess.TimeoutExpired:
                raise Failure("emulator still running 5 s after its stdin closed")
            check(code == 0, f"emulator exited {code}")
            print(f"  ok  emulator stopped on stdin EOF in {time.monotonic() - t:.2f} s", flush=True)
        finally:
            if proc.poll() is None:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--endpoint")
    ap.add_argument("--self-test", action="store_true", help="generate a seed, start the emulator, check, stop it")
    ap.add_argument("--seed", help="seed file the emulator serves (default: ask the emulator)")
    ap.add_argument("--region", default=None)
    ap.add_argument("--access-key", default=os.environ.get("AWS_ACCESS_KEY_ID", DEFAULT_AK))
    ap.add_argument("--secret-key", default=os.environ.get("AWS_SECRET_ACCESS_KEY", DEFAULT_SK))
    ap.add_argument("--sessions", type=int, default=300, help="sessions in the --self-test seed")
    args = ap.parse_args(argv)
    if not args.self_test and not args.endpoint:
        ap.error("give --endpoint URL or --self-test")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
        os.environ.pop(name, None)
    started = time.monotonic()
    try:
        if args.self_test:
            self_test(args)
        else:
            if args.seed:
                with open(args.seed, encoding="utf-8") as f:
                    seed = json.load(f)
            else:
                u = urllib.parse.urlsplit(args.endpoint)
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
                conn.request("GET", "/_emulator/seed")
                seed = json.loads(conn.getresponse().read())
                conn.close()
            region = args.region or seed.get("region") or "us-west-2"
            Conformance(args.endpoint, seed, region, args.access_key, args.secret_key).run()
    except Failure as exc:
        print(f"gamelift conformance FAILED: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"gamelift conformance FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"gamelift conformance OK in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
