import Foundation
import Testing
@testable import Collector
import OrderedJSON

/// `export-collector report DIR` and the files it writes, on session
/// manifests generated here: every status and error stage, hostile and
/// Unicode names, a session of 200 entries, perf stats present and absent.
/// The HTML is also opened in a real headless Chromium.
@Suite("report")
struct ReportTests {
    // MARK: Fixtures

    /// Names that try to break out of HTML text, attributes, the JSON script
    /// blocks, CSV cells and Markdown tables. Each injected script would mark
    /// `<body data-pwned=...>`, which the browser test looks for.
    static let hostilePaths = [
        "<script>document.body.setAttribute('data-pwned','1')</script>.log",
        "\"><img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">",
        "</script><script>document.body.setAttribute('data-pwned','3')</script>",
        "<!--<script>x</script>",
        "evil\u{202E}gpj.exe",
        "nul\u{0}byte\u{7}bell.txt",
        "=HYPERLINK(\"http://example.invalid\",\"click\")",
        "+1+1", "-2", "@SUM(1)", "\tTAB.txt",
        "line\nbreak, comma \"quote\" | pipe.txt",
    ]
    static let hostileUser = "<b onmouseover=alert(1)>user</b>'\""
    static let hostileSessionId = "x\"><svg onload=document.body.setAttribute('data-pwned','4')>"
    static let unicodePaths = ["日本語/ログ.txt", "سجل/ملف.txt", "🎮/save.dat", "Ünïcødé/ﬁle.txt"]

    static func entry(_ path: String, bytes: Int = 6000, error: (String, String)? = nil) -> JSONValue {
        let digest = String(repeating: String(format: "%02x", path.utf8.count % 256), count: 32)
        return .object([
            ("path", .string(path)), ("type", .string(path.hasSuffix("/") ? "directory" : "file")),
            ("method", .string("deflate")), ("compressedBytes", .int(Int64(bytes / 10))), ("bytes", .int(Int64(bytes))),
            ("crc32", .string("1c291ca3")), ("sha256", error == nil ? .string(digest) : .null),
            ("modified", .string("2026-11-28T21:04:05Z")), ("mode", .string("0644")), ("encrypted", .bool(false)),
            ("status", .string(error == nil ? "ok" : "error")),
            ("error", error.map { .object([("kind", .string($0.0)), ("message", .string($0.1))]) } ?? .null),
        ])
    }

    static func perf(cpuP95: Double, memoryMax: Double, gpu: Bool = false) -> JSONValue {
        func stats(_ mean: Double, _ p95: Double, _ max: Double) -> JSONValue {
            .object([("min", .int(0)), ("mean", .double(mean)), ("p95", .double(p95)), ("max", .double(max))])
        }
        var columns: [(String, JSONValue)] = [
            ("timestamp", stats(1, 2, 3)),
            ("cpu_percent", stats(cpuP95 / 2, cpuP95, cpuP95 + 1)),
            ("Memory_MB", stats(memoryMax / 2, memoryMax * 0.9, memoryMax)),
        ]
        if gpu {
            columns.append(("gpu_util", stats(30, 55.5, 70)))
            columns.append(("GPU_Memory_MB", stats(900, 1000, 1234)))
        }
        return .object([("samples", .int(3600)), ("durationSeconds", .int(3599)), ("columns", .object(columns))])
    }

    struct Spec {
        var id: String
        var status: String
        var created: String? = "2026-11-28T20:00:00Z"
        var entries: [JSONValue]? = nil
        var findings: [JSONValue] = []
        var error: (String, String, String)? = nil
        var perf: JSONValue = .null
        var bytes: Int? = nil
        var user = "user-1"
        var exportReason: String? = nil
        var statusReason = "apiTerminated"
        var archiveError: (String, String)? = nil
    }

