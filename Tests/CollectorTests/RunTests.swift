import Foundation
import OrderedJSON
import Testing
@testable import Collector

/// The local stack of one end-to-end test: SeaweedFS (started by
/// `scripts/test`, `EC_S3_*`) seeded by `scripts/testing/pipeline_fixture.py`
/// with sessions and their archives, and a GameLift Streams emulator listing
/// them; the expected outcome of every session in `expected.json`.
final class PipelineStack: @unchecked Sendable {
    let folder: URL
    let emulator: Emulator
    let expected: JSONValue
    let s3: [String: String]

    init(sessions: Int = 30, groups: Int = 2, seed: Int = 1, archiveMB: Double = 0.2) throws {
        s3 = try FetchTests.stack()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-run-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let fixture = try CommandLineTests.run(
            ["python3", Self.script("pipeline_fixture.py"), "--out", folder.path, "--sessions", String(sessions),
             "--groups", String(groups), "--seed", String(seed), "--archive-mb", String(archiveMB), "--region", Emulator.region,
             // Its own key prefix: stacks of tests running at once share one SeaweedFS.
             "--key-prefix", "exports-\(folder.lastPathComponent)/"],
            executable: "/usr/bin/env", environment: ProcessInfo.processInfo.environment, timeout: 300)
        guard fixture.status == 0 else { throw EmulatorError(description: "pipeline_fixture.py failed: \(fixture.stderr)") }
        expected = try JSONParser.parse(Array(try Data(contentsOf: folder.appendingPathComponent("expected.json"))))
        emulator = try Emulator(seedFile: folder.appendingPathComponent("seed.json").path, folder: folder.appendingPathComponent("gls"),
                                extraKeys: [(s3["EC_S3_ACCESS_KEY"] ?? "", s3["EC_S3_SECRET_KEY"] ?? "")])
    }

    deinit { stop() }

