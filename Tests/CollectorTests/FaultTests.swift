import Foundation
import OrderedJSON
import Testing

/// `export-collector run` on the local stack while the network, the services
/// and the disk misbehave (scripts/testing/fault_proxy.py between the
/// collector and SeaweedFS or the emulator): the run finishes what can be
/// finished, records what cannot, and never loses or half-writes a manifest.
@Suite("faults: the network, the services and the disk misbehave during run (local stack)", .serialized)
struct FaultTests {
    /// A collected session's object, as the fixture uploaded it.
    struct Target {
        var id: String
        var key: String
        var bytes: Int
        var etag: String
        /// `file` (resolved with HeadObject) or `prefix` (with ListObjectsV2).
        var form: String
        var path: String { "/" + key }
    }

    /// The sessions the default config collects, by id.
    static func targets(_ expected: JSONValue) -> [Target] {
        (expected["sessions"]?.objectMembers ?? []).compactMap { id, session in
            guard session["expect"]?.stringValue == "collected", let key = session["key"]?.stringValue,
                  let bytes = session["archiveBytes"]?.intValue, let etag = session["etag"]?.stringValue else { return nil }
            return Target(id: id, key: key, bytes: bytes, etag: etag, form: session["uriForm"]?.stringValue ?? "")
        }.sorted { $0.id < $1.id }
    }

    /// The requests for `target`'s object (`GET` or `HEAD`) the proxy saw, in order.
    static func gets(_ requests: [JSONValue], _ target: Target, method: String = "GET") -> [JSONValue] {
        requests.filter { $0["method"]?.stringValue == method && $0["path"]?.stringValue?.removingPercentEncoding?.hasSuffix(target.path) == true }
    }

    /// Body bytes of successful answers (200, 206): what reached the `.part`.
    static func bodyBytes(_ requests: [JSONValue]) -> Int {
        requests.filter { [200, 206].contains($0["status"]?.intValue) }.reduce(0) { $0 + ($1["bodyBytes"]?.intValue ?? 0) }
    }

    /// Every session manifest of `output` parses; returns them by id.
    static func manifests(_ output: URL) -> [String: JSONValue] {
        var found: [String: JSONValue] = [:]
        for (name, data) in snapshot(output) where name.hasPrefix("sessions/") && name.hasSuffix(".json") {
            let parsed = try? JSONParser.parse(Array(data))
            #expect(parsed != nil, "half-written \(name)")
            if let parsed { found[String(name.dropFirst("sessions/".count).dropLast(".json".count))] = parsed }
        }
        return found
    }

