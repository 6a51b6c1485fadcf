import Foundation
import HTTPTransport
import OrderedJSON
import Testing

/// `scripts/testing/fault_proxy.py` in front of one upstream (SeaweedFS or
/// the emulator): chosen requests fail in chosen ways, and every request is
/// counted. SIGKILLed when the test is done.
final class FaultProxy: @unchecked Sendable {
    let process = Process()
    let url: String
    private let http: HTTPClient

    /// - Parameters:
    ///   - upstream: the server to forward to.
    ///   - rules: a JSON list of rules to start with.
    ///   - tls: certificate and key files: the proxy then speaks HTTPS.
    ///   - environment: the proxy's (its rules' `exec` commands inherit it).
    init(upstream: String, rules: String = "[]", tls: (cert: String, key: String)? = nil,
         environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["python3", PipelineStack.script("fault_proxy.py"), "--upstream", upstream, "--rules", rules]
        if let tls { arguments += ["--tls-cert", tls.cert, "--tls-key", tls.key] }
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = try firstLine(of: output, from: "fault_proxy.py")
        let started = try JSONParser.parse(Array(line))
        url = try #require(started["url"]?.stringValue)
        http = try HTTPClient()
    }

    deinit { stop() }

    func stop() {
        http.shutdown()
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @discardableResult
    private func control(_ method: String, _ action: String, body: String? = nil) async throws -> JSONValue {
        let request = HTTPRequest(method: method, url: "\(url)/__fault_proxy__/\(action)",
                                  headers: body == nil ? [] : [("Content-Type", "application/json")], body: body.map { Array($0.utf8) })
        let (head, bytes) = try await http.data(request)
        guard head.status == 200 else {
            throw EmulatorError(description: "fault proxy \(action): HTTP \(head.status) \(String(decoding: bytes, as: UTF8.self))")
        }
        return try JSONParser.parse(bytes)
    }

    func add(_ rules: String) async throws { try await control("POST", "rules", body: #"{"rules": \#(rules)}"#) }
    func clear() async throws { try await control("POST", "rules/clear") }
    func reset() async throws { try await control("POST", "reset") }

    /// Every request forwarded or faulted since the last reset.
    func requests() async throws -> [JSONValue] {
        try await control("GET", "stats")["requests"]?.arrayValue ?? []
    }
}

extension JSONValue {
    /// This manifest without what differs between two runs that collected the
    /// same objects: times and how the download went (attempts, resumed bytes).
    var comparableManifest: JSONValue {
        guard case .object(var members) = self else { return self }
        members.removeAll { $0.0 == "collectedAt" }
        if let index = members.firstIndex(where: { $0.0 == "download" }), case .object(var download) = members[index].1 {
            download.removeAll { ["seconds", "attempts", "resumedBytes"].contains($0.0) }
            members[index].1 = .object(download)
        }
        return .object(members)
    }

    /// Every string with S3's `, request id …` taken out (it differs per request).
    var withoutRequestIDs: JSONValue {
        switch self {
        case .string(let text):
            .string(text.replacingOccurrences(of: ", request id [^)]*", with: "", options: .regularExpression))
        case .array(let items): .array(items.map(\.withoutRequestIDs))
        case .object(let members): .object(members.map { ($0.0, $0.1.withoutRequestIDs) })
        default: self
        }
    }
}

/// The first line a test helper process prints (its port or URL), read as it
/// arrives; the helper exiting first is an error naming it.
func firstLine(of output: Pipe, from program: String) throws -> Data {
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
        let more = output.fileHandleForReading.availableData
        guard !more.isEmpty else { throw EmulatorError(description: "\(program) did not start") }
        line += more
    }
    return line
}