    static func manifest(_ spec: Spec) -> JSONValue {
        let exportMetadata: JSONValue = spec.status == "export_failed"
            ? .object([("Status", .string("FAILED"))] + (spec.exportReason.map { [("StatusReason", JSONValue.string($0))] } ?? []))
            : .object([("Status", .string("SUCCEEDED")), ("OutputUri", .string("s3://bucket/\(spec.id).zip"))])
        var session: [(String, JSONValue)] = [
            ("Arn", .string("arn:aws:gameliftstreams:us-west-2:111122223333:streamsession/sg-1AB2C3De4/\(spec.id)")),
            ("UserId", .string(spec.user)), ("Status", .string("TERMINATED")), ("StatusReason", .string(spec.statusReason)),
            ("Protocol", .string("WebRTC")), ("LastUpdatedAt", .string("2026-11-28T21:04:05Z")),
        ]
        if let created = spec.created { session.append(("CreatedAt", .string(created))) }
        session += [
            ("ApplicationArn", .string("arn:aws:gameliftstreams:us-west-2:111122223333:application/a-9ZY8X7Wv6")),
            ("ExportFilesMetadata", exportMetadata), ("Location", .string("us-west-2")),
        ]
        var archive: JSONValue = .null
        var source: JSONValue = .null
        if let entries = spec.entries {
            let bytes = Int64(spec.bytes ?? 1000 + entries.count * 100)
            source = .object([("outputUri", .string("s3://bucket/\(spec.id).zip")), ("bucket", .string("bucket")), ("key", .string("\(spec.id).zip")),
                              ("etag", .string("\"abc\"")), ("versionId", .null), ("bytes", .int(bytes))])
            let failed = spec.archiveError != nil || entries.contains { $0["status"]?.stringValue != "ok" }
            archive = .object([
                ("archive", .object([("path", .string("archives/\(spec.id).zip")), ("bytes", .int(bytes)),
                                     ("sha256", .string(String(repeating: "ab", count: 32))), ("entryCount", .int(Int64(entries.count))),
                                     ("comment", .string(""))])),
                ("status", .string(failed ? "error" : "ok")),
                ("error", spec.archiveError.map { .object([("kind", .string($0.0)), ("message", .string($0.1))]) } ?? .null),
                ("entries", .array(entries)),
                ("findings", .array(spec.findings)),
            ])
        }
        return .object([
            ("schemaVersion", .int(1)), ("sessionId", .string(spec.id)), ("streamGroupId", .string("sg-1AB2C3De4")),
            ("session", .object(session)), ("source", source),
            ("download", spec.entries == nil ? .null : .object([("attempts", .int(1)), ("resumedBytes", .int(0)), ("seconds", .double(0.4))])),
            ("archive", archive), ("perfStats", spec.perf), ("status", .string(spec.status)),
            ("error", spec.error.map { .object([("stage", .string($0.0)), ("kind", .string($0.1)), ("message", .string($0.2))]) } ?? .null),
            ("collectedAt", .string("2026-11-29T10:00:00Z")),
        ])
    }

    static func finding(_ kind: String, _ path: String) -> JSONValue {
        .object([("kind", .string(kind)), ("path", .string(path)), ("message", .string("\(kind) at \(path)"))])
    }

