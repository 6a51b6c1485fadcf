#!/usr/bin/env python3
"""A local Amazon GameLift Streams for tests and benchmarks, refereed by botocore.

Why: the collector lists stream sessions and exports their files; tests need a
service that speaks the real wire contract (botocore's `gameliftstreams` model,
protocol rest-json, SigV4) and can be made to misbehave on purpose (throttling,
500s, slow answers, dropped connections, sparse or empty pages). The routes,
querystring names, status codes, member names, member order and validation come
from botocore's service model at run time; signatures are checked with
botocore's own SigV4 signer, so whatever boto3 accepts, this accepts.

Run (the venv has botocore):
    ~/.cache/export-collector/venv/bin/python scripts/testing/gamelift_emulator.py \
        --seed seed.json [--port 0] [--region us-west-2] \
        [--access-key AK --secret-key SK]... [--verbose] [--no-stdin-watch]

It binds 127.0.0.1, prints exactly one line `listening http://127.0.0.1:PORT`
and serves until stdin reaches EOF (keep a pipe to it), SIGTERM/SIGINT, or its
parent process goes away. Seeds come from gamelift_seed.py.

Operations: ListStreamSessions, ListStreamSessionsByAccount, ListStreamGroups,
GetStreamSession, ExportStreamSessionFiles (others answer 404
UnknownOperationException). Pages are a window of MaxResults (default 25)
records of the underlying order, filtered afterwards, so sparse filters give
short or empty pages that still carry a NextToken. Tokens are opaque, bound to
operation + stream group + filters, HMAC-protected with a per-process key, and
always contain '+', '/' and '='.

Authentication: every API request must carry a SigV4 Authorization header
(service gameliftstreams, the emulator's region) for one of the accepted key
pairs; the signature is recomputed with botocore.auth.SigV4Auth from the method,
the path exactly as received (so an ARN sent as arn%3Aaws...%2Fsg-x is
canonicalised as arn%253Aaws...%252Fsg-x, as botocore signs it), the query
decoded and re-encoded (a literal '+' is read as a space), the headers
named in SignedHeaders and the body. X-Amz-Date must be within 15 minutes.
Session tokens are accepted when signed. Failures: no Authorization header
403 MissingAuthenticationTokenException; malformed header 400
IncompleteSignatureException; unknown access key 403 UnrecognizedClientException;
bad signature, stale or future date, wrong scope 403 InvalidSignatureException
(the message includes the canonical request and string to sign expected).

Test control (no auth), all JSON:
    POST /_emulator/faults        {"rules":[{"operation":"ListStreamSessions"|"*",
                                   "fault":"throttle"|"error500"|"slow"|"drop",
                                   "count":N, "delaySeconds":S, "after":K}]}
                                   appends rules; answers {"rules":[...]} with what remains.
                                   Every rule sees every authenticated request of its
                                   operation: the first `after` only count down, then the
                                   next `count` get the fault (429 ThrottlingException,
                                   500 InternalServerException, served after S seconds, or
                                   the connection closed without a response). One fault per
                                   request: the first rule in order that is due fires.
    GET  /_emulator/faults        the rules with their remaining counts
    POST /_emulator/faults/clear
    GET  /_emulator/stats         {"total": API requests received (also rejected ones),
                                   "byOperation": {op: authenticated requests, faulted ones
                                   included; "Unknown" for unknown routes},
                                   "rejectedAuth": n, "faultsServed": n,
                                   "requestTimes": [epoch seconds of each authenticated request]}
    POST /_emulator/reset-stats
    GET  /_emulator/seed          the seed as loaded at start
    GET  /_emulator/state         current {"accountId","region","streamGroups","sessions"}
    POST /_emulator/reset-state   sessions back to the seed (fault rules and stats stay)
    GET  /_emulator/sessions/{id} one session (id or ARN) as stored
    PUT  /_emulator/sessions/{id} JSON merge patch of a session (null deletes a member;
                                   Arn and StreamGroupId cannot change)
    POST /_emulator/sessions      add a session (needs Arn and StreamGroupId); appended to its group
    GET  /_emulator/health        {"ok": true}
"""
import os

PARENT_PID = os.getppid()  # first thing: the parent may die while botocore loads

