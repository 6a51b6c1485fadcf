#!/usr/bin/env python3
"""A reverse proxy that injects network and service faults, for the reliability tests.

Why: the collector must finish what it can whatever the network does. Tests put
this proxy between `export-collector` and SeaweedFS (AWS_ENDPOINT_URL_S3) or the
GameLift Streams emulator (AWS_ENDPOINT_URL_GAMELIFTSTREAMS) and make chosen
requests fail in chosen ways. The Host header is passed through unchanged, so
SigV4 signatures made for the proxy's address verify upstream. It counts the
requests and body bytes it forwards per path, so a test can assert what was
fetched (and that a resumed download did not fetch completed bytes again).

usage: fault_proxy.py --upstream URL [--port N] [--rules JSON|@FILE]
                      [--tls-cert PEM --tls-key PEM]
  --upstream  the server to forward to (default: $EC_S3_ENDPOINT)
  --rules     rules to start with (a JSON list, or @path of a file holding one)
  --tls-cert/--tls-key  serve HTTPS with this certificate (a TLS-terminating
              proxy in front of a plain-HTTP upstream)

Prints one JSON line, {"url": "http(s)://127.0.0.1:PORT"}, once it listens.

A rule (JSON object) matches a request by
  "method"    exact (GET, HEAD, ...), default any
  "path"      substring of the path (percent-encoded, as sent, without the query)
  "query"     substring of the query string
  "header"    [name, substring]: the request header must contain it
and fires on matching requests after skipping the first "after" (default 0),
"count" times (default 1; "count": -1 for every one). The first rule due
fires; every matching rule counts the request. What it does, "action":
  "reset"          status line, headers and "bytes" body bytes (default 0),
                   then a TCP reset (SO_LINGER 0)
  "truncate"       the same, then a clean close: the body is shorter than
                   the Content-Length promised
  "stall"          the same, then nothing for "seconds" (default 60), then close;
                   with "beforeHeaders": true nothing at all is sent
  "close"          closes the connection before any byte of the response
                   (the request was read)
  "status"         answers "status" (default 503) without asking upstream, with
                   an error document: S3 XML <Error><Code>"code"</Code>... or,
                   with "format": "json", {"__type": code, "message": ...} and
                   x-amzn-ErrorType; "retryAfter" adds a Retry-After header.
                   Codes default to SlowDown for 503, InternalError otherwise.
  "trickle"        forwards the whole response, but its first "bytes" body
                   bytes (default all) "chunk" bytes at a time (default 1024)
                   at "rate" bytes per second (default 8192)
  "delay"          waits "seconds" (default 1), then forwards as usual
  "patch_json"     forwards, then merges "json" (an object) into the JSON body
                   of a 2xx answer (e.g. a NextToken the service never issued)
  "forward"        forwards as usual (for "exec" alone)
"exec": [argv...] runs a command when the fault strikes (for reset, truncate
and stall once their bytes are sent, for the rest before the action) and waits
for it, e.g. to replace the object being downloaded.

Control URLs (not forwarded; no auth):
  GET  /__fault_proxy__/stats        {"requests": [...], "paths": {path: {"requests",
                                     "bodyBytes"}}, "bodyBytes", "faultsServed"}; each
                                     request: method, path, status, range, ifMatch,
                                     etag, bodyBytes (body bytes written to the client),
                                     fault (the action, or null), signature (the
                                     request's SigV4 signature, header or query: for
                                     tests that search outputs for it)
  POST /__fault_proxy__/reset        zero the counters
  GET  /__fault_proxy__/rules        the rules with their remaining counts
  POST /__fault_proxy__/rules        {"rules": [...]} appends rules
  POST /__fault_proxy__/rules/clear  drops every rule
"""
import argparse
import http.client
import http.server
import json
import os
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import urllib.parse

CONTROL = "/__fault_proxy__/"
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "transfer-encoding", "upgrade",
}
ACTIONS = {"reset", "truncate", "stall", "close", "status", "trickle", "delay", "patch_json", "forward"}


class ConnectionDone(Exception):
    """The fault ended the connection: nothing more may be written to it."""