    /// Twenty sessions; `expected` below is what the run manifest must say about them.
    static let specs: [Spec] = {
        var specs: [Spec] = [
            Spec(id: "ok01", status: "collected", entries: [entry("logs/app.log"), entry("stats/perf_stats_v1.csv"), entry("saves/")],
                 perf: perf(cpuP95: 80, memoryMax: 4096, gpu: true), bytes: 5_000_000),
            Spec(id: "ok02-notes", status: "collected", created: "2026-11-27T08:30:00.5Z", entries: [entry("a.txt"), entry("b.txt")],
                 findings: [finding("trailing_data", "")], bytes: 20_000),
            Spec(id: "big200", status: "collected", created: "2026-11-26T10:00:00Z",
                 entries: (0 ..< 200).map { entry(String(format: "logs/part-%03d.log", $0), bytes: 1000 + $0) },
                 perf: perf(cpuP95: 99, memoryMax: 8000), bytes: 9_000_000),
            Spec(id: "hostile", status: "collected", created: "2026-11-25T10:00:00Z", entries: hostilePaths.map { entry($0) },
                 perf: perf(cpuP95: 10, memoryMax: 512), bytes: 70_000, user: hostileUser),
            Spec(id: "unicode", status: "collected", created: "2026-11-24T10:00:00+02:00", entries: unicodePaths.map { entry($0) },
                 bytes: 30_000, user: "ユーザー"),
            Spec(id: "fail-resolve", status: "failed", error: ("resolve", "not_found", "no object under s3://bucket/prefix/ names the session")),
            Spec(id: "fail-fetch", status: "failed", error: ("fetch", "timeout", "connection timed out | after 5 attempts\nlast: 503")),
            Spec(id: "fail-index", status: "failed", entries: [entry("ok.log"), entry("bad.log", error: ("checksum", "CRC-32 00000000, expected 1c291ca3")), entry("../escape.txt")],
                 findings: [finding("path_traversal", "../escape.txt")], error: ("index", "unsafe_archive", "path_traversal: ../escape.txt"),
                 perf: perf(cpuP95: 50, memoryMax: 2048), bytes: 4000),
            Spec(id: "fail-truncated", status: "failed", entries: [], error: ("index", "truncated", "the archive ends inside the central directory"),
                 bytes: 512, archiveError: ("truncated", "the archive ends inside the central directory")),
            Spec(id: "fail-publish", status: "failed", error: ("publish", "io", "No space left on device")),
            Spec(id: "export-failed-1", status: "export_failed", exportReason: "The export ran out of space"),
            Spec(id: "export-failed-2", status: "export_failed", statusReason: "internalError"),
            Spec(id: "skipped-1", status: "skipped"),
            Spec(id: "skipped-2", status: "skipped", created: nil),
            Spec(id: hostileSessionId, status: "collected", created: "2026-11-23T10:00:00Z", entries: [entry("x.log")], bytes: 1234),
            Spec(id: "no-created", status: "collected", created: nil, entries: [entry("y.log")], perf: .null, bytes: 2345),
            Spec(id: "empty-archive", status: "collected", entries: [], bytes: 22),
        ]
        for index in 1 ... 3 {
            specs.append(Spec(id: "ok-late-\(index)", status: "collected", created: "2026-11-2\(index)T1\(index):00:00Z",
                              entries: [entry("logs/app.log", bytes: 100 * index)], perf: perf(cpuP95: 20.0 * Double(index), memoryMax: 1000),
                              bytes: 100_000 * index))
        }
        return specs
    }()

    /// Entries in all collected sessions (the run manifest's `entries`).
    static var collectedEntries: Int { specs.filter { $0.status == "collected" }.reduce(0) { $0 + ($1.entries?.count ?? 0) } }
    static var collectedBytes: Int { specs.filter { $0.status == "collected" }.reduce(0) { $0 + ($1.bytes ?? 0) } }
    /// One CSV/JSONL row per entry, one for each session without entries.
    static var entryRows: Int { specs.reduce(0) { $0 + max(1, $1.entries?.count ?? 0) } }