import argparse
import base64
import copy
import datetime
import email.utils
import hashlib
import hmac
import json
import re
import secrets
import signal
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

SERVICE = "gameliftstreams"
OPERATIONS = ("ListStreamSessions", "ListStreamSessionsByAccount", "ListStreamGroups",
              "GetStreamSession", "ExportStreamSessionFiles")
DEFAULT_KEYS = [("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")]
DEFAULT_PAGE_SIZE = 25
MAX_SKEW = datetime.timedelta(minutes=15)
TOKEN_PREFIX = "v1+/"
FAULTS = ("throttle", "error500", "slow", "drop")
SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"

MSG_UNRECOGNIZED = "The security token included in the request is invalid."
MSG_BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. "
                     "Check your AWS Secret Access Key and signing method. "
                     "Consult the service documentation for details.")

VERBOSE = False


def log(*parts):
    if VERBOSE:
        print(*parts, file=sys.stderr, flush=True)


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def validation_error(*problems):
    n = len(problems)
    head = f"{n} validation error{'s' if n != 1 else ''} detected: "
    return ApiError(400, "ValidationException", head + "; ".join(problems))


def lower_first(name):
    return name[:1].lower() + name[1:]


# --------------------------------------------------------------------------- model

MODEL = botocore.session.get_session().get_service_model(SERVICE)


_RENDERERS = {}


def renderer(shape):
    """A function serialising a seed value as rest-json says for `shape`:
    members in model order, unknown members dropped, timestamps as epoch-second
    numbers, strings (also enum values the model does not know) passed through.
    Compiled once per shape; the result shares nothing with the seed."""
    key = (shape.name, shape.type_name)
    fn = _RENDERERS.get(key)
    if fn is not None:
        return fn
    kind = shape.type_name
    if kind == "structure":
        fields = []
        _RENDERERS[key] = lambda v: structure(v)  # recursive shapes
        for name, member in shape.members.items():
            if not member.serialization.get("location"):
                fields.append((name, member.serialization.get("name", name), renderer(member)))

        def structure(value):
            out = {}
            if isinstance(value, dict):
                for name, wire, sub in fields:
                    v = value.get(name)
                    if v is not None:
                        out[wire] = sub(v)
            return out
        fn = structure
    elif kind == "list":
        sub = renderer(shape.member)
        fn = lambda v: [sub(x) for x in v]
    elif kind == "map":
        sub = renderer(shape.value)
        fn = lambda v: {k: sub(x) for k, x in v.items()}
    elif kind == "timestamp":
        fn = to_epoch
    else:
        fn = lambda v: v
    _RENDERERS[key] = fn
    return fn


def render(shape, value):
    return renderer(shape)(value)


def to_epoch(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):  # tolerate ISO 8601 in hand-written seeds
        text = value.replace("Z", "+00:00")
        dt = datetime.datetime.fromisoformat(text)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=datetime.timezone.utc)
        ts = dt.timestamp()
        return int(ts) if ts == int(ts) else ts
    raise ValueError(f"not a timestamp: {value!r}")


def check_value(shape, value, where, problems):
    """Input constraints of the model (enum, length, range, pattern)."""
    kind = shape.type_name
    meta = shape.metadata
    if kind == "string":
        shown = value if len(value) <= 200 else value[:200] + "..."
        enum = shape.enum
        if enum and value not in enum:
            problems.append(f"Value '{shown}' at '{where}' failed to satisfy constraint: "
                            f"Member must satisfy enum value set: [{', '.join(enum)}]")
            return
        if "min" in meta and len(value) < meta["min"] or "max" in meta and len(value) > meta["max"]:
            problems.append(f"Value '{shown}' at '{where}' failed to satisfy constraint: "
                            f"Member must have length between {meta.get('min', 0)} and {meta.get('max', 'inf')}")
        elif "pattern" in meta and not re.search(meta["pattern"], value):
            problems.append(f"Value '{shown}' at '{where}' failed to satisfy constraint: "
                            f"Member must satisfy regular expression pattern: {meta['pattern']}")
    elif kind == "integer":
        if "min" in meta and value < meta["min"]:
            problems.append(f"Value '{value}' at '{where}' failed to satisfy constraint: "
                            f"Member must have value greater than or equal to {meta['min']}")
        elif "max" in meta and value > meta["max"]:
            problems.append(f"Value '{value}' at '{where}' failed to satisfy constraint: "
                            f"Member must have value less than or equal to {meta['max']}")