def check_rule(rule):
    if not isinstance(rule, dict):
        raise ValueError("each rule must be an object")
    action = rule.get("action", "forward")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; one of {sorted(ACTIONS)}")
    for name in ("after", "count", "bytes", "status", "chunk"):
        if name in rule and not isinstance(rule[name], int):
            raise ValueError(f"{name} must be an integer")
    for name in ("seconds", "rate"):
        if name in rule and not isinstance(rule[name], (int, float)):
            raise ValueError(f"{name} must be a number")
    if "header" in rule and not (isinstance(rule["header"], list) and len(rule["header"]) == 2):
        raise ValueError("header must be [name, substring]")
    if "exec" in rule and not (isinstance(rule["exec"], list) and all(isinstance(a, str) for a in rule["exec"])):
        raise ValueError("exec must be a list of strings")
    if action == "patch_json" and not isinstance(rule.get("json"), dict):
        raise ValueError("patch_json needs a json object")
    clean = dict(rule, action=action)
    clean.setdefault("after", 0)
    clean.setdefault("count", 1)
    clean["skipped"] = 0
    clean["fired"] = 0
    return clean


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.reset_stats()

    def reset_stats(self):
        with self.lock:
            self.requests = []
            self.paths = {}
            self.body_bytes = 0
            self.faults = 0

    def add_rules(self, rules):
        checked = [check_rule(rule) for rule in rules]
        with self.lock:
            self.rules.extend(checked)

    def clear_rules(self):
        with self.lock:
            self.rules = []

    def pick(self, method, path, query, headers):
        """The rule that fires for this request (a copy), or None."""
        with self.lock:
            chosen = None
            for rule in self.rules:
                if rule.get("method") and rule["method"] != method:
                    continue
                if rule.get("path") and rule["path"] not in path:
                    continue
                if rule.get("query") and rule["query"] not in query:
                    continue
                if rule.get("header"):
                    name, needle = rule["header"]
                    if needle not in (headers.get(name) or ""):
                        continue
                if rule["skipped"] < rule["after"]:
                    rule["skipped"] += 1
                    continue
                if chosen is None and (rule["count"] < 0 or rule["fired"] < rule["count"]):
                    rule["fired"] += 1
                    chosen = dict(rule)
            if chosen is not None:
                self.faults += 1
            return chosen

    def record(self, entry):
        with self.lock:
            self.requests.append(entry)
            self.body_bytes += entry["bodyBytes"]
            totals = self.paths.setdefault(entry["path"], {"requests": 0, "bodyBytes": 0})
            totals["requests"] += 1
            totals["bodyBytes"] += entry["bodyBytes"]

    def stats(self):
        with self.lock:
            return {"requests": list(self.requests), "paths": dict(self.paths),
                    "bodyBytes": self.body_bytes, "faultsServed": self.faults}

    def rule_list(self):
        with self.lock:
            return [dict(rule) for rule in self.rules]


STATE = State()


def error_document(rule, request_id):
    status = rule.get("status", 503)
    code = rule.get("code") or ("SlowDown" if status == 503 else "InternalError")
    message = rule.get("message") or ("Please reduce your request rate." if code == "SlowDown"
                                      else "We encountered an internal error. Please try again.")
    if rule.get("format") == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code),
                        ("x-amzn-RequestId", request_id)], body
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"<RequestId>{request_id}</RequestId></Error>").encode()
    return status, [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)], body


