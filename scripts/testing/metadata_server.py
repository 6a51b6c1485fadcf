#!/usr/bin/env python3
"""A small stand-in for the EC2 instance metadata service (IMDSv2) and the ECS
container credentials endpoint, for the credential provider tests.

Binds 127.0.0.1 on a free port, prints the port on stdout, and exits when its
standard input closes (so it stops with its parent).

  PUT /latest/api/token                        needs X-aws-ec2-metadata-token-ttl-seconds
  GET /latest/meta-data/iam/security-credentials/        needs the token: the role name
  GET /latest/meta-data/iam/security-credentials/ROLE    needs the token: credentials JSON
  GET /ecs/credentials                         needs Authorization: the container token
  GET /stats                                   request counts, as JSON
Credentials expire EXPIRES_IN seconds after issue (argv[1], default 3600).
METADATA_KEY_PAIRS (environment, a JSON list of [accessKeyId, secret]) makes
the n-th issue of a kind hand out the n-th pair (the last one again after the
end) without a session token: keys a local S3 knows, for tests of credentials
that are rotated mid-run.
"""
import datetime
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EXPIRES_IN = int(sys.argv[1]) if len(sys.argv) > 1 else 3600
TOKEN = "imds-session-token-for-tests"
ROLE = "collector-instance-role"
CONTAINER_TOKEN = "container-authorization-token"
KEY_PAIRS = json.loads(os.environ.get("METADATA_KEY_PAIRS") or "[]")
counts = {}
lock = threading.Lock()


def credentials(prefix):
    with lock:
        counts[prefix] = counts.get(prefix, 0) + 1
        serial = counts[prefix]
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=EXPIRES_IN)
    if KEY_PAIRS:
        access, secret = KEY_PAIRS[min(serial, len(KEY_PAIRS)) - 1]
        return {"Code": "Success", "AccessKeyId": access, "SecretAccessKey": secret,
                "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return {
        "Code": "Success",
        "AccessKeyId": f"ASIA{prefix.upper()}{serial:04d}",
        "SecretAccessKey": f"{prefix}-secret-{serial}",
        "Token": f"{prefix}-session-token-{serial}",
        "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.send(200, TOKEN)
        return self.send(400, "missing ttl")

    def do_GET(self):
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path.startswith(base):
            if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
                return self.send(401, "token required")
            role = self.path[len(base):]
            if role == "":
                return self.send(200, ROLE)
            if role == ROLE:
                return self.send(200, json.dumps(credentials("imds")), "application/json")
            return self.send(404, "no such role")
        if self.path == "/ecs/credentials":
            if self.headers.get("Authorization") != CONTAINER_TOKEN:
                return self.send(403, "bad authorization")
            return self.send(200, json.dumps(credentials("ecs")), "application/json")
        if self.path == "/stats":
            with lock:
                return self.send(200, json.dumps(counts), "application/json")
        return self.send(404, "not found")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
server.shutdown()
