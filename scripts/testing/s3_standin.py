#!/usr/bin/env python3
"""An S3 stand-in for what SeaweedFS cannot be made to do.

Bucket `cut-bucket`: the first GET of an object sends half the body and
closes the connection; a GET with `Range: bytes=N-` and the right `If-Match`
gets the rest (206), a stale If-Match gets 412.

Other buckets answer like a bucket in another region: a request
signed for the wrong region gets 301 PermanentRedirect with
x-amz-bucket-region (bucket `moved-bucket`, region eu-west-1), or 400
AuthorizationHeaderMalformed naming the region in its body (bucket
`malformed-bucket`, region ap-south-1). Signed for the right region, the object
is served. Prints its port; exits when stdin closes. Signatures are not
checked here (SeaweedFS does that in the other tests): only the scope's region.
"""
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOMES = {"moved-bucket": "eu-west-1", "malformed-bucket": "ap-south-1", "cut-bucket": "us-east-1"}
BODY = b"object from its home region\n"
CUT_BODY = bytes((i * 7 + 3) % 251 for i in range(2_000_000))
CUT_ETAG = '"cafebabecafebabecafebabecafebabe-2"'



class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if self.command != "HEAD" or status != 200 else len(BODY)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        bucket = self.path.lstrip("/").split("/", 1)[0]
        home = HOMES.get(bucket)
        match = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/s3/", self.headers.get("Authorization", ""))
        region = match.group(1) if match else None
        if home is None:
            return self.answer(404, b"<Error><Code>NoSuchBucket</Code></Error>")
        if bucket == "cut-bucket":
            return self.cut()
        if region == home:
            return self.answer(200, BODY, [("ETag", '"0123456789abcdef0123456789abcdef-1"')])
        if bucket == "moved-bucket":
            body = f"<Error><Code>PermanentRedirect</Code><Message>wrong endpoint</Message><Region>{home}</Region></Error>".encode()
            return self.answer(301, body, [("x-amz-bucket-region", home), ("Content-Type", "application/xml")])
        body = (f"<Error><Code>AuthorizationHeaderMalformed</Code><Message>the region '{region}' is wrong; "
                f"expecting '{home}'</Message><Region>{home}</Region></Error>").encode()
        return self.answer(400, body, [("Content-Type", "application/xml")])

    def cut(self):
        requested = self.headers.get("Range")
        if requested is None:
            # Announce the whole object, send half, then drop the connection.
            self.send_response(200)
            self.send_header("Content-Length", str(len(CUT_BODY)))
            self.send_header("ETag", CUT_ETAG)
            self.end_headers()
            self.wfile.write(CUT_BODY[: len(CUT_BODY) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if self.headers.get("If-Match") != CUT_ETAG:
            return self.answer(412, b"<Error><Code>PreconditionFailed</Code></Error>")
        start = int(requested.split("=", 1)[1].split("-", 1)[0])
        rest = CUT_BODY[start:]
        self.send_response(206)
        self.send_header("Content-Range", f"bytes {start}-{len(CUT_BODY) - 1}/{len(CUT_BODY)}")
        self.send_header("Content-Length", str(len(rest)))
        self.send_header("ETag", CUT_ETAG)
        self.end_headers()
        self.wfile.write(rest)

    do_GET = handle_any
    do_HEAD = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
