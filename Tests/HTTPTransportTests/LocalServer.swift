import Foundation
import Testing

/// A real HTTP/1.1 server on loopback (Python's `ThreadingHTTPServer`),
/// started once around the HTTP suites by `LocalServerTrait` and stopped
/// after them. A machine without python3 fails these tests; it does not skip.
final class LocalServer: Sendable {
    @TaskLocal static var current: LocalServer?

    let port: Int
    /// The same routes over TLS, with a certificate for 127.0.0.1 signed by
    /// nobody but itself (`certificatePath`).
    let tlsPort: Int
    /// A forwarding HTTP proxy (absolute-form requests, no CONNECT) that
    /// records the URLs it forwarded; see `proxiedCount(containing:)`.
    let proxyPort: Int
    let certificatePath: String
    private let directory: URL
    private let process: Process
    private let stdin: Pipe

    var base: String { "http://127.0.0.1:\(port)" }

    func url(_ path: String) -> String { base + path }

    func tlsURL(_ path: String) -> String { "https://127.0.0.1:\(tlsPort)" + path }

    var proxyURL: String { "http://127.0.0.1:\(proxyPort)" }

    static func start() throws -> LocalServer {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("httptransport-server-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = directory.appendingPathComponent("server.py")
        try serverScript.write(to: script, atomically: true, encoding: .utf8)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        try run("openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", certificate,
        ])

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, certificate, key]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()

        // The first line on stdout is the port; python imports and binds quickly.
        var line = Data()
        let reader = stdout.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let ports = String(decoding: line, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard ports.count == 3 else {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
            throw ServerError(message: "python3 test server did not report its ports (exit status \(Int(process.terminationStatus)))")
        }
        return LocalServer(ports: (ports[0], ports[1], ports[2]), certificatePath: certificate, directory: directory, process: process, stdin: stdin)
    }

    private init(ports: (Int, Int, Int), certificatePath: String, directory: URL, process: Process, stdin: Pipe) {
        (port, tlsPort, proxyPort) = ports
        self.certificatePath = certificatePath
        self.directory = directory
        self.process = process
        self.stdin = stdin
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ServerError(message: "\(tool) failed with exit status \(process.terminationStatus)")
        }
    }

    /// Stops the server: closing its stdin ends it; SIGKILL if it lingers.
    func stop() {
        try? stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
    }

    struct ServerError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    static let serverScript = #"""
import hashlib, http.client, json, os, socket, ssl, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

BLOCK = bytes((i * 7 + (i >> 8)) & 0xFF for i in range(1 << 16))

def pattern(size):
    """Deterministic body of `size` bytes, in 64 KiB blocks."""
    full, rest = divmod(size, len(BLOCK))
    for _ in range(full):
        yield BLOCK
    if rest:
        yield BLOCK[:rest]

_hashes = {}
def pattern_sha256(size):
    if size not in _hashes:
        h = hashlib.sha256()
        for chunk in pattern(size):
            h.update(chunk)
        _hashes[size] = h.hexdigest()
    return _hashes[size]

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self):
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        if path == "/fixed":
            self.send(200, b"hello, world\n", [("Content-Type", "text/plain"), ("X-Test", "one"), ("X-Test", "two")])
        elif path == "/large":
            size = int(query.get("size", 50 * 1024 * 1024))
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.send_header("X-Content-SHA256", pattern_sha256(size))
            self.end_headers()
            if self.command != "HEAD":
                for chunk in pattern(size):
                    self.wfile.write(chunk)
        elif path.startswith("/status/"):
            status = int(path.rsplit("/", 1)[1])
            code = query.get("code", "SomeError")
            if query.get("format") == "xml":
                body = f"<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>status {status}</Message></Error>".encode()
                self.send(status, body, [("Content-Type", "application/xml")])
            else:
                body = json.dumps({"__type": code, "message": f"status {status}"}).encode()
                self.send(status, body, [("Content-Type", "application/x-amz-json-1.1")])
        elif path == "/echo":
            body = self.read_body()
            reply = {
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.hex(),
                "clientPort": self.client_address[1],
            }
            self.send(200, json.dumps(reply).encode(), [("Content-Type", "application/json")])
        elif path == "/redirect-ftp":
            self.send(302, b"", [("Location", "ftp://127.0.0.1/file")])
        elif path == "/redirect":
            self.send(302, b"moved", [("Location", "/fixed")])
        elif path == "/stall":
            # Headers and a little body, then nothing for a long time.
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.wfile.flush()
            time.sleep(float(query.get("seconds", 10)))
        elif path == "/slow":
            # Keeps moving (never stalled) but never finishes soon.
            count = int(query.get("count", 100))
            self.send_response(200)
            self.send_header("Content-Length", str(count))
            self.end_headers()
            try:
                for _ in range(count):
                    self.wfile.write(b"y")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        elif path == "/truncate":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"z" * 500)
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif path == "/nobody":
            self.send(204)
        else:
            self.send(404, b"no such route\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any

PROXIED = []
PROXIED_LOCK = threading.Lock()
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"}

class ProxyHandler(BaseHTTPRequestHandler):
    """Forwards absolute-form requests (GET http://host:port/path) to their
    origin and records each URL; an origin-form GET /count?token=T asks how
    many forwarded URLs contained T."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        target = urlsplit(self.path)
        if not target.scheme:
            if target.path == "/count":
                token = parse_qs(target.query).get("token", [""])[0]
                with PROXIED_LOCK:
                    count = sum(1 for url in PROXIED if token and token in url)
                self.reply(200, str(count).encode())
            else:
                self.reply(400, b"not a proxy request\n")
            return
        with PROXIED_LOCK:
            PROXIED.append(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname, target.port or 80, timeout=30)
        try:
            upstream.request(self.command, target.path + ("?" + target.query if target.query else ""), body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
        finally:
            upstream.close()
        kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP and k.lower() != "content-length"]
        self.reply(response.status, data, kept + [("Via", "1.1 test-proxy")])

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_any

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # Clients that hang up early are what several tests do on purpose.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

def main():
    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tls = Server(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    tls.socket = context.wrap_socket(tls.socket, server_side=True)
    threading.Thread(target=tls.serve_forever, daemon=True).start()
    proxy = Server(("127.0.0.1", 0), ProxyHandler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    print(server.server_address[1], tls.server_address[1], proxy.server_address[1], flush=True)
    # The test process holds our stdin: when it goes away, so do we.
    sys.stdin.read()
    os._exit(0)

main()
"""#
}

/// Starts one `LocalServer` around a whole suite and stops it afterwards.
struct LocalServerTrait: SuiteTrait, TestScoping {
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        let server = try LocalServer.start()
        defer { server.stop() }
        try await LocalServer.$current.withValue(server) {
            try await function()
        }
    }
}

extension Trait where Self == LocalServerTrait {
    /// Runs the suite against a fresh local HTTP server.
    static var localServer: Self { LocalServerTrait() }
}

/// The server of the running suite.
func server() throws -> LocalServer {
    try #require(LocalServer.current, "no local server: add the .localServer trait to the suite")
}