    func stop() {
        emulator.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    static func script(_ name: String) -> String {
        CommandLineTests.repositoryRoot.appendingPathComponent("scripts/testing/\(name)").path
    }

    /// Credentials and endpoints of both services.
    var environment: [String: String] {
        var environment = emulator.environment(secret: s3["EC_S3_SECRET_KEY"] ?? "")
        environment["AWS_ACCESS_KEY_ID"] = s3["EC_S3_ACCESS_KEY"]
        environment["AWS_ENDPOINT_URL_S3"] = s3["EC_S3_ENDPOINT"]
        return environment
    }

    var streamGroups: [String] { expected["streamGroups"]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    /// Writes a pipeline.json (extra members merged over the defaults) and returns its path.
    func config(output: URL, _ extra: [(String, JSONValue)] = [], source: [(String, JSONValue)] = [],
                download: [(String, JSONValue)] = [], index: [(String, JSONValue)] = []) throws -> String {
        let document = JSONValue.object([
            ("region", .string(Emulator.region)),
            ("source", .object([("streamGroups", .array(streamGroups.map { .string($0) }))] + source)),
            ("download", .object((download.contains { $0.0 == "concurrency" } ? [] : [("concurrency", .int(4))]) + download)),
            ("index", .object(index)),
            ("output", .object([("dir", .string(output.path))])),
        ] + extra)
        let path = folder.appendingPathComponent("pipeline-\(UUID().uuidString.prefix(6)).json").path
        try document.serialized().write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func run(_ arguments: [String], timeout: Double = 300) throws -> CommandLineTests.Run {
        try CommandLineTests.run(["run", "--no-progress"] + arguments, environment: environment, timeout: timeout)
    }

    func replace(_ sessionID: String) throws {
        let result = try CommandLineTests.run(["python3", Self.script("pipeline_fixture.py"), "--out", folder.path, "--replace", sessionID],
                                              executable: "/usr/bin/env", environment: ProcessInfo.processInfo.environment)
        guard result.status == 0 else { throw EmulatorError(description: "pipeline_fixture.py --replace failed: \(result.stderr)") }
    }

    func reloadExpected() throws -> JSONValue {
        try JSONParser.parse(Array(try Data(contentsOf: folder.appendingPathComponent("expected.json"))))
    }
}

/// Reads every file under `folder`, relative path → bytes.
func snapshot(_ folder: URL) -> [String: Data] {
    var files: [String: Data] = [:]
    let base = folder.path.count + 1
    if let walker = FileManager.default.enumerator(atPath: folder.path) {
        for case let relative as String in walker {
            let path = folder.path + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[String(path.dropFirst(base))] = FileManager.default.contents(atPath: path)
            }
        }
    }
    return files
}

@Suite("export-collector run (end to end on the local stack)", .serialized)
struct RunTests {
    static func manifest(_ folder: URL, _ sessionID: String) throws -> JSONValue {
        try JSONParser.parse(Array(try Data(contentsOf: folder.appendingPathComponent("sessions/\(sessionID).json"))))
    }

    /// Every listed session has the outcome expected.json names: status, error
    /// stage and kind, archive and entry SHA-256s against the uploaded bytes.
    static func checkOutcomes(_ output: URL, expected: JSONValue, key: String = "expect") throws {
        let sessions = try #require(expected["sessions"]?.objectMembers)
        for (id, session) in sessions {
            let expect = session[key]?.stringValue
            let path = output.appendingPathComponent("sessions/\(id).json").path
            if expect == "not_listed" {
                #expect(!FileManager.default.fileExists(atPath: path), "\(id) should not be listed")
                continue
            }
            let manifest = try manifest(output, id)
            #expect(manifest["status"]?.stringValue == expect, "\(id) (\(session["case"]?.stringValue ?? "")): \(manifest["error"].map { $0.serialized(pretty: false) } ?? "")")
            #expect(manifest["sessionId"]?.stringValue == id)
            #expect(manifest["streamGroupId"]?.stringValue == session["streamGroupId"]?.stringValue)
            if expect == "failed" {
                #expect(manifest["error"]?["stage"]?.stringValue == session["stage"]?.stringValue, "\(id)")
                #expect(manifest["error"]?["kind"]?.stringValue == session["kind"]?.stringValue, "\(id)")
            }
            if expect == "export_failed" {
                #expect(manifest["session"]?["ExportFilesMetadata"]?["StatusReason"]?.stringValue != nil, "\(id)")
            }
            if expect == "collected" {
                #expect(manifest["error"] == .null)
                #expect(manifest["source"]?["etag"]?.stringValue == session["etag"]?.stringValue, "\(id)")
                #expect(manifest["source"]?["key"]?.stringValue == session["key"]?.stringValue, "\(id)")
                #expect(manifest["archive"]?["archive"]?["sha256"]?.stringValue == session["archiveSha256"]?.stringValue, "\(id)")
                let entries = Dictionary((manifest["archive"]?["entries"]?.arrayValue ?? []).compactMap { entry -> (String, String?)? in
                    guard let path = entry["path"]?.stringValue else { return nil }
                    return (path, entry["sha256"]?.stringValue)
                }, uniquingKeysWith: { first, _ in first })
                let expectedEntries = session["entries"]?.objectMembers ?? []
                #expect(entries.count == expectedEntries.count, "\(id)")
                for (path, sha) in expectedEntries { #expect(entries[path] == sha.stringValue, "\(id) \(path)") }
                if let perf = session["perfStats"], perf != .null {
                    #expect(manifest["perfStats"]?["samples"]?.intValue == perf["samples"]?.intValue, "\(id) perfStats")
                    #expect(manifest["perfStats"]?["durationSeconds"]?.doubleValue == perf["durationSeconds"]?.doubleValue, "\(id) duration")
                    for (column, stats) in perf["columns"]?.objectMembers ?? [] {
                        let ours = manifest["perfStats"]?["columns"]?[column]
                        #expect(ours?["min"]?.doubleValue == stats["min"]?.doubleValue, "\(id) \(column) min")
                        #expect(ours?["max"]?.doubleValue == stats["max"]?.doubleValue, "\(id) \(column) max")
                        if let mean = stats["mean"]?.doubleValue, let ourMean = ours?["mean"]?.doubleValue {
                            #expect(abs(mean - ourMean) < 0.001, "\(id) \(column) mean")
                        }
                    }
                }
            }
        }
    }

    /// Blocks (polling every millisecond, off the cooperative pool's timers)
    /// until `count` session manifests were written after `since`, or the
    /// process ended.
    static func waitForRewrittenManifests(_ output: URL, count: Int, since: Date, while process: Process) {
        guard count > 0 else { return }
        let folder = output.appendingPathComponent("sessions").path
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning, Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            let rewritten = names.filter { name in
                guard name.hasSuffix(".json"),
                      let modified = (try? FileManager.default.attributesOfItem(atPath: folder + "/" + name))?[.modificationDate] as? Date
                else { return false }
                return modified >= since
            }
            if rewritten.count >= count { return }
            usleep(1000)
        }
    }

    /// No temp file, `.part` or work folder is left after a run that finished.
    static func noLeftovers(_ output: URL) {
        let leftovers = snapshot(output).keys.filter { $0.contains(".tmp-") || $0.hasSuffix(".part") || $0.hasPrefix(".work/") }
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
    }

    @Test("a run, a second run, a replaced archive, a killed run: complete, incremental, consistent")
    func endToEnd() async throws {
        let stack = try PipelineStack(sessions: 30, groups: 2, seed: 21)
        defer { stack.stop() }
        let output = stack.folder.appendingPathComponent("collected")
        let config = try stack.config(output: output)
        // Throttled listing pages: the run still lists everything.
        try await stack.emulator.injectFaults(#"[{"operation": "ListStreamSessions", "fault": "throttle", "count": 2}]"#)

        // First run: every session as expected; exit 1 (some fail on purpose).
        let first = try stack.run(["--config", config, "--json"])
        #expect(first.status == 1, "\(first.stderr)")
        let summary = try JSONParser.parse(first.stdout)
        let totals = try #require(stack.expected["totals"])
        #expect(summary["listed"]?.intValue == totals["listed"]?.intValue)
        #expect(summary["collected"]?.intValue == totals["collected"]?.intValue)
        #expect(summary["failed"]?.intValue == totals["failed"]?.intValue)
        try Self.checkOutcomes(output, expected: stack.expected)
        let run = try JSONParser.parse(Array(try Data(contentsOf: output.appendingPathComponent("manifest.json"))))
        #expect(run["totals"]?["collected"]?.intValue == totals["collected"]?.intValue)
        #expect(run["totals"]?["failed"]?.intValue == totals["failed"]?.intValue)
        #expect(run["sessions"]?.arrayValue?.count == totals["listed"]?.intValue)
        for name in ["report.html", "summary.md", "entries.csv", "entries.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), "\(name)")
        }
        // One error line per failed session on stderr.
        #expect(first.stderr.split(separator: "\n").filter { $0.hasPrefix("error: session ") }.count == totals["failed"]?.intValue)
        Self.noLeftovers(output)
        // The traversal entry was not written anywhere.
        #expect(!FileManager.default.fileExists(atPath: stack.folder.appendingPathComponent("etc/evil.txt").path))

        // Second run: nothing collected again; collected manifests and archives
        // untouched; the S3 requests counted at a proxy in front of SeaweedFS.
        let before = snapshot(output)
        let proxy = try RemoteIndexTests.CountingProxy()
        defer { proxy.stop() }
        var proxied = stack.environment
        proxied["AWS_ENDPOINT_URL_S3"] = proxy.url
        let second = try CommandLineTests.run(["run", "--no-progress", "--config", config, "--json"], environment: proxied, timeout: 300)
        let requests = (try await proxy.control("stats"))["requests"] as? [[String: Any]] ?? []
        let gets = requests.filter { ($0["method"] as? String) == "GET" && (($0["path"] as? String) ?? "").hasSuffix(".zip") }
        // Only the archives that failed verification are fetched again (failed sessions are retried).
        let retried = (stack.expected["sessions"]?.objectMembers ?? []).filter {
            $0.1["expect"]?.stringValue == "failed" && $0.1["stage"]?.stringValue == "index"
        }.compactMap { $0.1["key"]?.stringValue }
        #expect(gets.count == retried.count, "archive GETs on the second run: \(gets.compactMap { $0["path"] as? String })")
        for get in gets {
            let path = (get["path"] as? String ?? "").removingPercentEncoding ?? ""
            #expect(retried.contains { path.hasSuffix($0) }, "fetched again: \(path)")
        }
        #expect(second.status == 1)
        let again = try JSONParser.parse(second.stdout)
        #expect(again["collected"]?.intValue == 0)
        #expect(again["unchanged"]?.intValue == totals["collected"]?.intValue)
        let after = snapshot(output)
        let collectedIDs = (stack.expected["sessions"]?.objectMembers ?? []).filter { $0.1["expect"]?.stringValue == "collected" }.map(\.0)
        for id in collectedIDs {
            #expect(before["sessions/\(id).json"] == after["sessions/\(id).json"], "\(id) manifest changed")
            #expect(before["archives/\(id).zip"] == after["archives/\(id).zip"], "\(id) archive changed")
        }

        // Replace one archive: only that session is collected again.
        let replaced = try #require(collectedIDs.sorted().first)
        try stack.replace(replaced)
        let third = try stack.run(["--config", config, "--json"])
        let thirdSummary = try JSONParser.parse(third.stdout)
        #expect(thirdSummary["collected"]?.intValue == 1)
        let newExpected = try stack.reloadExpected()
        #expect(try Self.manifest(output, replaced)["source"]?["etag"]?.stringValue == newExpected["sessions"]?[replaced]?["etag"]?.stringValue)
        #expect(try Self.manifest(output, replaced)["archive"]?["archive"]?["sha256"]?.stringValue
            == newExpected["sessions"]?[replaced]?["archiveSha256"]?.stringValue)
        let afterReplace = snapshot(output)
        for id in collectedIDs where id != replaced {
            #expect(after["sessions/\(id).json"] == afterReplace["sessions/\(id).json"], "\(id) manifest changed")
        }

        // Killed mid-run (SIGKILL), then run again: complete and consistent.
        // The moments are points in the run's progress, not in time, so a
        // loaded machine cannot let the run finish first: while listing (no
        // manifest rewritten yet), and after the 1st, 7th and 14th manifest it
        // rewrites (one download at a time, so each is mid-transfer or mid-index
        // of the next).
        let slowConfig = try stack.config(output: output, download: [("concurrency", .int(1))])
        var killedMidRun = 0
        for moment in [0, 1, 7, 14] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLineTests.binary)
            process.arguments = ["run", "--config", slowConfig, "--force", "--no-progress"]
            process.environment = stack.environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let started = Date()
            try process.run()
            Self.waitForRewrittenManifests(output, count: moment, since: started, while: process)
            kill(process.processIdentifier, SIGKILL)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
            if process.terminationReason == .uncaughtSignal {
                killedMidRun += 1
            } else {
                Issue.record("the forced run ended by itself with status \(process.terminationStatus) before manifest \(moment)")
            }
            for (name, data) in snapshot(output) where name.hasPrefix("sessions/") && name.hasSuffix(".json") {
                #expect((try? JSONParser.parse(Array(data))) != nil, "half-written \(name) after SIGKILL at manifest \(moment)")
            }
            let resumed = try stack.run(["--config", config, "--json"])
            #expect(resumed.status == 1, "\(resumed.stderr)")
            try Self.checkOutcomes(output, expected: newExpected)
            Self.noLeftovers(output)
            let runManifest = try JSONParser.parse(Array(try Data(contentsOf: output.appendingPathComponent("manifest.json"))))
            let ids = runManifest["sessions"]?.arrayValue?.compactMap { $0["sessionId"]?.stringValue } ?? []
            #expect(ids.count == Set(ids).count, "duplicated session rows")
            #expect(ids.count == totals["listed"]?.intValue)
        }
        #expect(killedMidRun >= 3, "the forced runs finished before they could be killed")
    }