class Route:
    def __init__(self, op):
        self.op = op
        http = op.http
        self.method = http["method"]
        self.status = http.get("responseCode", 200)
        self.segments = [s for s in http["requestUri"].split("?")[0].split("/") if s != ""]

    def match(self, method, segments):
        if method != self.method or len(segments) != len(self.segments):
            return None
        labels = {}
        for pattern, got in zip(self.segments, segments):
            if pattern.startswith("{") and pattern.endswith("}"):
                labels[pattern[1:-1].rstrip("+")] = unquote(got)
            elif pattern != got:
                return None
        return labels


ROUTES = [Route(MODEL.operation_model(name)) for name in OPERATIONS]


def parse_input(op, labels, query_pairs, body):
    """Input members from the URI, querystring and JSON body, validated as the model says."""
    shape = op.input_shape
    params, problems = {}, []
    query = {}
    for k, v in query_pairs:
        query.setdefault(k, v)
    body_doc = None
    for name, member in shape.members.items():
        loc = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if loc == "uri":
            raw = labels.get(wire)
        elif loc == "querystring":
            raw = query.get(wire)
        elif loc in ("header", "headers"):
            continue
        else:
            if body_doc is None:
                if body.strip():
                    try:
                        body_doc = json.loads(body)
                    except ValueError:
                        raise ApiError(400, "SerializationException", "Start of structure or map found where not expected")
                    if not isinstance(body_doc, dict):
                        raise ApiError(400, "SerializationException", "Start of structure or map found where not expected")
                else:
                    body_doc = {}
            raw = body_doc.get(wire)
        if raw is None:
            continue
        where = lower_first(name)
        if member.type_name == "integer":
            if isinstance(raw, str):
                if not re.fullmatch(r"-?[0-9]+", raw):
                    problems.append(f"Value '{raw}' at '{where}' failed to satisfy constraint: Member must be an integer")
                    continue
                raw = int(raw)
            elif not isinstance(raw, int) or isinstance(raw, bool):
                raise ApiError(400, "SerializationException", f"Expected an integer for {name}")
        elif member.type_name == "string" and not isinstance(raw, str):
            raise ApiError(400, "SerializationException", f"Expected a string for {name}")
        check_value(member, raw, where, problems)
        params[name] = raw
    for name in shape.required_members:
        if name not in params:
            problems.append(f"Value null at '{lower_first(name)}' failed to satisfy constraint: Member must not be null")
    if problems:
        raise validation_error(*problems)
    return params


# --------------------------------------------------------------------------- auth

class _Verifier(SigV4Auth):
    """botocore's signer, told exactly which headers the client signed."""

    def __init__(self, credentials, region, signed_names):
        super().__init__(credentials, SERVICE, region)
        self._signed_names = signed_names

    def headers_to_sign(self, request):
        header_map = HTTPHeaders()
        for name in self._signed_names:
            for value in request.headers.get_all(name) or []:
                header_map[name] = value
        return header_map


def parse_authorization(value):
    if not value.startswith("AWS4-HMAC-SHA256 "):
        raise ApiError(400, "IncompleteSignatureException",
                       f"Authorization header requires 'Credential' parameter. Authorization header requires "
                       f"'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
                       f"Authorization=AWS4-HMAC-SHA256 is the only supported algorithm.")
    parts = {}
    for item in value[len("AWS4-HMAC-SHA256 "):].split(","):
        key, sep, val = item.strip().partition("=")
        if sep:
            parts[key.strip()] = val.strip()
    missing = [k for k in ("Credential", "Signature", "SignedHeaders") if not parts.get(k)]
    if missing:
        raise ApiError(400, "IncompleteSignatureException",
                       " ".join(f"Authorization header requires '{k}' parameter." for k in missing)
                       + f" Authorization={value[:60]}")
    return parts


