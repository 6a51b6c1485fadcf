import Foundation
import HTTPTransport
import Testing

/// Real local endpoints for the providers: the metadata stand-in
/// (`scripts/testing/metadata_server.py`) and moto's server for STS. Each test
/// starts its own and stops it (closing stdin, then SIGTERM).
final class LocalProcess: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    let port: Int

    /// Starts `arguments` and reads the port from the first line it prints.
    init(printingPort arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line += byte
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw EndpointError(description: "\(arguments.joined(separator: " ")) printed no port")
        }
        self.port = port
    }

    /// Starts a server on a port chosen here and waits until it accepts connections.
    init(listening arguments: (Int) -> [String]) throws {
        port = try freePort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments(port)
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !canConnect(port) {
            guard Date() < deadline, process.isRunning else {
                process.terminate()
                throw EndpointError(description: "\(arguments(port).joined(separator: " ")) did not start listening")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    deinit { stop() }

    /// Closes stdin, then SIGTERM, then SIGKILL after two seconds: never waits without bound.
    func stop() {
        try? input.fileHandleForWriting.close()
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

struct EndpointError: Error, CustomStringConvertible {
    var description: String
}

/// The repository root, derived from this file's path.
let repositoryRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0 ..< 3 { url.deleteLastPathComponent() }
    return url
}()

func metadataServer(expiresIn seconds: Int = 3600) throws -> LocalProcess {
    try LocalProcess(printingPort: ["python3", repositoryRoot.appendingPathComponent("scripts/testing/metadata_server.py").path, String(seconds)])
}

/// moto's server speaks STS (AssumeRole, AssumeRoleWithWebIdentity). It comes
/// with the test venv (`scripts/test` installs it); a missing moto fails the test.
func motoServer() throws -> LocalProcess {
    try LocalProcess(listening: { ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String($0)] })
}

func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw EndpointError(description: "socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw EndpointError(description: "bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

func canConnect(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// A temp folder holding config files for one test.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ec-creds-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// An environment with nothing that reaches outside this machine: IMDS off,
/// HOME pointing at an empty folder.
func isolatedEnvironment(home: URL, _ extra: [String: String] = [:]) -> [String: String] {
    ["HOME": home.path, "AWS_EC2_METADATA_DISABLED": "true",
     "AWS_CONFIG_FILE": home.appendingPathComponent("config").path,
     "AWS_SHARED_CREDENTIALS_FILE": home.appendingPathComponent("credentials").path].merging(extra) { _, new in new }
}