    /// A fresh output folder holding the fixtures' session manifests; file
    /// names are safe even when the session id is not.
    static func makeFolder(extra: [String: String] = [:]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-report-\(UUID().uuidString)")
        let sessions = folder.appendingPathComponent("sessions")
        try FileManager.default.createDirectory(at: sessions, withIntermediateDirectories: true)
        for (position, spec) in specs.enumerated() {
            let name = spec.id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } ? spec.id : "session-\(position)"
            try Data(manifest(spec).serialized(pretty: true).utf8).write(to: sessions.appendingPathComponent("\(name).json"))
        }
        for (name, text) in extra {
            try Data(text.utf8).write(to: sessions.appendingPathComponent(name))
        }
        return folder
    }

    static func read(_ folder: URL, _ name: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
    }

    static func runReport(_ folder: URL, _ arguments: [String] = []) throws -> CommandLineTests.Run {
        try CommandLineTests.run(["report", folder.path] + arguments, timeout: 120)
    }

    // MARK: Run manifest

    @Test("the run manifest: totals, one row per session sorted by id, stable across runs")
    func runManifest() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try Self.runReport(folder)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.isEmpty)
        let manifest = try JSONParser.parse(try Self.read(folder, "manifest.json"))
        #expect(manifest["schemaVersion"]?.intValue == 1)
        #expect(manifest["generatedAt"]?.stringValue?.hasSuffix("Z") == true)
        let totals = try #require(manifest["totals"])
        #expect(totals["sessions"]?.intValue == 20)
        #expect(totals["collected"]?.intValue == 11)
        #expect(totals["failed"]?.intValue == 5)
        #expect(totals["skipped"]?.intValue == 2)
        #expect(totals["exportFailed"]?.intValue == 2)
        #expect(totals["archiveBytes"]?.intValue == Self.collectedBytes)
        #expect(totals["entries"]?.intValue == Self.collectedEntries)
        #expect(totals["findings"]?.intValue == 2)
        #expect(totals["failedEntries"]?.intValue == 1)

        let rows = try #require(manifest["sessions"]?.arrayValue)
        #expect(rows.count == 20)
        let ids = rows.compactMap { $0["sessionId"]?.stringValue }
        #expect(ids == ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        let keys = try #require(rows.first?.objectMembers?.map(\.0))
        #expect(Array(keys.prefix(6)) == ["sessionId", "status", "archiveSha256", "entryCount", "bytes", "error"])
        let fetch = try #require(rows.first { $0["sessionId"]?.stringValue == "fail-fetch" })
        #expect(fetch["status"]?.stringValue == "failed")
        #expect(fetch["error"]?["stage"]?.stringValue == "fetch")
        #expect(fetch["bytes"] == .null && fetch["archiveSha256"] == .null && fetch["entryCount"] == .null)
        let big = try #require(rows.first { $0["sessionId"]?.stringValue == "big200" })
        #expect(big["entryCount"]?.intValue == 200)
        #expect(big["bytes"]?.intValue == 9_000_000)
        #expect(big["archiveSha256"]?.stringValue == String(repeating: "ab", count: 32))
        #expect(big["error"] == .null)

        // A second run over the same sessions: equal apart from generatedAt.
        Thread.sleep(forTimeInterval: 1.1)
        let second = try Self.runReport(folder, ["--json"])
        #expect(second.status == 0)
        let again = try JSONParser.parse(try Self.read(folder, "manifest.json"))
        func withoutTime(_ value: JSONValue) -> JSONValue {
            .object((value.objectMembers ?? []).filter { $0.0 != "generatedAt" })
        }
        #expect(withoutTime(again) == withoutTime(manifest))
        #expect(again["generatedAt"] != manifest["generatedAt"])
        // --json prints the totals.
        #expect(try JSONParser.parse(second.stdout) == totals)
    }

    @Test("RunManifest.build reads any member liberally and never traps")
    func liberalBuild() {
        let odd: [JSONValue] = [
            .object([("sessionId", .string("b")), ("status", .string("collected")), ("archive", .string("not an object")),
                     ("perfStats", .array([])), ("session", .int(3))]),
            .object([("sessionId", .string("a")), ("status", .string("failed")), ("error", .string("boom")),
                     ("archive", .object([("archive", .object([("bytes", .int(-5)), ("entryCount", .string("9"))])),
                                          ("entries", .object([])), ("findings", .array([.int(1), .null]))]))]),
            .object([("sessionId", .int(7))]),
            .null, .array([]), .string("x"),
        ]
        let run = RunManifest.build(sessions: odd, generatedAt: "2026-11-29T10:00:00Z")
        #expect(run["totals"]?["sessions"]?.intValue == 6)
        #expect(run["totals"]?["collected"]?.intValue == 1)
        #expect(run["totals"]?["archiveBytes"]?.intValue == 0)
        let rows = run["sessions"]?.arrayValue ?? []
        #expect(rows.count == 6)
        #expect(rows.contains { $0["sessionId"]?.stringValue == "a" && $0["error"] == .null })
        // The writers take the same input without trapping.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-report-odd-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: Never.self) {
            try ReportWriter.write(run: run, sessions: odd, to: folder.path, formats: Set(ReportFormat.allCases))
        }
    }

    // MARK: CSV and JSON Lines

    @Test("entries.csv: RFC 4180 that Python's csv module reads back, formula cells guarded")
    func csv() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.runReport(folder, ["--formats", "csv"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.html").path))
        let script = """
            import csv, json, sys
            with open(sys.argv[1], newline='', encoding='utf-8') as f:
                rows = list(csv.reader(f, strict=True))
            print(json.dumps({"header": rows[0], "rows": rows[1:]}))
            """
        let python = try CommandLineTests.run(["python3", "-c", script, folder.appendingPathComponent("entries.csv").path],
                                              executable: "/usr/bin/env", timeout: 60)
        #expect(python.status == 0, "\(python.stderr)")
        let parsed = try JSONParser.parse(python.stdout)
        let header = parsed["header"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(header == EntryTables.columns)
        let rows = (parsed["rows"]?.arrayValue ?? []).map { $0.arrayValue?.compactMap(\.stringValue) ?? [] }
        #expect(rows.count == Self.entryRows)
        #expect(rows.allSatisfy { $0.count == header.count })
        let hostile = rows.filter { $0[0] == "hostile" }.map { $0[4] }
        #expect(hostile.count == Self.hostilePaths.count)
        for path in Self.hostilePaths {
            var expected = path.replacingOccurrences(of: "\u{0}", with: "\u{2400}")
            if let first = expected.first, "=+-@\t\r".contains(first) { expected = "'" + expected }
            #expect(hostile.contains(expected), "\(path.debugDescription)")
        }
        #expect(hostile.contains("'=HYPERLINK(\"http://example.invalid\",\"click\")"))
        // Every session appears; one without entries has empty entry columns.
        #expect(Set(rows.map { $0[0] }).count == 20)
        let resolve = try #require(rows.first { $0[0] == "fail-resolve" })
        #expect(resolve[2] == "failed" && resolve[4...].allSatisfy(\.isEmpty))
        let bad = try #require(rows.first { $0[0] == "fail-index" && $0[4] == "bad.log" })
        #expect(bad[13] == "error" && bad[14] == "checksum")
        // The hostile session id starts with no formula character but holds quotes.
        #expect(rows.contains { $0[0] == Self.hostileSessionId })
        let raw = try Self.read(folder, "entries.csv")
        #expect(raw.hasSuffix("\r\n") && !raw.hasPrefix("\u{FEFF}"))
    }

    @Test("entries.jsonl: one typed object per entry, exact values")
    func jsonLines() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.runReport(folder, ["--formats", "jsonl,markdown"]).status == 0)
        let lines = try Self.read(folder, "entries.jsonl").split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "")
        let objects = try lines.dropLast().map { try JSONParser.parse(String($0)) }
        #expect(objects.count == Self.entryRows)
        #expect(objects.allSatisfy { $0.objectMembers?.map(\.0) == EntryTables.columns })
        let paths = objects.filter { $0["sessionId"]?.stringValue == "hostile" }.compactMap { $0["path"]?.stringValue }
        #expect(paths == Self.hostilePaths)
        let big = objects.filter { $0["sessionId"]?.stringValue == "big200" }
        #expect(big.count == 200)
        #expect(big.first?["bytes"] == .int(1000))
        #expect(big.first?["compressedBytes"] == .int(100))
        let skipped = try #require(objects.first { $0["sessionId"]?.stringValue == "skipped-1" })
        #expect(skipped["path"] == .null && skipped["bytes"] == .null && skipped["sessionStatus"]?.stringValue == "skipped")
    }

    @Test("streamed reports keep session id order whatever the file names, and leave no spool or temp files")
    func streamedOrder() throws {
        // The hostile session's file is not named after it, so its rows must
        // move (a second pass); a duplicate and a malformed file are skipped.
        let folder = try Self.makeFolder(extra: [
            "aaa-renamed.json": Self.manifest(Spec(id: "zz-last", status: "collected", entries: [Self.entry("z.log")], bytes: 10)).serialized(pretty: false),
            "zz-dup.json": Self.manifest(Spec(id: "ok01", status: "skipped")).serialized(pretty: false),
            "broken.json": "{",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Self.runReport(folder)
        #expect(result.status == 1, "\(result.stderr)")
        let rows = try #require(try JSONParser.parse(try Self.read(folder, "manifest.json"))["sessions"]?.arrayValue)
        let ids = rows.compactMap { $0["sessionId"]?.stringValue }
        #expect(ids.count == 21 && ids.last == "zz-last")
        #expect(ids == ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        // Each session's rows together, in the run manifest's order.
        let lines = try Self.read(folder, "entries.jsonl").split(separator: "\n")
        var order: [String] = []
        for line in lines {
            let id = try #require(try JSONParser.parse(String(line))["sessionId"]?.stringValue)
            if order.last != id { order.append(id) }
        }
        #expect(order == ids)
        #expect(try Self.read(folder, "entries.csv").split(separator: "\r\n").count == lines.count + 1)
        // The page embeds one entries array per session row.
        let html = try Self.read(folder, "report.html")
        let block = try #require(html.range(of: "<script type=\"application/json\" id=\"ec-entries\">"))
        let end = try #require(html.range(of: "</script>", range: block.upperBound ..< html.endIndex))
        let entries = try JSONParser.parse(String(html[block.upperBound ..< end.lowerBound]))
        #expect(entries["sessions"]?.arrayValue?.count == 21)
        #expect(entries["more"]?.arrayValue?.count == 21)
        let hidden = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "\(hidden)")
    }

    // MARK: Markdown

    @Test("summary.md: totals, failures first with stage and kind, escaped cells")
    func markdown() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.runReport(folder, ["--formats", "markdown"]).status == 0)
        let summary = try Self.read(folder, "summary.md")
        #expect(summary.contains("**20 sessions**: 11 collected, 5 failed, 2 export failed, 2 skipped"))
        let rows = summary.split(separator: "\n").filter { $0.hasPrefix("| ") }
        for id in ["fail-resolve", "fail-fetch", "fail-index", "fail-truncated", "fail-publish", "export-failed-1", "export-failed-2"] {
            #expect(rows.contains { $0.hasPrefix("| \(id) |") }, "\(id)")
        }
        let fetch = try #require(rows.first { $0.hasPrefix("| fail-fetch |") })
        #expect(fetch.contains("| fetch | timeout |"))
        #expect(fetch.contains("connection timed out \\| after 5 attempts␊last: 503"))
        // Five cells each: an escaped pipe never adds a column.
        for row in rows where row.contains("fail-") {
            let separators = row.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            #expect(separators == 6, "\(row)")
        }
        // Failures before the collected session that only has notes.
        let order = rows.compactMap { row in ["fail-resolve", "export-failed-1", "ok02-notes"].first { row.hasPrefix("| \($0) |") } }
        #expect(order == ["fail-resolve", "export-failed-1", "ok02-notes"])
        #expect(summary.contains("| export-failed-1 | export\\_failed | export | export\\_failed | The export ran out of space |"))
        #expect(summary.contains("## Top findings"))
        #expect(summary.contains("| path\\_traversal | 1 | 1 |"))
        #expect(summary.contains("## Perf highlights"))
        #expect(summary.contains("| CPU p95 (cpu\\_percent) |"))
        #expect(!summary.contains("<svg") && !summary.contains("<script"))
    }

    @Test("summary.md caps the problem table at 50 rows")
    func markdownCap() {
        let failures = (0 ..< 80).map { Self.manifest(Spec(id: String(format: "f%03d", $0), status: "failed", error: ("fetch", "timeout", "slow"))) }
        let run = RunManifest.build(sessions: failures, generatedAt: "2026-11-29T10:00:00Z")
        let summary = MarkdownSummary.render(run: run, sessions: ReportSession.sorted(failures))
        #expect(summary.split(separator: "\n").filter { $0.hasPrefix("| f0") }.count == 50)
        #expect(summary.contains("… and 30 more"))
    }

    // MARK: HTML

    @Test("report.html: self-contained, every hostile string escaped")
    func htmlEscaping() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.runReport(folder).status == 0)
        let html = try Self.read(folder, "report.html")
        let lower = html.lowercased()
        // Exactly the page's three script elements: two JSON blocks and the code.
        #expect(lower.components(separatedBy: "<script").count - 1 == 3)
        #expect(lower.components(separatedBy: "</script").count - 1 == 3)
        #expect(!lower.contains("<img") && !lower.contains("<svg onload") && !lower.contains("<b onmouseover"))
        #expect(!html.contains("<!--"))
        #expect(!html.contains("\u{0}") && !html.contains("\u{202E}"))
        // No network: no URLs to fetch, a CSP that forbids them.
        #expect(!lower.contains("src=\"http") && !lower.contains("href=\"http") && !lower.contains("@import") && !lower.contains("url("))
        #expect(html.contains("default-src 'none'"))
        // The hostile session id shows escaped in the chart tooltip.
        #expect(html.contains("x&quot;&gt;&lt;svg onload=document.body.setAttribute(&#39;data-pwned&#39;,&#39;4&#39;)&gt;"))
        // Totals are static markup.
        #expect(html.contains("<b id=\"t-sessions\">20</b>"))
        #expect(html.contains("<b id=\"t-failed\">5</b>"))
    }

    @Test("ReportText: HTML escaping shows hidden characters, Markdown cells cannot end a row")
    func textEscaping() {
        #expect(ReportText.html("<a href='x'>&\"</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;")
        #expect(ReportText.html("a\u{0}b", mark: false) == "a\u{2400}b")
        #expect(ReportText.html("evil\u{202E}gpj.exe", mark: false) == "evil⟦U+202E⟧gpj.exe")
        #expect(ReportText.html("x\u{202E}", mark: true).contains("<span class=\"ctl\">⟦U+202E⟧</span>"))
        #expect(ReportText.html("日本語") == "日本語")
        #expect(ReportText.markdownCell("a|b\nc<d>*e*") == "a\\|b␊c\\<d\\>\\*e\\*")
        #expect(ReportText.bytes(1536) == "1.5 KiB")
        #expect(ReportText.count(1_234_567) == "1,234,567")
        #expect(ReportTime.parse("2026-11-28T20:00:00.5Z") == 1_795_896_000.5)
        #expect(ReportTime.parse("2026-11-28T22:00:00+02:00") == 1_795_896_000)
        #expect(ReportTime.parse("yesterday") == nil)
        #expect(ReportTime.format(epochSeconds: 1_795_896_000) == "2026-11-28T20:00:00Z")
        #expect(ReportPerf.Category.of(column: "GPU_Memory_MB") == .vram)
        #expect(ReportPerf.Category.of(column: "Memory_MB") == .memory)
        #expect(ReportPerf.Category.of(column: "cpu_percent") == .cpu)
        var cell: [UInt8] = []
        EntryTables.appendCSVText("=1+2,\"x\"", into: &cell)
        #expect(String(decoding: cell, as: UTF8.self) == "\"'=1+2,\"\"x\"\"\"")
    }

    // MARK: A real browser

    /// Chromium, headless, isolated in a temp profile, bounded by a timeout.
    static func browse(_ url: String) throws -> (dom: String, log: String) {
        let candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        guard let chromium = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            Issue.record("chromium is not installed: scripts/test installs it (Debian package chromium)")
            throw CancellationError()
        }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("ec-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let result = try CommandLineTests.run([
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--disable-background-networking", "--user-data-dir=\(profile.path)",
            "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom", url,
        ], executable: chromium, timeout: 120)
        #expect(result.status == 0, "chromium: \(result.stderr.suffix(2000))")
        return (result.stdout, result.stderr)
    }

    static func occurrences(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test("report.html in headless Chromium: no console errors, the right rows, no injected markup")
    func browser() throws {
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.runReport(folder).status == 0)
        let page = folder.appendingPathComponent("report.html").absoluteString

        // Every row expanded: every hostile entry name is rendered.
        let (dom, log) = try Self.browse(page + "#expand=all")
        let consoleLines = log.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
        #expect(consoleLines.isEmpty, "\(consoleLines)")
        #expect(dom.contains("data-ec-ready=\"20\""), "the script did not finish")
        #expect(!dom.contains("data-ec-error=\""), "a script error was caught")
        #expect(Self.occurrences("class=\"srow", in: dom) == 20)
        #expect(Self.occurrences("class=\"drow\"", in: dom) == 20)
        #expect(dom.contains("Showing 20 of 20 sessions"))
        #expect(dom.contains("<b id=\"t-sessions\">20</b>"))
        #expect(dom.contains("(11)") && dom.contains("(5)"), "status checkbox counts")
        // Failures first by default.
        let firstRow = try #require(dom.range(of: "class=\"srow")).lowerBound
        #expect(dom[firstRow...].prefix(400).contains("Failed"))
        // The 200 entries of one session plus every other session's entries.
        #expect(dom.contains("Entries (200)"))
        #expect(dom.contains("logs/part-199.log"))
        // Hostile names are text: visible, escaped, never elements.
        #expect(dom.range(of: "<body[^>]*data-pwned", options: .regularExpression) == nil)
        #expect(!dom.contains("<img") && !dom.contains("<svg onload") && !dom.contains("<b onmouseover"))
        #expect(dom.contains("&lt;script&gt;document.body.setAttribute('data-pwned','1')&lt;/script&gt;.log"))
        #expect(dom.contains("evil<span class=\"ctl\" title=\"hidden character\">⟦U+202E⟧</span>gpj.exe"))
        #expect(dom.contains("nul<span class=\"ctl\" title=\"hidden character\">␀</span>byte"))
        #expect(dom.contains("日本語/ログ.txt") && dom.contains("🎮/save.dat"))
        #expect(dom.contains("&lt;b onmouseover=alert(1)&gt;user&lt;/b&gt;"))

        // The fragment's filter: failed sessions matching "fetch".
        let (filtered, filteredLog) = try Self.browse(page + "#status=failed&q=timeout")
        #expect(!filteredLog.contains("CONSOLE"))
        #expect(Self.occurrences("class=\"srow", in: filtered) == 1)
        #expect(filtered.contains("Showing 1 of 1 sessions (20 in all)"))
        // Sorted by archive size, largest first.
        let (sorted, _) = try Self.browse(page + "#sort=size-desc")
        let firstSorted = try #require(sorted.range(of: "class=\"srow")).lowerBound
        #expect(sorted[firstSorted...].prefix(600).contains("big200"))
        #expect(sorted.contains("aria-sort=\"descending\""))
    }

    // MARK: Exit codes and malformed input

    @Test("malformed session manifests: one warning each, the rest reported, exit 1")
    func malformed() throws {
        let folder = try Self.makeFolder(extra: [
            "broken.json": "{\"sessionId\": ",
            "array.json": "[1, 2]",
            "no-id.json": "{\"status\": \"collected\"}",
            "bad-status.json": "{\"sessionId\": \"zz\", \"status\": \"weird\"}",
            "future.json": "{\"schemaVersion\": 2, \"sessionId\": \"zz2\", \"status\": \"collected\"}",
            "zz-dup.json": Self.manifest(Spec(id: "ok01", status: "skipped")).serialized(pretty: false),
            ".hidden.json": "not json at all",
            "notes.txt": "not a manifest",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Self.runReport(folder)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 6, "\(result.stderr)")
        #expect(lines.allSatisfy { $0.hasPrefix("warning: skipped sessions/") })
        #expect(lines.contains { $0.hasPrefix("warning: skipped sessions/broken.json: not valid JSON: line 1") })
        #expect(lines.contains { $0 == "warning: skipped sessions/zz-dup.json: session ok01 is already in sessions/ok01.json" })
        let manifest = try JSONParser.parse(try Self.read(folder, "manifest.json"))
        #expect(manifest["totals"]?["sessions"]?.intValue == 20)
        #expect(manifest["totals"]?["skippedManifests"]?.intValue == 6)
        #expect(manifest["skippedManifests"]?.arrayValue?.count == 6)
        #expect(try Self.read(folder, "report.html").contains("id=\"skipped-manifests\""))
        #expect(try Self.read(folder, "summary.md").contains("6 session manifest(s) could not be read"))
    }

    @Test("exit codes: 3 for a missing folder or unwritable report, 2 for a bad option")
    func exitCodes() throws {
        let missing = try CommandLineTests.run(["report", "/nonexistent/output"], timeout: 60)
        #expect(missing.status == 3)
        #expect(missing.stderr == "error: cannot read the output folder (/nonexistent/output): No such file or directory\n")

        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("ec-report-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let noSessions = try Self.runReport(empty)
        #expect(noSessions.status == 3)
        #expect(noSessions.stderr.hasPrefix("error: cannot read the output folder (\(empty.path)/sessions): "))

        // An empty sessions folder is a run of nothing: reports of zero sessions.
        try FileManager.default.createDirectory(at: empty.appendingPathComponent("sessions"), withIntermediateDirectories: true)
        let nothing = try Self.runReport(empty, ["--json"])
        #expect(nothing.status == 0)
        #expect(try JSONParser.parse(nothing.stdout)["sessions"]?.intValue == 0)

        let badFormat = try Self.runReport(empty, ["--formats", "html,pdf"])
        #expect(badFormat.status == 2)
        #expect(badFormat.stderr.contains("'pdf' is not a report format"))

        // A folder where report.html should go: the rename fails, exit 3, no temp files left.
        let folder = try Self.makeFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("report.html/inside"), withIntermediateDirectories: true)
        let blocked = try Self.runReport(folder)
        #expect(blocked.status == 3)
        #expect(blocked.stderr.hasPrefix("error: cannot write (\(folder.path)/report.html): "))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