    @Test("failed exports are recorded with the service's reason when asked; presigned downloads; archives not kept")
    func failedExportsAndPresigned() throws {
        let stack = try PipelineStack(sessions: 16, groups: 2, seed: 22)
        defer { stack.stop() }
        let output = stack.folder.appendingPathComponent("out")
        let config = try stack.config(output: output, source: [("includeFailedExports", .bool(true))],
                                      download: [("via", .string("presigned")), ("keepArchives", .bool(false))],
                                      index: [("extract", .array([.string("logs/*")]))])
        let result = try stack.run(["--config", config, "--json"])
        #expect(result.status == 1, "\(result.stderr)")
        try Self.checkOutcomes(output, expected: stack.expected, key: "expectWithFailedExports")
        let files = snapshot(output)
        #expect(!files.keys.contains { $0.hasPrefix("archives/") && $0.hasSuffix(".zip") }, "archives kept")
        let collected = (stack.expected["sessions"]?.objectMembers ?? []).filter { $0.1["expect"]?.stringValue == "collected" }.map(\.0)
        for id in collected {
            #expect(files.keys.contains("files/\(id)/logs/application.log"), "\(id) logs not extracted")
            #expect(!files.keys.contains("files/\(id)/stats/perf_stats_v1.csv"), "\(id) extracted more than asked")
            #expect(try Self.manifest(output, id)["download"]?["via"]?.stringValue == "presigned")
        }
        #expect(!result.stderr.contains("X-Amz-Signature="), "a presigned URL reached the log")
    }

