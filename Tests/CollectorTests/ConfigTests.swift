import Foundation
import Testing
@testable import Collector
import OrderedJSON

/// `pipeline.json`: defaults, every kind of problem with its key path, all
/// problems at once, hostile input, and agreement with `pipeline.schema.json`
/// as Python's `jsonschema` reads it.
@Suite("pipeline.json")
struct ConfigTests {
    static let minimal = #"{"source": {"streamGroups": ["sg-1"]}}"#

    static func parse(_ text: String, name: String = "pipeline.json") throws(ConfigError) -> PipelineConfig {
        try PipelineConfig.parse(Array(text.utf8), name: name)
    }

    /// The problem lines of a document that must fail.
    static func lines(_ text: String) -> [String] {
        do {
            _ = try parse(text)
            return []
        } catch {
            return error.lines
        }
    }

    static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0 ..< 3 { url.deleteLastPathComponent() }
        return url
    }

    @Test("a minimal file takes every default of CONTRACTS.md")
    func defaults() throws {
        let config = try Self.parse(Self.minimal)
        #expect(config.region == nil)
        #expect(config.profile == nil)
        #expect(config.endpoints.gameliftstreams == nil)
        #expect(config.endpoints.s3 == nil)
        #expect(config.endpoints.s3AddressingStyle == "auto")
        #expect(config.source.streamGroups == .groups(["sg-1"]))
        #expect(config.source.status == nil)
        #expect(config.source.exportFilesStatus == "SUCCEEDED")
        #expect(config.source.includeFailedExports == false)
        #expect(config.source.createdAfter == nil)
        #expect(config.source.createdAfterEpochSeconds == nil)
        #expect(config.source.requestsPerSecond == 20)
        #expect(config.download.concurrency == 4)
        #expect(config.download.via == .signed)
        #expect(config.download.presignExpiresSeconds == 900)
        #expect(config.download.keepArchives == true)
        #expect(config.download.maxAttempts == 5)
        #expect(config.index.sha256 == true)
        #expect(config.index.extract == [])
        #expect(config.index.maxEntries == 200_000)
        #expect(config.index.maxUncompressedBytes == 68_719_476_736)
        #expect(config.index.maxCompressionRatio == 1000)
        #expect(config.output.dir == "collected")
        #expect(config.output.reports == ["html", "markdown", "csv", "jsonl"])
        #expect(config == PipelineConfig(source: .init(streamGroups: .groups(["sg-1"]))))
        // Empty sections and explicit nulls mean the same as leaving them out.
        let spelledOut = try Self.parse("""
            {"region": null, "profile": null, "endpoints": {"gameliftstreams": null, "s3": null},
             "source": {"streamGroups": ["sg-1"], "status": null, "createdAfter": null},
             "download": {}, "index": {}, "output": {}}
            """)
        #expect(spelledOut == config)
    }

    @Test("the repository's pipeline.json loads, $schema and all, and says what its JSON says")
    func repositoryFile() throws {
        let path = Self.repositoryRoot.appendingPathComponent("pipeline.json").path
        let config = try PipelineConfig.load(path: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("{\n  \"$schema\": \"./pipeline.schema.json\",\n"))
        // The file is the demo's and changes with it: compare with the document, not with fixed values.
        let document = try JSONParser.parse(text)
        #expect(config.region == document["region"]?.stringValue)
        let groups = document["source"]?["streamGroups"]
        if groups?.stringValue == "all" {
            #expect(config.source.streamGroups == .all)
        } else {
            #expect(config.source.streamGroups == .groups(groups?.arrayValue?.compactMap(\.stringValue) ?? []))
        }
        #expect(config.source.includeFailedExports == document["source"]?["includeFailedExports"]?.boolValue ?? false)
        #expect(config.index.extract == (document["index"]?["extract"]?.arrayValue?.compactMap(\.stringValue) ?? []))
        #expect(config.output.dir == document["output"]?["dir"]?.stringValue ?? "collected")
    }

    @Test("every member set to something other than its default")
    func everything() throws {
        let config = try Self.parse("""
            {
              "$schema": "https://example.com/anything-at-all.json",
              "region": "eu-central-1",
              "profile": "collector",
              "endpoints": {"gameliftstreams": "http://127.0.0.1:4566", "s3": "https://[::1]:8333/base",
                            "s3AddressingStyle": "path"},
              "source": {
                "streamGroups": ["sg-1AB2C3De4", "arn:aws-us-gov:gameliftstreams:us-gov-west-1:111122223333:streamgroup/sg-9Z"],
                "status": "TERMINATED", "exportFilesStatus": "FAILED", "includeFailedExports": true,
                "createdAfter": "2026-11-28T23:04:05.250+02:00", "requestsPerSecond": 2.5
              },
              "download": {"concurrency": 64, "via": "presigned", "presignExpiresSeconds": 604800,
                           "keepArchives": false, "maxAttempts": 1},
              "index": {"sha256": false, "extract": ["logs/*", "stats/*.csv"], "maxEntries": 1,
                        "maxUncompressedBytes": 18446744073709551615, "maxCompressionRatio": 1.5},
              "output": {"dir": "/var/tmp/out", "reports": ["jsonl", "html"]}
            }
            """)
        #expect(config.region == "eu-central-1")
        #expect(config.profile == "collector")
        #expect(config.endpoints == .init(gameliftstreams: "http://127.0.0.1:4566", s3: "https://[::1]:8333/base", s3AddressingStyle: "path"))
        #expect(config.source.streamGroups == .groups(["sg-1AB2C3De4", "arn:aws-us-gov:gameliftstreams:us-gov-west-1:111122223333:streamgroup/sg-9Z"]))
        #expect(config.source.status == "TERMINATED")
        #expect(config.source.exportFilesStatus == "FAILED")
        #expect(config.source.includeFailedExports)
        #expect(config.source.createdAfter == "2026-11-28T23:04:05.250+02:00")
        // 2026-11-28T21:04:05.25Z
        #expect(config.source.createdAfterEpochSeconds == 1_795_899_845.25)
        #expect(config.source.requestsPerSecond == 2.5)
        #expect(config.download.concurrency == 64)
        #expect(config.download.via == .presigned)
        #expect(config.download.presignExpiresSeconds == 604_800)
        #expect(!config.download.keepArchives)
        #expect(config.download.maxAttempts == 1)
        #expect(!config.index.sha256)
        #expect(config.index.extract == ["logs/*", "stats/*.csv"])
        #expect(config.index.maxEntries == 1)
        #expect(config.index.maxUncompressedBytes == UInt64.max)
        #expect(config.index.maxCompressionRatio == 1.5)
        #expect(config.output.dir == "/var/tmp/out")
        #expect(config.output.reports == ["jsonl", "html"])

        let all = try Self.parse(#"{"source": {"streamGroups": "all", "createdAfter": "2026-11-28"}}"#)
        #expect(all.source.streamGroups == .all)
        #expect(all.source.createdAfterEpochSeconds == 1_795_824_000)
        // As in JSON Schema, an integral number is an integer however it is written.
        let written = try Self.parse(#"{"source": {"streamGroups": ["sg-1"]}, "download": {"concurrency": 8.0, "maxAttempts": 1e1}}"#)
        #expect(written.download.concurrency == 8 && written.download.maxAttempts == 10)
    }

    @Test("each kind of problem names its key path", arguments: [
        (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"viaa": "signed"}}"#,
         #"pipeline.json: download.viaa: unknown key (did you mean "via"?)"#),
        (#"{"source": {"streamGroups": ["sg-1"]}, "Region": "us-west-2"}"#,
         #"pipeline.json: Region: unknown key (did you mean "region"?)"#),
        (#"{"source": {"streamGroups": ["sg-1"]}, "colour": "blue"}"#,
         "pipeline.json: colour: unknown key"),
        (#"{"source": {"streamGroups": ["sg-1"], "stauts": "ACTIVE"}}"#,
         #"pipeline.json: source.stauts: unknown key (did you mean "status"?)"#),
        (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"concurrency": 0}}"#,
         "pipeline.json: download.concurrency: must be 1…64, found 0"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"concurrency": 65}}"#,
         "pipeline.json: download.concurrency: must be 1…64, found 65"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"concurrency": "4"}}"#,
         #"pipeline.json: download.concurrency: expected an integer, found "4""#),
        (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"concurrency": 4.5}}"#,
         "pipeline.json: download.concurrency: expected an integer, found 4.5"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"concurrency": true}}"#,
         "pipeline.json: download.concurrency: expected an integer, found true"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"presignExpiresSeconds": 604801}}"#,
         "pipeline.json: download.presignExpiresSeconds: must be 1…604800, found 604801"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"maxAttempts": 21}}"#,
         "pipeline.json: download.maxAttempts: must be 1…20, found 21"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"via": "sigend"}}"#,
         #"pipeline.json: download.via: expected "signed" or "presigned", found "sigend" (did you mean "signed"?)"#),
        (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"via": null}}"#,
         #"pipeline.json: download.via: expected "signed" or "presigned", found null"#),
        (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"keepArchives": "yes"}}"#,
         #"pipeline.json: download.keepArchives: expected true or false, found "yes""#),
        (#"{"source": {"streamGroups": ["sg-1"]}, "download": []}"#,
         "pipeline.json: download: expected an object, found an array"),
        (#"{"source": {"streamGroups": ["sg-1", "sg-2", "xyz"]}}"#,
         #"pipeline.json: source.streamGroups[2]: expected a stream group id or ARN, found "xyz""#),
        (#"{"source": {"streamGroups": ["sg-1", 7]}}"#,
         "pipeline.json: source.streamGroups[1]: expected a stream group id or ARN, found 7"),
        (#"{"source": {"streamGroups": ["sg-1", "sg-2", "sg-1"]}}"#,
         "pipeline.json: source.streamGroups[2]: duplicate of source.streamGroups[0]"),
        (#"{"source": {"streamGroups": []}}"#,
         #"pipeline.json: source.streamGroups: must list at least one stream group (or be "all")"#),
        (#"{"source": {"streamGroups": "sg-1"}}"#,
         #"pipeline.json: source.streamGroups: expected "all" or a list of stream group ids or ARNs, found "sg-1" (a single stream group goes in a list: ["sg-1"])"#),
        (#"{"source": {"streamGroups": "ALL"}}"#,
         #"pipeline.json: source.streamGroups: expected "all" or a list of stream group ids or ARNs, found "ALL""#),
        (#"{"source": {"streamGroups": ["arn:aws:gameliftstreams:us-west-2:1111:streamgroup/sg-1"]}}"#,
         #"pipeline.json: source.streamGroups[0]: expected a stream group id or ARN, found "arn:aws:gameliftstreams:us-west-2:1111:streamgroup/sg-1""#),
        (#"{"source": {}}"#,
         #"pipeline.json: source.streamGroups: required key is missing ("all" or a list of stream group ids or ARNs)"#),
        (#"{"region": "us-west-2"}"#,
         #"pipeline.json: source: required key is missing (it needs "streamGroups": "all" or a list of stream group ids)"#),
        (#"{"source": {"streamGroups": ["sg-1"], "status": "active"}}"#,
         #"pipeline.json: source.status: expected one of "ACTIVATING", "ACTIVE", "CONNECTED", "PENDING_CLIENT_RECONNECTION", "RECONNECTING", "TERMINATING", "TERMINATED", "ERROR", found "active" (did you mean "ACTIVE"?)"#),
        (#"{"source": {"streamGroups": ["sg-1"], "exportFilesStatus": null}}"#,
         #"pipeline.json: source.exportFilesStatus: expected one of "SUCCEEDED", "FAILED", "PENDING", found null"#),
        (#"{"source": {"streamGroups": ["sg-1"], "createdAfter": "2026-11-28T21:04:05"}}"#,
         #"pipeline.json: source.createdAfter: needs a time zone: end it with Z (UTC) or an offset like +02:00, found "2026-11-28T21:04:05""#),
        (#"{"source": {"streamGroups": ["sg-1"], "createdAfter": "2026-02-30"}}"#,
         #"pipeline.json: source.createdAfter: expected an ISO 8601 date-time with Z or an offset (2026-11-28T21:04:05Z) or a date (2026-11-28), found "2026-02-30""#),
        (#"{"source": {"streamGroups": ["sg-1"], "createdAfter": 1796256000}}"#,
         "pipeline.json: source.createdAfter: expected a string, found 1796256000"),
        (#"{"source": {"streamGroups": ["sg-1"], "requestsPerSecond": 0}}"#,
         "pipeline.json: source.requestsPerSecond: must be greater than 0, found 0"),
        (#"{"source": {"streamGroups": ["sg-1"], "includeFailedExports": 1}}"#,
         "pipeline.json: source.includeFailedExports: expected true or false, found 1"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "index": {"maxEntries": 0}}"#,
         "pipeline.json: index.maxEntries: must be at least 1, found 0"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "index": {"maxEntries": 9223372036854775808}}"#,
         "pipeline.json: index.maxEntries: must be at most 9223372036854775807, found 9223372036854775808"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "index": {"maxUncompressedBytes": -1}}"#,
         "pipeline.json: index.maxUncompressedBytes: must be at least 1, found -1"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "index": {"maxUncompressedBytes": 18446744073709551616}}"#,
         "pipeline.json: index.maxUncompressedBytes: must be at most 18446744073709551615, found 1.8446744073709552e+19"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "index": {"maxCompressionRatio": 0.5}}"#,
         "pipeline.json: index.maxCompressionRatio: must be at least 1, found 0.5"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "index": {"extract": "logs/*"}}"#,
         #"pipeline.json: index.extract: expected a list of glob patterns, found "logs/*""#),
        (#"{"source": {"streamGroups": ["sg-1"]}, "index": {"extract": ["logs/*", ""]}}"#,
         "pipeline.json: index.extract[1]: must not be an empty pattern"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "output": {"dir": "s3://b/prefix"}}"#,
         "pipeline.json: output.dir: s3://b/prefix: 'b' is not a valid bucket name"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "output": {"dir": "s3://bucket/a/../b/"}}"#,
         "pipeline.json: output.dir: s3://bucket/a/../b/: the prefix may not hold empty, '.' or '..' segments"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "output": {"multipartThresholdBytes": 1048576}}"#,
         "pipeline.json: output.multipartThresholdBytes: must be 5242880…5368709120, found 1048576"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "output": {"payloadSigning": "never"}}"#,
         #"pipeline.json: output.payloadSigning: expected "auto" or "signed", found "never""#),
        (#"{"source": {"streamGroups": ["sg-1"]}, "output": {"dir": ""}}"#,
         "pipeline.json: output.dir: must not be empty"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "output": {"reports": ["html", "pdf"]}}"#,
         #"pipeline.json: output.reports[1]: expected one of "html", "markdown", "csv", "jsonl", found "pdf""#),
        (#"{"source": {"streamGroups": ["sg-1"]}, "output": {"reports": ["csv", "csv"]}}"#,
         "pipeline.json: output.reports[1]: duplicate of output.reports[0]"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "region": "us west 2"}"#,
         #"pipeline.json: region: expected an AWS Region name like "us-west-2", found "us west 2""#),
        (#"{"source": {"streamGroups": ["sg-1"]}, "profile": ""}"#,
         "pipeline.json: profile: must not be empty (use null when not set)"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "endpoints": {"s3": "ftp://host"}}"#,
         #"pipeline.json: endpoints.s3: expected an http:// or https:// URL (host, optional port and path), found "ftp://host""#),
        (#"{"source": {"streamGroups": ["sg-1"]}, "endpoints": {"s3AddressingStyle": "virtual-hosted"}}"#,
         #"pipeline.json: endpoints.s3AddressingStyle: expected one of "auto", "path", "virtual", found "virtual-hosted""#),
        (#"{"source": {"streamGroups": ["sg-1"]}, "$schema": 5}"#,
         "pipeline.json: $schema: expected a string, found 5"),
        (#"{"source": {"streamGroups": ["sg-1"]}, "download": {"via": "signed", "via": "presigned"}}"#,
         "pipeline.json: download.via: duplicate key"),
        (#"["sg-1"]"#,
         "pipeline.json: expected a JSON object at the top level, found an array"),
    ])
    func problem(_ document: String, _ expected: String) {
        #expect(Self.lines(document) == [expected])
    }

    @Test("all problems are reported at once, in document order")
    func severalProblems() throws {
        let document = """
            {
              "region": "",
              "source": {"streamGroups": ["sg-1", "bad", "sg-1"], "status": "DONE"},
              "download": {"concurrency": 0, "viaa": "signed", "maxAttempts": "5"},
              "output": {"dir": "s3://b/p"},
              "extra": {}
            }
            """
        #expect(throws: ConfigError.self) { try Self.parse(document) }
        do {
            _ = try Self.parse(document)
        } catch {
            #expect(error.file == "pipeline.json")
            #expect(error.keyPath == "region")
            #expect(error.problems.map(\.keyPath) == [
                "region", "source.streamGroups[1]", "source.streamGroups[2]", "source.status",
                "download.concurrency", "download.viaa", "download.maxAttempts", "output.dir", "extra",
            ])
            #expect(error.description == #"pipeline.json: region: expected an AWS Region name like "us-west-2", found "" (and 8 more)"#)
            #expect(error.lines.count == 9)
            #expect(error.lines[4] == "pipeline.json: download.concurrency: must be 1…64, found 0")
            #expect(error.lines.allSatisfy { $0.hasPrefix("pipeline.json: ") && !$0.contains("\n") })
        }
    }

    @Test("JSON syntax errors give line and column; comments and trailing commas are not JSON", arguments: [
        ("{\n  \"source\": {\"streamGroups\": [\"sg-1\"]},\n}\n",
         "pipeline.json: line 3, column 1: expected a member name in double quotes"),
        ("{\n  \"source\": {\"streamGroups\": [\"sg-1\",]}\n}\n",
         "pipeline.json: line 2, column 38: unexpected character ']'"),
        ("{\n  // the groups\n  \"source\": {\"streamGroups\": \"all\"}\n}\n",
         "pipeline.json: line 2, column 3: expected a member name in double quotes"),
        ("{\n  \"source\": {\"streamGroups\": \"all\"} /* all */\n}\n",
         "pipeline.json: line 2, column 37: expected ',' or '}' in an object"),
        ("", "pipeline.json: line 1, column 1: unexpected end of the document"),
        ("{\"source\": {\"streamGroups\": \"all\"}} {}", "pipeline.json: line 1, column 37: unexpected text after the JSON value"),
    ])
    func syntax(_ document: String, _ expected: String) {
        #expect(Self.lines(document) == [expected])
    }

    @Test("unicode: values, unknown keys as key paths, a byte order mark")
    func unicode() throws {
        let config = try Self.parse("\u{FEFF}" + #"{"profile": "équipe-日本", "source": {"streamGroups": "all"}, "output": {"dir": "collecté/\u65e5\u672c 🎮"}}"#)
        #expect(config.profile == "équipe-日本")
        #expect(config.output.dir == "collecté/日本 🎮")
        #expect(Self.lines(#"{"source": {"streamGroups": "all"}, "output": {"vérifié": 1, "a b": 2, "ok_$1": 3}}"#) == [
            #"pipeline.json: output["vérifié"]: unknown key"#,
            #"pipeline.json: output["a b"]: unknown key"#,
            "pipeline.json: output.ok_$1: unknown key",
        ])
        // Lookalike digits are not digits, and a long value is cut in the message.
        #expect(Self.lines(#"{"source": {"streamGroups": ["sg-١٢"]}}"#) == [
            #"pipeline.json: source.streamGroups[0]: expected a stream group id or ARN, found "sg-١٢""#,
        ])
        let long = String(repeating: "é", count: 500)
        let line = try #require(Self.lines(#"{"source": {"streamGroups": ["\#(long)"]}}"#).first)
        #expect(line.hasSuffix("found \"" + String(repeating: "é", count: 59) + "…\""))
        // Invalid UTF-8 inside a string is a syntax error with its position.
        var bytes = Array(#"{"source": {"streamGroups": ["sg-1"]}, "profile": "x"#.utf8)
        bytes += [0xFF, UInt8(ascii: "\""), UInt8(ascii: "}")]
        #expect(throws: ConfigError.self) { try PipelineConfig.parse(bytes) }
    }

    @Test("a 5 MB file: 300,000 stream groups, then one problem at the very end")
    func largeFile() throws {
        let ids = (0 ..< 300_000).map { "\"sg-\(String($0, radix: 36))AbCdEfGh\"" }
        let document = #"{"source": {"streamGroups": ["# + ids.joined(separator: ", ") + "]}}"
        #expect(document.utf8.count > 5_000_000)
        let started = Date()
        let config = try Self.parse(document)
        guard case .groups(let groups) = config.source.streamGroups else {
            Issue.record("expected a list")
            return
        }
        #expect(groups.count == 300_000)
        #expect(Self.lines(document.dropLast(2) + #"}, "output": {"dir": ""}}"#) == ["pipeline.json: output.dir: must not be empty"])
        #expect(Date().timeIntervalSince(started) < 60, "two parses of 5 MB")
    }

    @Test("hostile input: deep nesting, junk inside known keys, random bytes; errors, never a crash")
    func hostile() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(Self.lines(deep).first?.hasPrefix("pipeline.json: line 1, column 257: nested deeper than 256 levels") == true)
        let nested = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(Self.lines(#"{"source": {"streamGroups": \#(nested)}, "junk": \#(nested)}"#) == [
            "pipeline.json: source.streamGroups[0]: expected a stream group id or ARN, found an array",
            "pipeline.json: junk: unknown key",
        ])
        let objects = String(repeating: #"{"a":"#, count: 200) + "1" + String(repeating: "}", count: 200)
        #expect(Self.lines(#"{"source": \#(objects)}"#) == [
            "pipeline.json: source.a: unknown key",
            #"pipeline.json: source.streamGroups: required key is missing ("all" or a list of stream group ids or ARNs)"#,
        ])
        // Random bytes, and random single-byte damage to a full document.
        var generator = SystemRandomNumberGenerator()
        let template = Array((try? String(contentsOf: Self.repositoryRoot.appendingPathComponent("pipeline.json"), encoding: .utf8))?.utf8 ?? Self.minimal.utf8)
        for round in 0 ..< 3000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0 ..< Int.random(in: 0 ... 64, using: &generator)).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
            } else {
                bytes = template
                for _ in 0 ..< Int.random(in: 1 ... 3, using: &generator) {
                    bytes[Int.random(in: 0 ..< bytes.count, using: &generator)] = UInt8.random(in: 0 ... 255, using: &generator)
                }
            }
            do {
                _ = try PipelineConfig.parse(bytes)
            } catch {
                #expect(!error.lines.isEmpty && error.lines.allSatisfy { !$0.contains("\n") })
            }
        }
    }

    @Test("reading: a missing file, a directory, a pipe; messages name the path given")
    func reading() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("nope.json").path
        #expect(throws: ConfigError(file: missing, message: "cannot read: No such file or directory")) {
            try PipelineConfig.load(path: missing)
        }
        #expect(throws: ConfigError(file: folder.path, message: "cannot read: it is a directory, not a file")) {
            try PipelineConfig.load(path: folder.path)
        }
        let bad = folder.appendingPathComponent("bad.json")
        try Data(#"{"source": {"streamGroups": ["sg-1"]}, "download": {"concurrency": 0}}"#.utf8).write(to: bad)
        do {
            _ = try PipelineConfig.load(path: bad.path)
            Issue.record("expected a problem")
        } catch {
            #expect(error.description == "\(bad.path): download.concurrency: must be 1…64, found 0")
        }
        if geteuid() != 0 {
            try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: bad.path)
            #expect(throws: ConfigError(file: bad.path, message: "cannot read: Permission denied")) {
                try PipelineConfig.load(path: bad.path)
            }
        }
        // A FIFO (as `--config <(…)` gives): read to the end, not by its size.
        let fifo = folder.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        Thread.detachNewThread {
            if let handle = FileHandle(forWritingAtPath: fifo) {
                handle.write(Data(Self.minimal.utf8))
                try? handle.close()
            }
        }
        #expect(try PipelineConfig.load(path: fifo).source.streamGroups == .groups(["sg-1"]))
    }

    @Test("ISO 8601 instants: dates, offsets, fractions, leap years; lenient CSV forms")
    func instants() {
        func seconds(_ text: String, lenient: Bool = false) -> Double? {
            if case .instant(let value) = ISO8601Instant.parse(text, lenient: lenient) { return value }
            return nil
        }
        #expect(seconds("1970-01-01") == 0)
        #expect(seconds("1970-01-01T00:00:00Z") == 0)
        #expect(seconds("2000-02-29T12:00:00+12:00") == 951_782_400)
        #expect(seconds("1969-12-31T23:59:59.5Z") == -0.5)
        #expect(seconds("2026-11-28T21:04:05-00:30") == 1_795_901_645)
        #expect(seconds("2024-02-29") != nil && seconds("2023-02-29") == nil && seconds("1900-02-29") == nil)
        #expect(seconds("2026-04-31") == nil && seconds("2026-13-01") == nil && seconds("2026-00-10") == nil)
        #expect(seconds("2026-11-28T24:00:00Z") == nil && seconds("2026-11-28T23:60:00Z") == nil)
        #expect(seconds("2026-11-28T23:59:60Z") == nil, "leap seconds are not instants we can place")
        #expect(seconds("2026-11-28t21:04:05z") == nil && seconds("2026-11-28 21:04:05Z") == nil)
        #expect(seconds("2026-11-28T21:04:05.Z") == nil && seconds("2026-11-28T21:04Z") == nil)
        #expect(ISO8601Instant.parse("2026-11-28T21:04:05") == .missingZone)
        #expect(seconds("2026-11-28 21:04:05", lenient: true) == 1_795_899_845)
        #expect(seconds("2026-11-28t21:04:05.5z", lenient: true) == 1_795_899_845.5)
        #expect(seconds("2026-11-28T23:04:05+0200", lenient: true) == 1_795_899_845)
        #expect(seconds("2026-11-28T23:04:05+0200") == nil)
    }

    /// Documents on both sides of every rule; `true` when valid.
    static let schemaCases: [(String, Bool)] = [
        (minimal, true),
        (#"{"$schema": "./pipeline.schema.json", "source": {"streamGroups": "all"}}"#, true),
        (#"{"source": {"streamGroups": ["sg-1AB2C3De4", "arn:aws:gameliftstreams:us-west-2:111122223333:streamgroup/sg-1AB2C3De4"]}}"#, true),
        (#"{"source": {"streamGroups": ["arn:aws-cn:gameliftstreams:cn-north-1:111122223333:streamgroup/sg-x1"]}}"#, true),
        (#"{"source": {"streamGroups": ["arn:aws:gameliftstreams:us-west-2:111122223333:streamgroup/1AB2C3De4"]}}"#, false),
        (#"{"source": {"streamGroups": ["arn:aws:gameliftstreams:uswest2:111122223333:streamgroup/sg-1"]}}"#, false),
        (#"{"source": {"streamGroups": ["arn:aws:gamelift:us-west-2:111122223333:streamgroup/sg-1"]}}"#, false),
        (#"{"source": {"streamGroups": ["sg-1\n"]}}"#, false),
        (#"{"source": {"streamGroups": ["sg-"]}}"#, false),
        (#"{"source": {"streamGroups": ["sg-1_2"]}}"#, false),
        (#"{"source": {"streamGroups": ["sg-\#(String(repeating: "a", count: 125))"]}}"#, true),
        (#"{"source": {"streamGroups": ["sg-\#(String(repeating: "a", count: 126))"]}}"#, false),
        (#"{"source": {"streamGroups": ["sg-1", "sg-1"]}}"#, false),
        (#"{"source": {"streamGroups": []}}"#, false),
        (#"{"source": {"streamGroups": "sg-1"}}"#, false),
        (#"{"source": {}}"#, false),
        (#"{}"#, false),
        (#"[]"#, false),
        (#"{"source": {"streamGroups": "all"}, "unknown": 1}"#, false),
        (#"{"source": {"streamGroups": "all"}, "download": {"viaa": "signed"}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "region": null, "profile": null}"#, true),
        (#"{"source": {"streamGroups": "all"}, "region": "local-1"}"#, true),
        (#"{"source": {"streamGroups": "all"}, "region": "-bad"}"#, false),
        (#"{"source": {"streamGroups": "all"}, "region": "us-west-2\n"}"#, false),
        (#"{"source": {"streamGroups": "all"}, "profile": ""}"#, false),
        (#"{"source": {"streamGroups": "all"}, "profile": "équipe"}"#, true),
        (#"{"source": {"streamGroups": "all"}, "endpoints": {"s3": "http://127.0.0.1:8333", "gameliftstreams": "https://gameliftstreams.us-west-2.api.aws"}}"#, true),
        (#"{"source": {"streamGroups": "all"}, "endpoints": {"s3": "https://[::1]:65535/prefix?x=1"}}"#, true),
        (#"{"source": {"streamGroups": "all"}, "endpoints": {"s3": "https://host:65536"}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "endpoints": {"s3": "https://host:0"}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "endpoints": {"s3": "https://user@host"}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "endpoints": {"s3": "https://host/a b"}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "endpoints": {"s3": "https://"}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "endpoints": {"s3AddressingStyle": null}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "endpoints": {"s3AddressingStyle": "virtual"}}"#, true),
        (#"{"source": {"streamGroups": "all", "status": "PENDING_CLIENT_RECONNECTION", "exportFilesStatus": "PENDING"}}"#, true),
        (#"{"source": {"streamGroups": "all", "status": "Active"}}"#, false),
        (#"{"source": {"streamGroups": "all", "createdAfter": "2024-02-29"}}"#, true),
        (#"{"source": {"streamGroups": "all", "createdAfter": "2000-02-29T00:00:00Z"}}"#, true),
        (#"{"source": {"streamGroups": "all", "createdAfter": "1900-02-29"}}"#, false),
        (#"{"source": {"streamGroups": "all", "createdAfter": "2026-04-31"}}"#, false),
        (#"{"source": {"streamGroups": "all", "createdAfter": "2026-11-28T21:04:05.123456-07:00"}}"#, true),
        (#"{"source": {"streamGroups": "all", "createdAfter": "2026-11-28T21:04:05"}}"#, false),
        (#"{"source": {"streamGroups": "all", "createdAfter": "2026-11-28T21:04:05z"}}"#, false),
        (#"{"source": {"streamGroups": "all", "createdAfter": "2026-11-28\n"}}"#, false),
        (#"{"source": {"streamGroups": "all", "requestsPerSecond": 0.001}}"#, true),
        (#"{"source": {"streamGroups": "all", "requestsPerSecond": 0}}"#, false),
        (#"{"source": {"streamGroups": "all", "includeFailedExports": 0}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "download": {"concurrency": 4.0, "maxAttempts": 2e1}}"#, true),
        (#"{"source": {"streamGroups": "all"}, "download": {"concurrency": 4.5}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "download": {"concurrency": true}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "download": {"concurrency": 65}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "download": {"presignExpiresSeconds": 604800, "via": "presigned"}}"#, true),
        (#"{"source": {"streamGroups": "all"}, "download": {"presignExpiresSeconds": 0}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "download": {"via": "Signed"}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "index": {"maxUncompressedBytes": 18446744073709551615}}"#, true),
        (#"{"source": {"streamGroups": "all"}, "index": {"maxUncompressedBytes": 18446744073709551616}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "index": {"maxEntries": 9223372036854775807}}"#, true),
        (#"{"source": {"streamGroups": "all"}, "index": {"maxEntries": 9223372036854775808}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "index": {"maxCompressionRatio": 1}}"#, true),
        (#"{"source": {"streamGroups": "all"}, "index": {"maxCompressionRatio": 0.99}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "index": {"extract": ["*.log", "stats/*"]}}"#, true),
        (#"{"source": {"streamGroups": "all"}, "index": {"extract": [""]}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "index": {"extract": [1]}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "output": {"dir": "S3://bucket"}}"#, true),
        (#"{"source": {"streamGroups": "all"}, "output": {"dir": "s3://ec-test/out/", "multipartThresholdBytes": 5242880, "payloadSigning": "signed"}}"#, true),
        (#"{"source": {"streamGroups": "all"}, "output": {"multipartThresholdBytes": 5242879}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "output": {"multipartThresholdBytes": 5368709121}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "output": {"payloadSigning": "unsigned"}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "output": {"dir": "s3:/not-a-url"}}"#, true),
        (#"{"source": {"streamGroups": "all"}, "output": {"dir": "a\u0000b"}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "output": {"dir": "résumé/日本\n"}}"#, true),
        (#"{"source": {"streamGroups": "all"}, "output": {"reports": []}}"#, true),
        (#"{"source": {"streamGroups": "all"}, "output": {"reports": ["csv", "csv"]}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "output": {"reports": ["CSV"]}}"#, false),
        (#"{"source": {"streamGroups": "all"}, "$schema": null}"#, false),
    ]

    @Test("pipeline.schema.json and the parser agree on every document, and pipeline.json validates")
    func schemaAgreement() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var names: [String] = []
        for (number, (document, _)) in Self.schemaCases.enumerated() {
            let name = String(format: "case-%03d.json", number)
            try Data(document.utf8).write(to: folder.appendingPathComponent(name))
            names.append(name)
        }
        try FileManager.default.copyItem(at: Self.repositoryRoot.appendingPathComponent("pipeline.json"),
                                         to: folder.appendingPathComponent("pipeline.json"))
        let verdicts = try Self.validateWithPython(folder: folder)
        #expect(verdicts["pipeline.json"] == true, "the repository's pipeline.json must validate")

        for (name, (document, valid)) in zip(names, Self.schemaCases) {
            let swiftValid = Self.lines(document).isEmpty
            #expect(verdicts[name] == valid, "jsonschema on \(document)")
            #expect(swiftValid == valid, "parser on \(document): \(Self.lines(document))")
        }
    }

    /// Runs Python's `jsonschema` (Draft 2020-12) over every `*.json` in
    /// `folder`: file name → valid.
    static func validateWithPython(folder: URL) throws -> [String: Bool] {
        let script = """
            import json, pathlib, sys
            try:
                import jsonschema
            except ImportError:
                sys.exit("the jsonschema package is missing: run scripts/test (it installs scripts/requirements-test.txt)")
            schema = json.loads(pathlib.Path(sys.argv[1]).read_text(encoding="utf-8"))
            jsonschema.Draft202012Validator.check_schema(schema)
            validator = jsonschema.Draft202012Validator(schema)
            verdicts = {}
            for path in sorted(pathlib.Path(sys.argv[2]).glob("*.json")):
                verdicts[path.name] = validator.is_valid(json.loads(path.read_bytes()))
            print(json.dumps(verdicts))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script,
                             repositoryRoot.appendingPathComponent("pipeline.schema.json").path, folder.path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaint = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SchemaRunFailed(description: "python3 (is the test venv on PATH? run scripts/test): \(complaint)")
        }
        let verdicts = try JSONParser.parse(Array(printed))
        return Dictionary(uniqueKeysWithValues: (verdicts.objectMembers ?? []).compactMap { name, value in
            value.boolValue.map { (name, $0) }
        })
    }

    struct SchemaRunFailed: Error, CustomStringConvertible {
        var description: String
    }

    @Test("did-you-mean: within two edits, a swap counts once, case ignored, nothing for short words")
    func suggestions() {
        #expect(Suggestion.didYouMean("viaa", among: ["via", "concurrency"]) == #" (did you mean "via"?)"#)
        #expect(Suggestion.didYouMean("concurrnecy", among: ["via", "concurrency"]) == #" (did you mean "concurrency"?)"#)
        #expect(Suggestion.didYouMean("REPORTS", among: ["dir", "reports"]) == #" (did you mean "reports"?)"#)
        #expect(Suggestion.didYouMean("a", among: ["via"]) == "")
        #expect(Suggestion.didYouMean("threads", among: ["concurrency"]) == "")
        #expect(Suggestion.didYouMean(String(repeating: "x", count: 1_000_000), among: ["dir"]) == "")
    }
}
