import Foundation
import Testing
@testable import HTTPTransport

/// HTTP/2 over TLS against nghttpd (Debian `nghttp2-server`, installed by
/// `scripts/test`), negotiated with ALPN; the peer is verified with a
/// throwaway CA given as the CA bundle.
@Suite("HTTP/2")
struct HTTP2Tests {
    @Test("a TLS peer offering h2 gets HTTP/2 when allowed; bodies arrive whole, the connection is reused")
    func http2() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-h2-\(UUID().uuidString.prefix(6))")
        let documents = folder.appendingPathComponent("www")
        try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let body = Data((0 ..< 3_000_000).map { UInt8(($0 * 13) % 256) })
        try body.write(to: documents.appendingPathComponent("archive.zip"))
        let certificate = folder.appendingPathComponent("cert.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                             "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        #expect(waitBounded(openssl, seconds: 30) == 0)

        let port = Int.random(in: 20_000 ... 60_000)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["nghttpd", "--address=127.0.0.1", "-d", documents.path, String(port), key, certificate]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            server.terminate()
            _ = waitBounded(server, seconds: 3)
        }
        let client = try HTTPClient(configuration: HTTPClientConfiguration(caBundlePath: certificate, allowHTTP2: true))
        defer { client.shutdown() }
        var head: HTTPResponseHead?
        var bytes: [UInt8] = []
        for _ in 0 ..< 50 where head == nil {
            do {
                (head, bytes) = try await client.data(HTTPRequest(url: "https://127.0.0.1:\(port)/archive.zip"))
            } catch {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let answer = try #require(head, "nghttpd did not answer (is nghttp2-server installed?)")
        #expect(answer.status == 200)
        #expect(answer.httpVersion == "HTTP/2")
        #expect(Data(bytes) == body)

        // Transfers one after another reuse the HTTP/2 connection.
        for _ in 0 ..< 3 {
            let (again, data) = try await client.data(HTTPRequest(url: "https://127.0.0.1:\(port)/archive.zip"))
            #expect(again.httpVersion == "HTTP/2")
            #expect(data.count == body.count)
        }
        // Concurrent transfers multiplexed on one connection are not asserted:
        // they still stall at times (the reason HTTP/2 is off by default).
    }

    /// Waits at most `seconds` for `process` (SIGKILL after that) and returns its
    /// status; never blocks without bound as `waitUntilExit` can here.
    func waitBounded(_ process: Process, seconds: Double) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            return -1
        }
        return process.terminationStatus
    }
}