    /// Session manifests equal apart from times, attempts and the request
    /// ids S3 puts in error messages; the run manifests' totals and rows equal.
    static func expectSameOutput(_ output: URL, as clean: URL) throws {
        let ours = manifests(output)
        let theirs = manifests(clean)
        #expect(Set(ours.keys) == Set(theirs.keys))
        for (id, manifest) in theirs {
            #expect(ours[id]?.comparableManifest.withoutRequestIDs == manifest.comparableManifest.withoutRequestIDs,
                    "\(id) differs from the clean run's")
        }
        let run = try JSONParser.parse(Array(try Data(contentsOf: output.appendingPathComponent("manifest.json"))))
        let cleanRun = try JSONParser.parse(Array(try Data(contentsOf: clean.appendingPathComponent("manifest.json"))))
        #expect(run["totals"] == cleanRun["totals"])
        #expect(run["sessions"]?.withoutRequestIDs == cleanRun["sessions"]?.withoutRequestIDs)
    }

    /// Archives kept (downloaded to files) or not (verified in memory, resumed at the stream's byte count).
    @Test("resets, stalls, 503 SlowDown, 500, truncated bodies, trickles, closes before the headers: the clean run's manifests, no byte fetched twice",
          arguments: [true, false])
    func networkFaults(keepArchives: Bool) async throws {
        let stack = try PipelineStack(sessions: 24, groups: 1, seed: 41)
        defer { stack.stop() }
        let keep: [(String, JSONValue)] = [("keepArchives", .bool(keepArchives))]
        let clean = stack.folder.appendingPathComponent("clean")
        let cleanRun = try stack.run(["--config", try stack.config(output: clean, download: keep), "--json", "--log-level", "debug"])
        #expect(cleanRun.status == 1, "\(cleanRun.stderr)")
        try RunTests.checkOutcomes(clean, expected: stack.expected)

        let targets = Self.targets(stack.expected)
        try #require(targets.count >= 8, "the fixture has \(targets.count) collectable sessions")
        // One fault per session, all in one run: the rule, the attempts the
        // manifest records, the GETs the proxy sees, the bytes resumed. A
        // connection closed before any answer counts once or twice: libcurl
        // sends the request again by itself when a reused connection dies so.
        let faults: [(rule: String, attempts: ClosedRange<Int>, requests: Int, resumed: Int)] = [
            (#""action": "reset", "bytes": 50000"#, 2 ... 2, 2, 50000),
            (#""action": "truncate", "bytes": 60000"#, 2 ... 2, 2, 60000),
            (#""action": "stall", "bytes": 40000, "seconds": 8"#, 2 ... 2, 2, 40000),
            (#""action": "status", "status": 503, "code": "SlowDown""#, 2 ... 2, 2, 0),
            (#""action": "status", "status": 500, "code": "InternalError""#, 2 ... 2, 2, 0),
            (#""action": "close""#, 1 ... 2, 2, 0),
            (#""action": "trickle", "bytes": 65536, "chunk": 4096, "rate": 131072"#, 1 ... 1, 1, 0),
        ]
        // Resolving fails once too (HeadObject answered 500), and the listing twice.
        let resolved = try #require(targets.dropFirst(faults.count).first { $0.form == "file" })
        let rules = zip(faults, targets).map { fault, target in #"{"method": "GET", "path": "\#(target.path)", \#(fault.rule)}"# }
            + [#"{"method": "HEAD", "path": "\#(resolved.path)", "action": "status", "status": 500}"#]
        let s3 = try FaultProxy(upstream: try #require(stack.s3["EC_S3_ENDPOINT"]), rules: "[\(rules.joined(separator: ","))]")
        defer { s3.stop() }
        let service = try FaultProxy(upstream: stack.emulator.url, rules: #"""
            [{"method": "GET", "path": "/streamsessions", "action": "reset", "bytes": 20},
             {"method": "GET", "path": "/streamsessions", "after": 1, "action": "status", "status": 500,
              "code": "InternalServerException", "format": "json"}]
            """#)
        defer { service.stop() }
        var environment = stack.environment
        environment["AWS_ENDPOINT_URL_S3"] = s3.url
        environment["AWS_ENDPOINT_URL_GAMELIFTSTREAMS"] = service.url
        let output = stack.folder.appendingPathComponent("faulted")
        let config = try stack.config(output: output, download: [("stallTimeoutSeconds", .int(2))] + keep)
        let started = Date()
        let faulted = try CommandLineTests.run(["run", "--no-progress", "--config", config, "--json", "--log-level", "debug"],
                                               environment: environment, timeout: 120)
        // Without archives to keep, every collected archive was verified in memory.
        let inMemory = faulted.stderr.split(separator: "\n").filter { $0.contains("verified in memory") }.count
        #expect(keepArchives ? inMemory == 0 : inMemory >= targets.count, "\(inMemory) of \(targets.count) verified in memory")
        let seconds = Date().timeIntervalSince(started)
        #expect(faulted.status == cleanRun.status, "\(faulted.stderr)")
        try RunTests.checkOutcomes(output, expected: stack.expected)
        try Self.expectSameOutput(output, as: clean)
        RunTests.noLeftovers(output)

        let requests = try await s3.requests()
        for (fault, target) in zip(faults, targets) {
            let manifest = try RunTests.manifest(output, target.id)
            #expect(fault.attempts.contains(manifest["download"]?["attempts"]?.intValue ?? 0), "\(fault.rule): attempts")
            #expect(manifest["download"]?["resumedBytes"]?.intValue == fault.resumed, "\(fault.rule): resumedBytes")
            let gets = Self.gets(requests, target)
            #expect(gets.count == fault.requests, "\(fault.rule): \(gets.count) GETs")
            #expect(gets.first?["fault"]?.stringValue != nil, "\(fault.rule): the fault did not fire")
            // Completed bytes were not fetched again: the bodies add up to the object.
            #expect(Self.bodyBytes(gets) == target.bytes, "\(fault.rule): \(Self.bodyBytes(gets)) body bytes for \(target.bytes)")
            if fault.resumed > 0 {
                #expect(gets.last?["range"]?.stringValue == "bytes=\(fault.resumed)-", "\(fault.rule)")
                #expect(gets.last?["ifMatch"]?.stringValue == target.etag, "\(fault.rule)")
                #expect(gets.last?["status"]?.intValue == 206, "\(fault.rule)")
            }
        }
        #expect(Self.gets(requests, resolved, method: "HEAD").map { $0["status"]?.intValue } == [500, 200])
        // Every other archive was fetched exactly once.
        for target in targets.dropFirst(faults.count) {
            #expect(Self.gets(requests, target).count == 1, "\(target.id)")
        }
        let listings = try await service.requests().filter { $0["path"]?.stringValue?.hasSuffix("/streamsessions") == true }
        #expect(listings.count == 3, "listing requests: \(listings.count)")
        // The stall was noticed after stallTimeoutSeconds (2), not the default 30.
        let stalled = try RunTests.manifest(output, targets[2].id)
        #expect((stalled["download"]?["seconds"]?.doubleValue ?? 99) < 20, "the stalled download took \(stalled["download"]?["seconds"] ?? .null) s")
        print("network faults survived: \(faults.count) on downloads, 1 on resolve, 2 on the listing; faulted run \(String(format: "%.1f", seconds)) s")
    }

    @Test("a presigned URL that expired before S3 saw it is presigned again and the download goes on")
    func presignedURLExpires() async throws {
        let stack = try PipelineStack(sessions: 15, groups: 1, seed: 42)
        defer { stack.stop() }
        let target = try #require(Self.targets(stack.expected).first)
        // The request waits at the proxy longer than the URL lives.
        let s3 = try FaultProxy(upstream: try #require(stack.s3["EC_S3_ENDPOINT"]),
                                rules: #"[{"method": "GET", "path": "\#(target.path)", "action": "delay", "seconds": 5}]"#)
        defer { s3.stop() }
        var environment = stack.environment
        environment["AWS_ENDPOINT_URL_S3"] = s3.url
        let output = stack.folder.appendingPathComponent("presigned")
        let config = try stack.config(output: output, download: [("via", .string("presigned")), ("presignExpiresSeconds", .int(3))])
        let result = try CommandLineTests.run(["run", "--no-progress", "--config", config, "--json"], environment: environment, timeout: 120)
        #expect(result.status == 1, "\(result.stderr)")
        try RunTests.checkOutcomes(output, expected: stack.expected)
        let manifest = try RunTests.manifest(output, target.id)
        #expect(manifest["download"]?["via"]?.stringValue == "presigned")
        #expect(manifest["download"]?["attempts"]?.intValue == 2)
        let gets = Self.gets(try await s3.requests(), target)
        #expect(gets.map { $0["status"]?.intValue } == [403, 200])
        // A new URL, not the expired one again.
        #expect(gets.count == 2 && gets[0]["signature"] != gets[1]["signature"])
    }

    @Test("an object replaced during its download: If-Match fails (412), the download restarts, the manifest has the new ETag",
          arguments: [true, false])
    func objectReplacedMidDownload(keepArchives: Bool) async throws {
        let stack = try PipelineStack(sessions: 15, groups: 1, seed: 43)
        defer { stack.stop() }
        let target = try #require(Self.targets(stack.expected).first)
        // 30,000 bytes of the old object, then the fixture uploads a new one, then the connection resets.
        let replace = JSONValue.array(["/usr/bin/env", "python3", PipelineStack.script("pipeline_fixture.py"), "--out", stack.folder.path,
                                       "--replace", target.id].map { .string($0) }).serialized(pretty: false)
        let s3 = try FaultProxy(upstream: try #require(stack.s3["EC_S3_ENDPOINT"]),
                                rules: #"[{"method": "GET", "path": "\#(target.path)", "action": "reset", "bytes": 30000, "exec": \#(replace)}]"#)
        defer { s3.stop() }
        var environment = stack.environment
        environment["AWS_ENDPOINT_URL_S3"] = s3.url
        let output = stack.folder.appendingPathComponent("replaced")
        let config = try stack.config(output: output, download: [("keepArchives", .bool(keepArchives))])
        let result = try CommandLineTests.run(["run", "--no-progress", "--config", config, "--json"],
                                              environment: environment, timeout: 120)
        #expect(result.status == 1, "\(result.stderr)")
        let expected = try stack.reloadExpected()
        let newETag = try #require(expected["sessions"]?[target.id]?["etag"]?.stringValue)
        #expect(newETag != target.etag, "the object was not replaced")
        try RunTests.checkOutcomes(output, expected: expected)
        let manifest = try RunTests.manifest(output, target.id)
        #expect(manifest["source"]?["etag"]?.stringValue == newETag)
        #expect(manifest["download"]?["resumedBytes"]?.intValue == 0)
        #expect(manifest["download"]?["attempts"]?.intValue == 3)
        let gets = Self.gets(try await s3.requests(), target)
        #expect(gets.map { $0["status"]?.intValue } == [200, 412, 200])
        if gets.count == 3 {
            #expect(gets[1]["range"]?.stringValue == "bytes=30000-")
            #expect(gets[1]["ifMatch"]?.stringValue == target.etag)
            #expect(gets[2]["range"] == .null)
            #expect(gets[2]["etag"]?.stringValue == newETag)
        }
        RunTests.noLeftovers(output)
    }

    @Test("credentials the service calls expired mid-run are fetched again once and the run goes on")
    func credentialsExpireMidRun() async throws {
        let stack = try PipelineStack(sessions: 15, groups: 1, seed: 44)
        defer { stack.stop() }
        let readOnly = try #require(ProcessInfo.processInfo.environment["EC_S3_READONLY_ACCESS_KEY"])
        let readOnlySecret = try #require(ProcessInfo.processInfo.environment["EC_S3_READONLY_SECRET_KEY"])
        let admin = try #require(stack.s3["EC_S3_ACCESS_KEY"])
        let adminSecret = try #require(stack.s3["EC_S3_SECRET_KEY"])
        // The container endpoint hands out the read-only keys first, then the admin keys.
        let metadata = try MetadataServer(keyPairs: [[readOnly, readOnlySecret], [admin, adminSecret]])
        defer { metadata.stop() }
        let emulatorFolder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-gls-\(UUID().uuidString.prefix(8))")
        let emulator = try Emulator(seedFile: stack.folder.appendingPathComponent("seed.json").path, folder: emulatorFolder,
                                    extraKeys: [(admin, adminSecret), (readOnly, readOnlySecret)])
        defer { emulator.stop() }
        // After one GET S3 calls the first keys' session expired. (GETs only:
        // a HEAD's error has no body to name ExpiredToken in.)
        let s3 = try FaultProxy(upstream: try #require(stack.s3["EC_S3_ENDPOINT"]), rules: #"""
            [{"method": "GET", "header": ["Authorization", "Credential=\#(readOnly)/"], "after": 1, "count": -1, "action": "status",
              "status": 400, "code": "ExpiredToken", "message": "The provided token has expired."}]
            """#)
        defer { s3.stop() }
        var environment = emulator.environment()
        environment["AWS_ACCESS_KEY_ID"] = nil
        environment["AWS_SECRET_ACCESS_KEY"] = nil
        environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "\(metadata.url)/ecs/credentials"
        environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "container-authorization-token"
        environment["AWS_ENDPOINT_URL_S3"] = s3.url
        let output = stack.folder.appendingPathComponent("rotated")
        // One session at a time, so exactly one request meets the expired keys.
        let config = try stack.config(output: output, download: [("concurrency", .int(1))])
        let result = try CommandLineTests.run(["run", "--no-progress", "--config", config, "--json"], environment: environment, timeout: 120)
        #expect(result.status == 1, "\(result.stderr)")
        try RunTests.checkOutcomes(output, expected: stack.expected)
        let requests = try await s3.requests()
        #expect(requests.filter { $0["fault"] != .null }.count == 1)
        #expect(try metadata.issued() == 2, "the credentials were not fetched exactly twice")
    }

    @Test("a listing token the service rejects: one clear error, exit 3, nothing half-written")
    func rejectedListingToken() async throws {
        let stack = try PipelineStack(sessions: 15, groups: 1, seed: 45)
        defer { stack.stop() }
        // The first page carries a NextToken the service never issued.
        let service = try FaultProxy(upstream: stack.emulator.url, rules: #"""
            [{"method": "GET", "path": "/streamsessions", "action": "patch_json", "json": {"NextToken": "bm90LWEtdG9rZW4tdGhlLXNlcnZpY2UtaXNzdWVk"}}]
            """#)
        defer { service.stop() }
        var environment = stack.environment
        environment["AWS_ENDPOINT_URL_GAMELIFTSTREAMS"] = service.url
        let output = stack.folder.appendingPathComponent("rejected")
        let result = try CommandLineTests.run(["run", "--no-progress", "--config", try stack.config(output: output), "--json"],
                                              environment: environment, timeout: 120)
        #expect(result.status == 3, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n").filter { $0.hasPrefix("error: cannot list stream sessions") }
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(lines.first?.contains("NextToken") == true, "\(result.stderr)")
        let listings = try await service.requests().filter { $0["path"]?.stringValue?.hasSuffix("/streamsessions") == true }
        #expect(listings.map { $0["status"]?.intValue } == [200, 400], "the rejected token was retried or not sent")
        // Whatever was written is whole: manifests parse, no temp or .part file.
        _ = Self.manifests(output)
        RunTests.noLeftovers(output)
        if let summary = try? JSONParser.parse(result.stdout) {
            #expect(summary["exitCode"]?.intValue == 3)
        }
    }

    @Test("the disk fills up while archives are written: those sessions fail with kind io, the others and every manifest stay whole; the next run finishes")
    func diskFull() async throws {
        let stack = try PipelineStack(sessions: 20, groups: 1, seed: 46)
        defer { stack.stop() }
        let output = stack.folder.appendingPathComponent("full")
        let archives = output.appendingPathComponent("archives")
        try FileManager.default.createDirectory(at: archives, withIntermediateDirectories: true)
        // A 600 KB tmpfs for the archives (about three of them): needs root (the
        // test machine and CI run as root); anything else fails here, loudly.
        let mount = try CommandLineTests.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", archives.path], executable: "/usr/bin/env")
        try #require(mount.status == 0, "cannot mount a tmpfs for the disk-full test: \(mount.stderr)")
        defer { _ = try? CommandLineTests.run(["umount", "-l", archives.path], executable: "/usr/bin/env") }
        let config = try stack.config(output: output, download: [("concurrency", .int(2))])

        let full = try stack.run(["--config", config, "--json"], timeout: 120)
        #expect(full.status == 1, "\(full.stderr)")
        let manifests = Self.manifests(output)
        let targets = Self.targets(stack.expected)
        let failedIO = targets.filter { manifests[$0.id]?["error"]?["kind"]?.stringValue == "io" }
        let collected = targets.filter { manifests[$0.id]?["status"]?.stringValue == "collected" }
        #expect(!failedIO.isEmpty, "no session ran out of space")
        #expect(!collected.isEmpty, "no session was collected before the disk filled")
        #expect(failedIO.count + collected.count == targets.count)
        for target in failedIO {
            #expect(manifests[target.id]?["error"]?["stage"]?.stringValue == "fetch", "\(target.id)")
            #expect(manifests[target.id]?["status"]?.stringValue == "failed", "\(target.id)")
        }
        for target in collected {
            #expect(manifests[target.id]?["archive"]?["archive"]?["sha256"]?.stringValue
                == stack.expected["sessions"]?[target.id]?["archiveSha256"]?.stringValue, "\(target.id)")
            #expect(FileManager.default.fileExists(atPath: archives.appendingPathComponent("\(target.id).zip").path))
        }
        #expect(full.stderr.contains("No space left on device"), "\(full.stderr)")

        // Space freed: the next run collects the rest and leaves the rest alone.
        let before = snapshot(output)
        let grow = try CommandLineTests.run(["mount", "-o", "remount,size=64m", archives.path], executable: "/usr/bin/env")
        try #require(grow.status == 0, "\(grow.stderr)")
        let again = try stack.run(["--config", config, "--json"], timeout: 120)
        #expect(again.status == 1, "\(again.stderr)")
        try RunTests.checkOutcomes(output, expected: stack.expected)
        RunTests.noLeftovers(output)
        for target in collected {
            #expect(snapshot(output)["sessions/\(target.id).json"] == before["sessions/\(target.id).json"], "\(target.id) rewritten")
        }
        print("disk full: \(failedIO.count) sessions failed with io, \(collected.count) collected before; all collected after")
    }
}

/// `scripts/testing/metadata_server.py` handing out given key pairs as
/// container credentials, in order.
final class MetadataServer: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    let url: String

    init(keyPairs: [[String]]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", PipelineStack.script("metadata_server.py")]
        var environment = ProcessInfo.processInfo.environment
        environment["METADATA_KEY_PAIRS"] = JSONValue.array(keyPairs.map { .array($0.map { .string($0) }) }).serialized(pretty: false)
        process.environment = environment
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = try firstLine(of: output, from: "metadata_server.py")
        let port = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        url = "http://127.0.0.1:\(port)"
    }

    deinit { stop() }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// How many container credentials it handed out.
    func issued() throws -> Int {
        let result = try CommandLineTests.run(["-s", "\(url)/stats"], executable: "/usr/bin/curl")
        return try JSONParser.parse(result.stdout)["ecs"]?.intValue ?? 0
    }
}