def verify_signature(handler, raw_path, query_pairs, body, keys, region):
    """Raise ApiError unless the request is SigV4-signed as botocore would sign it."""
    headers = handler.headers
    auth = headers.get("Authorization")
    if auth is None:
        if any(k.lower() == "x-amz-signature" for k, _ in query_pairs):
            raise ApiError(403, "UnrecognizedClientException", "Presigned requests are not supported by the emulator; "
                           + MSG_UNRECOGNIZED)
        raise ApiError(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    parts = parse_authorization(auth)
    scope = parts["Credential"].split("/")
    if len(scope) != 5:
        raise ApiError(400, "IncompleteSignatureException",
                       f"Credential must have exactly 5 slash-delimited elements, e.g. "
                       f"keyid/date/region/service/term, got '{parts['Credential']}'")
    access_key, scope_date, scope_region, scope_service, terminator = scope
    secret = keys.get(access_key)
    if secret is None:
        raise ApiError(403, "UnrecognizedClientException", MSG_UNRECOGNIZED)

    amz_date = headers.get("X-Amz-Date")
    if amz_date is None and headers.get("Date"):
        try:
            amz_date = email.utils.parsedate_to_datetime(headers["Date"]).astimezone(
                datetime.timezone.utc).strftime(SIGV4_TIMESTAMP)
        except (TypeError, ValueError):
            amz_date = None
    if amz_date is None:
        raise ApiError(400, "IncompleteSignatureException",
                       "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                       f"Authorization={auth[:60]}")
    try:
        signed_at = datetime.datetime.strptime(amz_date, SIGV4_TIMESTAMP).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise ApiError(400, "IncompleteSignatureException",
                       f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See "
                       "http://en.wikipedia.org/wiki/ISO_8601")
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    fmt = lambda d: d.strftime(SIGV4_TIMESTAMP)
    if signed_at < now - MAX_SKEW:
        raise ApiError(403, "InvalidSignatureException",
                       f"Signature expired: {amz_date} is now earlier than {fmt(now - MAX_SKEW)} "
                       f"({fmt(now)} - 15 min.)")
    if signed_at > now + MAX_SKEW:
        raise ApiError(403, "InvalidSignatureException",
                       f"Signature not yet current: {amz_date} is still later than {fmt(now + MAX_SKEW)} "
                       f"({fmt(now)} + 15 min.)")
    if scope_date != amz_date[:8]:
        raise ApiError(403, "InvalidSignatureException",
                       f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
                       f"HTTP: '{scope_date}' != '{amz_date[:8]}', from '{amz_date}'.")
    if scope_region != region:
        raise ApiError(403, "InvalidSignatureException",
                       f"Credential should be scoped to a valid region, not '{scope_region}'. ")
    if scope_service != SERVICE:
        raise ApiError(403, "InvalidSignatureException",
                       f"Credential should be scoped to correct service: '{SERVICE}'. ")
    if terminator != "aws4_request":
        raise ApiError(403, "InvalidSignatureException",
                       f"Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'. ")

    signed_names = [n.strip() for n in parts["SignedHeaders"].split(";") if n.strip()]
    if "host" not in signed_names:
        raise ApiError(403, "InvalidSignatureException",
                       "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    if headers.get("X-Amz-Date") is not None and "x-amz-date" not in signed_names:
        raise ApiError(403, "InvalidSignatureException",
                       "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.")
    if headers.get("X-Amz-Security-Token") is not None and "x-amz-security-token" not in signed_names:
        raise ApiError(403, "InvalidSignatureException",
                       "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization.")
    content_sha = headers.get("X-Amz-Content-SHA256")
    if content_sha is not None and "x-amz-content-sha256" in signed_names \
            and content_sha != hashlib.sha256(body).hexdigest():
        # Non-S3 services always hash the body; botocore would trust the header.
        raise ApiError(403, "InvalidSignatureException",
                       "The provided 'x-amz-content-sha256' header does not match what was computed.")

    request = AWSRequest(method=handler.command, url="http://emulator" + raw_path, data=body,
                         params=dict(query_pairs))
    for name in signed_names:
        for value in headers.get_all(name) or []:
            request.headers[name] = value
    request.context["timestamp"] = amz_date
    verifier = _Verifier(Credentials(access_key, secret, headers.get("X-Amz-Security-Token")),
                         region, signed_names)
    canonical = verifier.canonical_request(request)
    string_to_sign = verifier.string_to_sign(request, canonical)
    expected = verifier.signature(string_to_sign, request)
    if not hmac.compare_digest(expected, parts["Signature"]):
        raise ApiError(403, "InvalidSignatureException",
                       f"{MSG_BAD_SIGNATURE}\n\nThe Canonical String for this request should have been\n"
                       f"'{canonical}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n")
    return access_key


# --------------------------------------------------------------------------- state

class State:
    def __init__(self, seed):
        self.seed = seed
        self.account = seed.get("accountId", "111122223333")
        self.lock = threading.Lock()
        self.token_key = secrets.token_bytes(32)
        self.rules = []
        self.reset_stats()
        self.reset_state()

    # -- data
    def reset_state(self):
        with self.lock:
            self.groups = copy.deepcopy(self.seed.get("streamGroups", []))
            self.group_by_key = {}
            self.sessions = {g["Id"]: [] for g in self.groups}
            for g in self.groups:
                self.group_by_key[g["Id"]] = g["Id"]
                self.group_by_key[g["Arn"]] = g["Id"]
            for s in copy.deepcopy(self.seed.get("sessions", [])):
                self._add_session(s)

    def _add_session(self, s):
        gid = s.get("StreamGroupId")
        if gid not in self.sessions:
            raise ValueError(f"session {s.get('Arn')} names unknown stream group {gid!r}")
        if not s.get("Arn"):
            raise ValueError("session without Arn")
        self.sessions[gid].append(s)

    @staticmethod
    def session_id(s):
        return s["Arn"].rsplit("/", 1)[-1]

    def group_id(self, identifier):
        gid = self.group_by_key.get(identifier)
        if gid is None:
            raise ApiError(404, "ResourceNotFoundException", f"Stream group {identifier} not found.")
        return gid

    def find_session(self, gid, identifier):
        for s in self.sessions[gid]:
            if self.session_id(s) == identifier or s["Arn"] == identifier:
                return s
        raise ApiError(404, "ResourceNotFoundException", f"Stream session {identifier} not found.")

    def find_session_anywhere(self, sid):
        for sessions in self.sessions.values():
            for s in sessions:
                if self.session_id(s) == sid or s["Arn"] == sid:
                    return s
        return None

    # -- tokens
    def make_token(self, op, scope, filters, offset):
        doc = {"op": op, "scope": scope, "f": filters, "o": offset}
        payload = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
        while (len(payload) + 16) % 3 != 1:  # so base64 always ends in '=='
            payload += b" "
        mac = hmac.new(self.token_key, payload, hashlib.sha256).digest()[:16]
        return TOKEN_PREFIX + base64.b64encode(mac + payload).decode()

    def read_token(self, token, op, scope, filters, limit):
        bad = ApiError(400, "ValidationException", "The NextToken provided is not valid.")
        if not token.startswith(TOKEN_PREFIX):
            raise bad
        try:
            raw = base64.b64decode(token[len(TOKEN_PREFIX):], validate=True)
        except (ValueError, TypeError):
            raise bad
        mac, payload = raw[:16], raw[16:]
        if len(mac) != 16 or not hmac.compare_digest(mac, hmac.new(self.token_key, payload, hashlib.sha256).digest()[:16]):
            raise bad
        doc = json.loads(payload)
        if doc.get("op") != op or doc.get("scope") != scope or doc.get("f") != filters:
            raise ApiError(400, "ValidationException",
                           "The NextToken provided was issued for a different request (operation, stream group or filters).")
        offset = doc.get("o")
        if not isinstance(offset, int) or not 0 <= offset <= limit:
            raise bad
        return offset

    # -- faults and stats
    def reset_stats(self):
        self.stats = {"total": 0, "byOperation": {}, "rejectedAuth": 0, "faultsServed": 0, "requestTimes": []}

    def pick_fault(self, op_name):
        with self.lock:
            chosen = None
            for rule in self.rules:
                if rule["operation"] not in ("*", op_name):
                    continue
                if rule["skipped"] < rule["after"]:
                    rule["skipped"] += 1
                elif chosen is None and rule["remaining"] > 0:
                    rule["remaining"] -= 1
                    chosen = dict(rule)
            if chosen is not None:
                self.stats["faultsServed"] += 1
            return chosen


def parse_rules(doc):
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise ApiError(400, "BadRequest", 'expected {"rules": [...]}')
    rules = []
    known_ops = set(OPERATIONS) | {"*"}
    for r in doc["rules"]:
        if not isinstance(r, dict):
            raise ApiError(400, "BadRequest", "each rule must be an object")
        op = r.get("operation", "*")
        fault = r.get("fault")
        if op not in known_ops:
            raise ApiError(400, "BadRequest", f"unknown operation {op!r}; one of {sorted(known_ops)}")
        if fault not in FAULTS:
            raise ApiError(400, "BadRequest", f"unknown fault {fault!r}; one of {list(FAULTS)}")
        try:
            count = int(r.get("count", 1))
            after = int(r.get("after", 0))
            delay = float(r.get("delaySeconds", 1.0 if fault == "slow" else 0.0))
        except (TypeError, ValueError):
            raise ApiError(400, "BadRequest", "count/after must be integers, delaySeconds a number")
        if count < 0 or after < 0 or delay < 0:
            raise ApiError(400, "BadRequest", "count, after and delaySeconds must not be negative")
        rules.append({"operation": op, "fault": fault, "count": count, "remaining": count,
                      "after": after, "skipped": 0, "delaySeconds": delay})
    return rules


def merge_patch(target, patch):
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_patch(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


# --------------------------------------------------------------------------- operations

def page(state, op_name, scope, filters, params, records, keep):
    limit = params.get("MaxResults", DEFAULT_PAGE_SIZE)
    start = 0
    if "NextToken" in params:
        start = state.read_token(params["NextToken"], op_name, scope, filters, len(records))
    window = records[start:start + limit]
    out = {"Items": [r for r in window if keep(r)]}
    if start + limit < len(records):
        out["NextToken"] = state.make_token(op_name, scope, filters, start + limit)
    return out


def session_filter(params):
    filters = {k: params[k] for k in ("Status", "ExportFilesStatus") if k in params}

    def keep(s):
        if "Status" in filters and s.get("Status") != filters["Status"]:
            return False
        if "ExportFilesStatus" in filters and (s.get("ExportFilesMetadata") or {}).get("Status") != filters["ExportFilesStatus"]:
            return False
        return True
    return filters, keep


# Handlers run under state.lock, and their result is rendered (copied) before
# the lock is released.

def op_list_stream_sessions(state, params, body):
    gid = state.group_id(params["Identifier"])
    filters, keep = session_filter(params)
    return page(state, "ListStreamSessions", gid, filters, params, state.sessions[gid], keep)


def op_list_stream_sessions_by_account(state, params, body):
    records = [s for g in state.groups for s in state.sessions[g["Id"]]]
    filters, keep = session_filter(params)
    result = page(state, "ListStreamSessionsByAccount", "account", filters, params, records, keep)
    items = []
    for s in result["Items"]:
        if isinstance(s.get("ExportFilesMetadata"), dict):
            # The real service returns only the export Status here.
            s = dict(s, ExportFilesMetadata={k: v for k, v in s["ExportFilesMetadata"].items() if k == "Status"})
        items.append(s)
    result["Items"] = items
    return result


def op_list_stream_groups(state, params, body):
    return page(state, "ListStreamGroups", "account", {}, params, state.groups, lambda g: True)


def op_get_stream_session(state, params, body):
    gid = state.group_id(params["Identifier"])
    return state.find_session(gid, params["StreamSessionIdentifier"])


def op_export_stream_session_files(state, params, body):
    gid = state.group_id(params["Identifier"])
    s = state.find_session(gid, params["StreamSessionIdentifier"])
    s["ExportFilesMetadata"] = {"Status": "SUCCEEDED", "OutputUri": params["OutputUri"]}
    return {}


HANDLERS = {
    "ListStreamSessions": op_list_stream_sessions,
    "ListStreamSessionsByAccount": op_list_stream_sessions_by_account,
    "ListStreamGroups": op_list_stream_groups,
    "GetStreamSession": op_get_stream_session,
    "ExportStreamSessionFiles": op_export_stream_session_files,
}


# --------------------------------------------------------------------------- HTTP

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gamelift-emulator"
    sys_version = ""
    disable_nagle_algorithm = True
    state = None       # set in main
    keys = None
    region = None

    def log_message(self, fmt, *args):
        log("%s - %s" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.handle_any()

    do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = do_GET

    # -- plumbing
    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, doc):
        body = json.dumps(doc, separators=(",", ":")).encode()
        self.send(status, body, [("Content-Type", "application/json")])

    def send_api_error(self, err):
        body = json.dumps({"message": err.message}).encode()
        self.send(err.status, body, [("Content-Type", "application/json"), ("x-amzn-ErrorType", err.code)])

    # -- dispatch
    def handle_any(self):
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return self.send_api_error(ApiError(400, "SerializationException", "could not read the request body"))
        split = urlsplit(self.path)
        raw_path = split.path or "/"
        if raw_path == "/_emulator" or raw_path.startswith("/_emulator/"):
            return self.control(raw_path, body)
        query_pairs = parse_qsl(split.query, keep_blank_values=True)
        state = self.state
        segments = [s for s in raw_path.split("/") if s != ""]
        route, labels = None, None
        for r in ROUTES:
            labels = r.match(self.command, segments)
            if labels is not None:
                route = r
                break
        op_name = route.op.name if route else "Unknown"
        with state.lock:
            state.stats["total"] += 1
        try:
            verify_signature(self, raw_path, query_pairs, body, self.keys, self.region)
        except ApiError as err:
            with state.lock:
                state.stats["rejectedAuth"] += 1
            log(f"auth rejected: {err.code}: {err.message}")
            return self.send_api_error(err)
        with state.lock:
            state.stats["requestTimes"].append(time.time())
            state.stats["byOperation"][op_name] = state.stats["byOperation"].get(op_name, 0) + 1
        if route is None:
            return self.send_api_error(ApiError(404, "UnknownOperationException", "Unknown operation"))
        fault = state.pick_fault(op_name)
        if fault is not None:
            kind = fault["fault"]
            log(f"fault {kind} for {op_name}")
            if kind == "drop":
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if kind == "throttle":
                return self.send_api_error(ApiError(429, "ThrottlingException", "Rate exceeded"))
            if kind == "error500":
                return self.send_api_error(ApiError(500, "InternalServerException",
                                                    "An internal error occurred. Try again."))
            if kind == "slow":
                time.sleep(fault["delaySeconds"])
        try:
            params = parse_input(route.op, labels, query_pairs, body)
            with state.lock:
                result = HANDLERS[op_name](state, params, body)
                doc = render(route.op.output_shape, result)
        except ApiError as err:
            return self.send_api_error(err)
        except Exception as exc:  # a bug here must still look like AWS to the client
            log(f"internal error: {exc!r}")
            return self.send_api_error(ApiError(500, "InternalServerException", f"emulator error: {exc}"))
        self.send_json(route.status, doc)

    def control(self, path, body):
        state = self.state
        try:
            doc = json.loads(body) if body.strip() else {}
        except ValueError:
            return self.send_json(400, {"message": "body is not JSON"})
        method = self.command
        try:
            if path == "/_emulator/health":
                return self.send_json(200, {"ok": True})
            if path == "/_emulator/faults" and method == "POST":
                rules = parse_rules(doc)
                with state.lock:
                    state.rules.extend(rules)
                    return self.send_json(200, {"rules": state.rules})
            if path == "/_emulator/faults" and method == "GET":
                with state.lock:
                    return self.send_json(200, {"rules": state.rules})
            if path == "/_emulator/faults/clear" and method == "POST":
                with state.lock:
                    state.rules = []
                return self.send_json(200, {"rules": []})
            if path == "/_emulator/stats" and method == "GET":
                with state.lock:
                    return self.send_json(200, state.stats)
            if path == "/_emulator/reset-stats" and method == "POST":
                with state.lock:
                    state.reset_stats()
                return self.send_json(200, {})
            if path == "/_emulator/seed" and method == "GET":
                return self.send_json(200, state.seed)
            if path == "/_emulator/state" and method == "GET":
                with state.lock:
                    return self.send_json(200, {"accountId": state.account, "region": self.region,
                                                "streamGroups": state.groups,
                                                "sessions": [s for g in state.groups for s in state.sessions[g["Id"]]]})
            if path == "/_emulator/reset-state" and method == "POST":
                state.reset_state()
                return self.send_json(200, {})
            if path == "/_emulator/sessions" and method == "POST":
                if not isinstance(doc, dict):
                    raise ApiError(400, "BadRequest", "expected a session object")
                with state.lock:
                    if state.find_session_anywhere(doc.get("Arn", "")) is not None:
                        raise ApiError(409, "Conflict", "a session with this Arn exists")
                    try:
                        state._add_session(copy.deepcopy(doc))
                    except ValueError as exc:
                        raise ApiError(400, "BadRequest", str(exc))
                return self.send_json(200, doc)
            if path.startswith("/_emulator/sessions/") and method in ("PUT", "PATCH"):
                sid = unquote(path[len("/_emulator/sessions/"):])
                if not isinstance(doc, dict):
                    raise ApiError(400, "BadRequest", "expected a JSON merge patch object")
                if "StreamGroupId" in doc or "Arn" in doc:
                    raise ApiError(400, "BadRequest", "StreamGroupId and Arn cannot be patched")
                with state.lock:
                    s = state.find_session_anywhere(sid)
                    if s is None:
                        raise ApiError(404, "NotFound", f"no session {sid}")
                    merge_patch(s, doc)
                    return self.send_json(200, s)
            if path.startswith("/_emulator/sessions/") and method == "GET":
                sid = unquote(path[len("/_emulator/sessions/"):])
                with state.lock:
                    s = state.find_session_anywhere(sid)
                    if s is None:
                        raise ApiError(404, "NotFound", f"no session {sid}")
                    return self.send_json(200, s)
            return self.send_json(404, {"message": f"no control endpoint {method} {path}"})
        except ApiError as err:
            return self.send_json(err.status, {"message": err.message})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        if VERBOSE:
            super().handle_error(request, client_address)


def load_seed(path):
    with open(path, encoding="utf-8") as f:
        seed = json.load(f)
    if not isinstance(seed, dict) or not isinstance(seed.get("streamGroups"), list) \
            or not isinstance(seed.get("sessions"), list):
        raise SystemExit(f"{path}: expected {{\"streamGroups\": [...], \"sessions\": [...]}}")
    return seed


def main(argv=None):
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", required=True, help="seed JSON (see gamelift_seed.py)")
    ap.add_argument("--port", type=int, default=0, help="0 = a free port")
    ap.add_argument("--region", default=None, help="signing region (default: the seed's, else us-west-2)")
    ap.add_argument("--access-key", action="append", default=[])
    ap.add_argument("--secret-key", action="append", default=[])
    ap.add_argument("--verbose", action="store_true", help="log requests and auth failures to stderr")
    ap.add_argument("--no-stdin-watch", action="store_true",
                    help="do not exit when stdin reaches EOF (for running by hand in the background)")
    args = ap.parse_args(argv)
    VERBOSE = args.verbose
    if len(args.access_key) != len(args.secret_key):
        ap.error("give --access-key and --secret-key in pairs")
    keys = dict(zip(args.access_key, args.secret_key)) if args.access_key else dict(DEFAULT_KEYS)
    seed = load_seed(args.seed)
    region = args.region or seed.get("region") or "us-west-2"

    try:
        state = State(seed)
    except ValueError as exc:
        raise SystemExit(f"{args.seed}: {exc}")
    Handler.state, Handler.keys, Handler.region = state, keys, region
    server = Server(("127.0.0.1", args.port), Handler)

    def stop(*_):
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if not args.no_stdin_watch:
        def watch_stdin():
            try:
                while sys.stdin.buffer.read(65536):
                    pass
            except (OSError, ValueError):
                pass
            os._exit(0)
        threading.Thread(target=watch_stdin, daemon=True).start()

    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"listening http://127.0.0.1:{server.server_address[1]}", flush=True)
    while True:
        time.sleep(1.0)
        if os.getppid() != PARENT_PID:
            os._exit(0)


if __name__ == "__main__":
    main()
