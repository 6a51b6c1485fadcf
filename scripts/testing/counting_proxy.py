#!/usr/bin/env python3
"""A reverse proxy in front of the local S3 that counts what it sends back.

Tests point AWS_ENDPOINT_URL_S3 at it to measure, at the server side, how many
bytes a command made the object store send (status lines, headers and bodies
as written to the client's socket). The Host header is passed through
unchanged, so SigV4 signatures made for the proxy's address verify upstream.

usage: counting_proxy.py [--upstream URL] [--port N]
  --upstream  the S3 endpoint (default: $EC_S3_ENDPOINT)
  --port      0 (default) picks a free port

Prints one JSON line, {"url": "http://127.0.0.1:PORT"}, once it listens.
Control URLs (not forwarded):
  GET  /__counting_proxy__/stats   {"responseBytes", "bodyBytes", "requests": [...]}
                                   (each request: method, path, status, range, ifMatch,
                                   the response's etag, bytes, bodyBytes)
  POST /__counting_proxy__/reset   zero the counters
"""
import argparse
import http.client
import http.server
import json
import os
import sys
import threading
import urllib.parse

CONTROL = "/__counting_proxy__/"
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "transfer-encoding", "upgrade",
}


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.response_bytes = 0
            self.body_bytes = 0
            self.requests = []

    def snapshot(self):
        with self.lock:
            return {"responseBytes": self.response_bytes, "bodyBytes": self.body_bytes,
                    "requests": list(self.requests)}


COUNTERS = Counters()


class CountingWriter:
    """Wraps the handler's socket writer; counts every byte of a forwarded response."""

    def __init__(self, inner):
        self.inner = inner
        self.count = 0

    def write(self, data):
        self.count += len(data)
        return self.inner.write(data)

    def flush(self):
        return self.inner.flush()

    def __getattr__(self, name):
        return getattr(self.inner, name)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None  # (scheme, host, port)

    def setup(self):
        super().setup()
        self.wfile = CountingWriter(self.wfile)

    def log_message(self, format, *args):  # quiet: the test reads the counters
        pass

    def do_GET(self):
        self.forward()

    def do_HEAD(self):
        self.forward()

    def do_PUT(self):
        self.forward()

    def do_DELETE(self):
        self.forward()

    def do_POST(self):
        if self.path.startswith(CONTROL):
            return self.control()
        self.forward()

    def control(self):
        if self.path == CONTROL + "reset":
            COUNTERS.reset()
            body = b"{}"
        else:
            body = json.dumps(COUNTERS.snapshot()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def forward(self):
        if self.path.startswith(CONTROL):
            return self.control()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {name: value for name, value in self.headers.items() if name.lower() not in HOP_BY_HOP}
        scheme, host, port = self.upstream
        connection_class = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        upstream = connection_class(host, port, timeout=120)
        start = self.wfile.count
        body_bytes = 0
        try:
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                upstream.putheader(name, value)
            upstream.endheaders(body)
            response = upstream.getresponse()
            self.send_response_only(response.status, response.reason)
            declared = response.getheader("Content-Length")
            chunked = declared is None and self.command != "HEAD" and response.status not in (204, 304)
            for name, value in response.getheaders():
                if name.lower() not in HOP_BY_HOP:
                    self.send_header(name, value)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while self.command != "HEAD":
                block = response.read(1 << 16)
                if not block:
                    break
                body_bytes += len(block)
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(block), block))
                else:
                    self.wfile.write(block)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            status = response.status
            etag = response.getheader("ETag")
        except OSError as error:
            message = str(error).encode()
            self.send_response(502)
            self.send_header("Content-Length", str(len(message)))
            self.end_headers()
            self.wfile.write(message)
            status, etag = 502, None
        finally:
            upstream.close()
        with COUNTERS.lock:
            COUNTERS.response_bytes += self.wfile.count - start
            COUNTERS.body_bytes += body_bytes
            COUNTERS.requests.append({
                "method": self.command, "path": self.path, "status": status,
                "range": self.headers.get("Range"), "ifMatch": self.headers.get("If-Match"), "etag": etag,
                "bytes": self.wfile.count - start, "bodyBytes": body_bytes,
            })


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", default=os.environ.get("EC_S3_ENDPOINT"))
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    if not arguments.upstream:
        sys.exit("counting_proxy.py: no --upstream and EC_S3_ENDPOINT is unset")
    parsed = urllib.parse.urlsplit(arguments.upstream)
    Handler.upstream = (parsed.scheme, parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", arguments.port), Handler)
    server.daemon_threads = True
    print(json.dumps({"url": "http://127.0.0.1:%d" % server.server_address[1]}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
