import Foundation
import HTTPTransport
import OrderedJSON
import Testing

/// The local GameLift Streams (`scripts/testing/gamelift_emulator.py`, which
/// checks every signature with botocore) on a seed made by
/// `gamelift_seed.py`. Each instance is its own server, so tests that inject
/// faults do not disturb others. A missing Python or botocore fails loudly.
final class Emulator: @unchecked Sendable {
    static let accessKey = "AKIDEXAMPLE"
    static let secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let region = "us-west-2"

    let folder: URL
    let url: String
    let seed: JSONValue
    private let process = Process()
    private let input = Pipe()

    /// - Parameters: the seed's shape (`gamelift_seed.py`'s options).
    convenience init(sessions: Int = 1000, groups: Int = 3, seedNumber: Int = 42, bucket: String = "exports") throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-gls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let seedPath = folder.appendingPathComponent("seed.json").path
        let scripts = CommandLineTests.repositoryRoot.appendingPathComponent("scripts/testing")
        let generator = try CommandLineTests.run(
            ["python3", scripts.appendingPathComponent("gamelift_seed.py").path, "--out", seedPath,
             "--sessions", String(sessions), "--groups", String(groups), "--seed", String(seedNumber), "--bucket", bucket],
            wrapper: [], executable: "/usr/bin/env")
        guard generator.status == 0 else {
            throw EmulatorError(description: "gamelift_seed.py failed (is the test venv on PATH? run scripts/test): \(generator.stderr)")
        }
        try self.init(seedFile: seedPath, folder: folder)
    }

    /// An emulator serving `seedFile`, accepting its default key pair and `extraKeys`.
    init(seedFile: String, folder: URL, extraKeys: [(access: String, secret: String)] = []) throws {
        self.folder = folder
        seed = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: seedFile))))
        let scripts = CommandLineTests.repositoryRoot.appendingPathComponent("scripts/testing")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["python3", scripts.appendingPathComponent("gamelift_emulator.py").path, "--seed", seedFile,
                         "--region", Self.region, "--access-key", Self.accessKey, "--secret-key", Self.secretKey]
        for key in extraKeys { arguments += ["--access-key", key.access, "--secret-key", key.secret] }
        process.arguments = arguments
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line += byte
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("listening http://") else {
            try? input.fileHandleForWriting.close()
            process.terminate()
            throw EmulatorError(description: "the GameLift Streams emulator did not start (printed '\(text)'); run the tests with scripts/test")
        }
        url = String(text.dropFirst("listening ".count))
    }

    deinit { stop() }

    /// Closes stdin (the emulator exits on EOF), then SIGTERM, then SIGKILL.
    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(2)
            while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try? FileManager.default.removeItem(at: folder)
    }

    /// The environment of a client pointed at this emulator (no other AWS settings).
    func environment(secret: String = Emulator.secretKey) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in environment.keys where name.hasPrefix("AWS_") { environment[name] = nil }
        environment["AWS_ACCESS_KEY_ID"] = Self.accessKey
        environment["AWS_SECRET_ACCESS_KEY"] = secret
        environment["AWS_REGION"] = Self.region
        environment["AWS_ENDPOINT_URL_GAMELIFTSTREAMS"] = url
        environment["AWS_CONFIG_FILE"] = "/dev/null"
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        return environment
    }

    /// A call to the emulator's control API (`/_emulator/...`, not signed).
    @discardableResult
    func control(_ method: String, _ path: String, body: String? = nil) async throws -> JSONValue {
        let http = try HTTPClient()
        defer { http.shutdown() }
        let (head, bytes) = try await http.data(HTTPRequest(method: method, url: url + path,
                                                            headers: body == nil ? [] : [("Content-Type", "application/json")],
                                                            body: body.map { Array($0.utf8) }))
        guard head.status == 200 else { throw EmulatorError(description: "\(method) \(path): HTTP \(head.status)") }
        return bytes.isEmpty ? .null : try JSONParser.parse(bytes)
    }

    func injectFaults(_ rules: String) async throws {
        try await control("POST", "/_emulator/faults", body: "{\"rules\": \(rules)}")
    }

    func stats() async throws -> JSONValue {
        try await control("GET", "/_emulator/stats")
    }

    /// The stream group ids of the seed, in order.
    var streamGroupIDs: [String] {
        (seed["streamGroups"]?.arrayValue ?? []).compactMap { $0["Id"]?.stringValue }
    }

    /// Runs boto3's paginator for each argument list (the arguments of
    /// `gamelift_boto3_list.py`, without `--endpoint`) in one Python process.
    func boto3Listings(_ cases: [[String]]) throws -> [CommandLineTests.Run] {
        let script = CommandLineTests.repositoryRoot.appendingPathComponent("scripts/testing/gamelift_boto3_cases.py").path
        let input = cases.map { arguments in
            JSONValue.array((["--endpoint", url, "--region", Self.region] + arguments).map { .string($0) }).serialized(pretty: false)
        }.joined(separator: "\n") + "\n"
        let result = try CommandLineTests.run(["python3", script], wrapper: [], executable: "/usr/bin/env",
                                              environment: environment(), stdin: input)
        guard result.status == 0 else { throw EmulatorError(description: "gamelift_boto3_cases.py failed: \(result.stderr)") }
        let lines = result.stdout.split(separator: "\n")
        guard lines.count == cases.count else { throw EmulatorError(description: "gamelift_boto3_cases.py gave \(lines.count) results for \(cases.count) cases") }
        return try lines.map { line in
            let value = try JSONParser.parse(String(line))
            return CommandLineTests.Run(status: Int32(value["status"]?.intValue ?? -1), stdout: value["stdout"]?.stringValue ?? "",
                                        stderr: value["stderr"]?.stringValue ?? "")
        }
    }
}

struct EmulatorError: Error, CustomStringConvertible {
    var description: String
}
