import Foundation

/// nghttpd (Debian `nghttp2-server`, installed by `scripts/test`) serving a
/// folder over TLS with a throwaway certificate for 127.0.0.1, which the
/// client is given as its CA bundle. HTTP/2 is negotiated with ALPN.
final class H2Server: Sendable {
    let port: Int
    let certificatePath: String
    private let folder: URL
    private let process: Process

    func url(_ name: String) -> String { "https://127.0.0.1:\(port)/\(name)" }

    /// Starts nghttpd serving `files` (name → body). Fails when nghttpd or
    /// openssl is missing or no port could be bound.
    static func start(files: [String: Data]) throws -> H2Server {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-h2-\(UUID().uuidString.prefix(8))")
        let documents = folder.appendingPathComponent("www")
        try FileManager.default.createDirectory(at: documents, withIntermediateDirectories: true)
        for (name, body) in files {
            try body.write(to: documents.appendingPathComponent(name))
        }
        let certificate = folder.appendingPathComponent("cert.pem").path
        let key = folder.appendingPathComponent("key.pem").path
        let openssl = try launch(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                                  "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate])
        guard waitBounded(openssl, seconds: 30) == 0 else {
            try? FileManager.default.removeItem(at: folder)
            throw LocalServer.ServerError(message: "openssl could not make a certificate")
        }
        // A random port may be taken: nghttpd then exits at once; try another.
        for _ in 0 ..< 5 {
            let port = Int.random(in: 20_000 ... 60_000)
            let server = try launch(["nghttpd", "--address=127.0.0.1", "-d", documents.path, String(port), key, certificate])
            if waitListening(port: port, process: server, seconds: 10) {
                return H2Server(port: port, certificatePath: certificate, folder: folder, process: server)
            }
            server.terminate()
            _ = waitBounded(server, seconds: 3)
        }
        try? FileManager.default.removeItem(at: folder)
        throw LocalServer.ServerError(message: "nghttpd did not start (is nghttp2-server installed?)")
    }

    private init(port: Int, certificatePath: String, folder: URL, process: Process) {
        self.port = port
        self.certificatePath = certificatePath
        self.folder = folder
        self.process = process
    }

    func stop() {
        process.terminate()
        _ = waitBounded(process, seconds: 3)
        try? FileManager.default.removeItem(at: folder)
    }

    private static func launch(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// True once something accepts TCP connections on `port`, false when
    /// `process` exited or `seconds` passed first.
    private static func waitListening(port: Int, process: Process, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, process.isRunning {
            if canConnect(port: port) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    private static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
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