    @Test("index.mode listing: every archive's entry list from its tail, a small fraction of the bytes, no archive kept")
    func listingMode() async throws {
        let stack = try PipelineStack(sessions: 15, groups: 1, seed: 24, archiveMB: 2)
        defer { stack.stop() }
        let output = stack.folder.appendingPathComponent("listing")
        let proxy = try RemoteIndexTests.CountingProxy()
        defer { proxy.stop() }
        var proxied = stack.environment
        proxied["AWS_ENDPOINT_URL_S3"] = proxy.url
        let config = try stack.config(output: output, index: [("mode", .string("listing"))])
        let result = try CommandLineTests.run(["run", "--no-progress", "--config", config, "--json"], environment: proxied)
        #expect(result.status == 1, "\(result.stderr)")
        var archiveBytes = 0
        for (id, session) in stack.expected["sessions"]?.objectMembers ?? [] {
            let expect = session["expect"]?.stringValue
            guard expect != "not_listed" else { continue }
            let manifest = try Self.manifest(output, id)
            let kind = session["case"]?.stringValue
            if expect == "collected" || kind == "corrupt" {
                // A bad CRC needs the data: a listing cannot see it.
                #expect(manifest["status"]?.stringValue == "collected", "\(id) \(kind ?? "")")
                #expect(manifest["archive"]?["mode"]?.stringValue == "listing")
                let entries = manifest["archive"]?["entries"]?.arrayValue ?? []
                #expect(Set(entries.compactMap { $0["path"]?.stringValue }) == Set((session["entries"]?.objectMembers ?? []).map(\.0)), "\(id)")
                #expect(entries.allSatisfy { $0["verified"] == .bool(false) && $0["sha256"] == .null })
                archiveBytes += session["archiveBytes"]?.intValue ?? 0
            } else if kind == "traversal" {
                #expect(manifest["status"]?.stringValue == "failed")
                #expect(manifest["error"]?["kind"]?.stringValue == "path_traversal")
            }
        }
        let stats = try await proxy.control("stats")
        let sent = stats["bodyBytes"] as? Int ?? Int.max
        // At most the 65,633-byte suffix (the central directories are small
        // here) per listed archive, plus headers; a small fraction of the archives.
        let listed = result.stdout.isEmpty ? 0 : (try JSONParser.parse(result.stdout))["listed"]?.intValue ?? 0
        #expect(archiveBytes > 5_000_000)
        #expect(sent <= listed * (65_633 + 4096), "\(sent) bytes sent for \(listed) sessions")
        #expect(sent * 10 < archiveBytes, "\(sent) bytes sent for \(archiveBytes) bytes of archives")
        #expect(!snapshot(output).keys.contains { $0.hasPrefix("archives/") && $0.hasSuffix(".zip") })
        let bad = try stack.config(output: output, index: [("mode", .string("listing")), ("extract", .array([.string("logs/*")]))])
        let refused = try stack.run(["--config", bad])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("index.extract"))
    }

    @Test("--dry-run lists what would be collected and writes nothing")
    func dryRun() throws {
        let stack = try PipelineStack(sessions: 15, groups: 1, seed: 23)
        defer { stack.stop() }
        let output = stack.folder.appendingPathComponent("dry")
        let result = try stack.run(["--config", try stack.config(output: output), "--dry-run"])
        #expect(result.stdout.hasPrefix("dry run: nothing was downloaded or written"))
        #expect(result.stdout.contains("to collect"))
        #expect(!FileManager.default.fileExists(atPath: output.path))
    }

    @Test("an invalid pipeline.json: exit 2 with the key path, nothing done")
    func invalidConfigs() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-cfg-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cases: [(String, String)] = [
            (#"{"source": {"streamGroups": ["sg-1", 7]}}"#, "source.streamGroups[1]"),
            (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"concurrency": 0}}"#, "download.concurrency"),
            (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"viaa": "signed"}}"#, "download.viaa"),
            (#"{"source": {"streamGroups": ["sg-1"]},}"#, "line 1"),
            (#"{}"#, "source"),
        ]
        for (text, keyPath) in cases {
            let path = folder.appendingPathComponent("p.json").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let result = try CommandLineTests.run(["run", "--config", path, "--no-progress"], environment: ["PATH": "/usr/bin:/bin"])
            #expect(result.status == 2, "\(text): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: invalid configuration ("), "\(text): \(result.stderr)")
            #expect(result.stderr.contains(keyPath), "\(text): \(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("collected").path))
        }
        let missing = try CommandLineTests.run(["run", "--config", folder.appendingPathComponent("nope.json").path])
        #expect(missing.status == 2)
    }

    @Test("two runs on one output folder: the second stops at the lock with a clear message")
    func lock() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-lock-\(UUID().uuidString.prefix(6))")
        let output = OutputFolder(root: folder.path)
        try output.prepare()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("p.json").path
        try #"{"source": {"streamGroups": ["sg-1"]}, "output": {"dir": "\#(folder.path)"}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let result = try CommandLineTests.run(["run", "--config", config, "--no-progress"],
                                              environment: ["PATH": "/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED": "true"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("another export-collector run is writing"))
        #expect(result.stderr.contains("pid \(getpid())"))
    }
}