def run_exec(rule):
    if rule and rule.get("exec"):
        subprocess.run(rule["exec"], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def signature_of(query, headers):
    for name, value in urllib.parse.parse_qsl(query):
        if name.lower() == "x-amz-signature":
            return value
    authorization = headers.get("Authorization") or ""
    marker = "Signature="
    return authorization[authorization.index(marker) + len(marker):].split(",")[0].strip() if marker in authorization else None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None  # (scheme, host, port)

    def log_message(self, format, *args):  # quiet: the tests read the counters
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except ConnectionDone:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass

    def do_GET(self):
        self.dispatch()

    def do_HEAD(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    # ------------------------------------------------------------------ control
    def reply(self, status, document):
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def control(self):
        name = self.path[len(CONTROL):]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            if name == "stats" and self.command == "GET":
                return self.reply(200, STATE.stats())
            if name == "reset" and self.command == "POST":
                STATE.reset_stats()
                return self.reply(200, {})
            if name == "rules" and self.command == "GET":
                return self.reply(200, {"rules": STATE.rule_list()})
            if name == "rules" and self.command == "POST":
                document = json.loads(body or b"{}")
                if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
                    raise ValueError('expected {"rules": [...]}')
                STATE.add_rules(document["rules"])
                return self.reply(200, {"rules": STATE.rule_list()})
            if name == "rules/clear" and self.command == "POST":
                STATE.clear_rules()
                return self.reply(200, {"rules": []})
        except ValueError as error:
            return self.reply(400, {"error": str(error)})
        return self.reply(404, {"error": f"no control {self.command} {name}"})

    # ------------------------------------------------------------------ faults
    def end_connection(self, reset):
        """Ends the TCP connection: a reset (RST) or a clean close (FIN)."""
        try:
            self.wfile.flush()
        except OSError:
            pass
        if reset:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.connection.close()
        raise ConnectionDone()

    def dispatch(self):
        if self.path.startswith(CONTROL):
            return self.control()
        parsed = urllib.parse.urlsplit(self.path)
        path, query = parsed.path, parsed.query
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        rule = STATE.pick(self.command, path, query, self.headers)
        entry = {"method": self.command, "path": path, "status": None, "range": self.headers.get("Range"),
                 "ifMatch": self.headers.get("If-Match"), "etag": None, "bodyBytes": 0,
                 "fault": rule["action"] if rule else None, "signature": signature_of(query, self.headers)}
        try:
            action = rule["action"] if rule else "forward"
            if action not in ("reset", "truncate", "stall"):
                run_exec(rule)
            if action == "close":
                self.end_connection(reset=False)
            if action == "stall" and rule.get("beforeHeaders"):
                time.sleep(rule.get("seconds", 60))
                self.end_connection(reset=False)
            if action == "status":
                status, headers, payload = error_document(rule, "fault-proxy-%d" % time.monotonic_ns())
                entry["status"] = status
                self.send_response_only(status)
                for name, value in headers + [("Content-Length", str(len(payload)))]:
                    self.send_header(name, value)
                if "retryAfter" in rule:
                    self.send_header("Retry-After", str(rule["retryAfter"]))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                    entry["bodyBytes"] = len(payload)
                return
            if action == "delay":
                time.sleep(rule.get("seconds", 1))
            self.forward(body, rule, entry)
        finally:
            STATE.record(entry)

    def forward(self, body, rule, entry):
        headers = [(name, value) for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP]
        scheme, host, port = self.upstream
        connection_class = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        upstream = connection_class(host, port, timeout=120)
        action = rule["action"] if rule else "forward"
        try:
            try:
                upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    upstream.putheader(name, value)
                upstream.endheaders(body)
                response = upstream.getresponse()
            except OSError as error:
                message = str(error).encode()
                entry["status"] = 502
                self.send_response_only(502)
                self.send_header("Content-Length", str(len(message)))
                self.end_headers()
                self.wfile.write(message)
                return
            entry["status"] = response.status
            entry["etag"] = response.getheader("ETag")
            has_body = self.command != "HEAD" and response.status not in (204, 304)
            payload = None
            if action == "patch_json" and has_body and 200 <= response.status < 300:
                document = json.loads(response.read() or b"{}")
                document.update(rule["json"])
                payload = json.dumps(document).encode()
            self.send_response_only(response.status, response.reason)
            declared = response.getheader("Content-Length")
            chunked = payload is None and declared is None and has_body
            for name, value in response.getheaders():
                if name.lower() in HOP_BY_HOP or (payload is not None and name.lower() == "content-length"):
                    continue
                self.send_header(name, value)
            if payload is not None:
                self.send_header("Content-Length", str(len(payload)))
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if payload is not None:
                self.wfile.write(payload)
                entry["bodyBytes"] = len(payload)
                return
            if not has_body:
                return
            limit = rule.get("bytes", 0) if action in ("reset", "truncate", "stall") else None
            if limit is not None:
                self.send_body(response, entry, chunked, limit)
                self.wfile.flush()
                run_exec(rule)
                if action == "stall":
                    time.sleep(rule.get("seconds", 60))
                else:
                    # Let the client read what was sent before the connection ends:
                    # a reset may make the peer's kernel drop unread bytes.
                    time.sleep(0.3)
                self.end_connection(reset=action == "reset")
            if action == "trickle":
                slow = rule.get("bytes", 0) or None
                chunk = max(1, rule.get("chunk", 1024))
                pause = chunk / max(1.0, float(rule.get("rate", 8192)))
                sent = 0
                while slow is None or sent < slow:
                    want = chunk if slow is None else min(chunk, slow - sent)
                    block = response.read(want)
                    if not block:
                        break
                    self.write_body(block, entry, chunked)
                    sent += len(block)
                    time.sleep(pause)
            self.send_body(response, entry, chunked, None)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        finally:
            upstream.close()

    def write_body(self, block, entry, chunked):
        if chunked:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
        else:
            self.wfile.write(block)
        entry["bodyBytes"] += len(block)

    def send_body(self, response, entry, chunked, limit):
        """Copies the upstream body, at most `limit` bytes when given."""
        sent = 0
        while limit is None or sent < limit:
            want = 1 << 16 if limit is None else min(1 << 16, limit - sent)
            block = response.read(want)
            if not block:
                break
            self.write_body(block, entry, chunked)
            sent += len(block)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", default=os.environ.get("EC_S3_ENDPOINT"))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rules", help="a JSON list of rules, or @FILE")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    arguments = parser.parse_args()
    if not arguments.upstream:
        sys.exit("fault_proxy.py: no --upstream and EC_S3_ENDPOINT is unset")
    if arguments.rules:
        text = arguments.rules
        if text.startswith("@"):
            with open(text[1:], encoding="utf-8") as f:
                text = f.read()
        try:
            STATE.add_rules(json.loads(text))
        except (ValueError, TypeError) as error:
            sys.exit(f"fault_proxy.py: bad --rules: {error}")
    parsed = urllib.parse.urlsplit(arguments.upstream)
    Handler.upstream = (parsed.scheme, parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    server.daemon_threads = True
    scheme = "http"
    if arguments.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(arguments.tls_cert, arguments.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    print(json.dumps({"url": "%s://127.0.0.1:%d" % (scheme, server.server_address[1])}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