@Suite("scripts/collect-after-sessions")
struct CollectAfterSessionsTests {
    @Test("passes the run's exit code through, keeps a dated log and summary, refuses a second run on the same config")
    func wrapper() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-cas-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = CommandLineTests.repositoryRoot.appendingPathComponent("scripts/collect-after-sessions").path
        let config = folder.appendingPathComponent("pipeline.json").path
        try #"{"source": {"streamGroups": ["sg-1"]}, "download": {"concurrency": 0}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let logs = folder.appendingPathComponent("logs").path
        let environment = ["PATH": "/usr/bin:/bin", "EC_BIN": CommandLineTests.binary, "HOME": folder.path]
        let bad = try CommandLineTests.run([script, "--config", config, "--log-dir", logs], executable: "/bin/bash", environment: environment)
        #expect(bad.status == 2, "\(bad.stderr)")
        let logFiles = snapshot(URL(fileURLWithPath: logs)).filter { $0.key.hasSuffix(".log") }
        #expect(logFiles.count == 1)
        #expect(logFiles.values.first.map { String(decoding: $0, as: UTF8.self).contains("download.concurrency") } == true)

        // A second start while the first holds the lock exits 75 at once.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/bin/bash")
        let lockName = try CommandLineTests.run(["-c", "printf '%s' \"$(realpath \(config))\" | sha256sum | cut -c1-16"],
                                                executable: "/bin/bash").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        holder.arguments = ["-c", "exec 9>\(logs)/.\(lockName).lock; flock 9; sleep 5"]
        try holder.run()
        defer { holder.terminate() }
        Thread.sleep(forTimeInterval: 0.5)
        let busy = try CommandLineTests.run([script, "--config", config, "--log-dir", logs], executable: "/bin/bash", environment: environment)
        #expect(busy.status == 75, "\(busy.stderr)")
        #expect(busy.stderr.contains("still going"))
    }
}
