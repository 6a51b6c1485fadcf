import Foundation
import OrderedJSON
import Testing
@testable import Collector

/// `export-collector merge` on output folders made by hand: which manifest
/// wins, what is copied or linked, what is refused, exit codes.
@Suite("export-collector merge")
struct MergeTests {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ec-merge-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    /// An output folder holding `sessions` (id, collectedAt, archive bytes or nil).
    func folder(_ name: String, _ sessions: [(String, String, String?)], files: [String: [String: String]] = [:],
                shard: (Int, Int)? = nil) throws -> URL {
        let folder = root.appendingPathComponent(name)
        let manager = FileManager.default
        try manager.createDirectory(at: folder.appendingPathComponent("sessions"), withIntermediateDirectories: true)
        try manager.createDirectory(at: folder.appendingPathComponent("archives"), withIntermediateDirectories: true)
        for (id, collectedAt, archive) in sessions {
            let manifest = JSONValue.object([
                ("schemaVersion", .int(1)), ("sessionId", .string(id)), ("streamGroupId", .string("sg-1")),
                ("source", .object([("bytes", .int(Int64(archive?.utf8.count ?? 0)))])),
                ("status", .string(archive == nil ? "failed" : "collected")),
                ("error", archive == nil ? .object([("stage", .string("fetch")), ("kind", .string("not_found")), ("message", .string("gone"))]) : .null),
                ("collectedAt", .string(collectedAt)),
            ])
            try manifest.serialized().write(to: folder.appendingPathComponent("sessions/\(id).json"), atomically: true, encoding: .utf8)
            if let archive { try archive.write(to: folder.appendingPathComponent("archives/\(id).zip"), atomically: true, encoding: .utf8) }
        }
        for (id, entries) in files {
            for (path, text) in entries {
                let url = folder.appendingPathComponent("files/\(id)/\(path)")
                try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try text.write(to: url, atomically: true, encoding: .utf8)
            }
        }
        if let (index, count) = shard {
            try #"{"schemaVersion": 1, "shard": {"index": \#(index), "count": \#(count)}, "exitCode": 0}"#
                .write(to: folder.appendingPathComponent("shard.json"), atomically: true, encoding: .utf8)
        }
        return folder
    }

    func merge(_ arguments: [String]) throws -> CommandLineTests.Run {
        try CommandLineTests.run(["merge"] + arguments, environment: ["PATH": "/usr/bin:/bin"])
    }

    static func text(_ url: URL, _ path: String) -> String? {
        (try? Data(contentsOf: url.appendingPathComponent(path))).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("a session in two inputs keeps the newer collectedAt, with a warning; files follow the winner")
    func duplicates() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let a = try folder("a", [("S1", "2026-01-01T00:00:00Z", "old"), ("S2", "2026-01-01T00:00:00Z", "two")],
                       files: ["S1": ["logs/old.log": "old"]])
        let b = try folder("b", [("S1", "2026-01-02T00:00:00Z", "new")], files: ["S1": ["logs/new.log": "new", "deep/er/x.txt": "x"]])
        for (order, name) in [([a, b], "ab"), ([b, a], "ba")] {
            let target = root.appendingPathComponent("merged-\(name)")
            let result = try merge(order.map(\.path) + ["-o", target.path, "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let warnings = result.stderr.split(separator: "\n")
            #expect(warnings.count == 1 && warnings[0].hasPrefix("warning: session S1 is in both "), "\(result.stderr)")
            #expect(result.stderr.contains("kept \(b.path)'s (collected later, 2026-01-02T00:00:00Z)"), "\(result.stderr)")
            #expect(Self.text(target, "sessions/S1.json") == Self.text(b, "sessions/S1.json"))
            #expect(Self.text(target, "archives/S1.zip") == "new")
            #expect(Self.text(target, "archives/S2.zip") == "two")
            #expect(Self.text(target, "files/S1/logs/new.log") == "new")
            #expect(Self.text(target, "files/S1/deep/er/x.txt") == "x")
            #expect(Self.text(target, "files/S1/logs/old.log") == nil, "the loser's files came along")
            let summary = try JSONParser.parse(result.stdout)
            #expect(summary["sessions"]?.intValue == 2)
            #expect(summary["duplicates"]?.intValue == 1)
            #expect(summary["totals"]?["sessions"]?.intValue == 2)
            let run = try JSONParser.parse(Array(try Data(contentsOf: target.appendingPathComponent("manifest.json"))))
            #expect(run["sessions"]?.arrayValue?.compactMap { $0["sessionId"]?.stringValue } == ["S1", "S2"])
            RunTests.noLeftovers(target)
        }
        // The same time: the first input given wins.
        let c = try folder("c", [("S2", "2026-01-01T00:00:00Z", "three")])
        let tie = root.appendingPathComponent("tie")
        let result = try merge([c.path, a.path, "-o", tie.path])
        #expect(result.stderr.contains("kept \(c.path)'s (collected at the same time: the first input given wins"), "\(result.stderr)")
        #expect(Self.text(tie, "archives/S2.zip") == "three")
    }

    @Test("merging again: unchanged sessions untouched, a winner without an archive removes the stale one, target-only sessions stay")
    func again() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let a = try folder("a", [("S1", "2026-01-01T00:00:00Z", "one"), ("S2", "2026-01-01T00:00:00Z", "two")])
        let target = root.appendingPathComponent("merged")
        #expect(try merge([a.path, "-o", target.path]).status == 0)
        let before = snapshot(target)
        let second = try merge([a.path, "-o", target.path, "--json"])
        let summary = try JSONParser.parse(second.stdout)
        #expect(summary["written"]?.intValue == 0 && summary["unchanged"]?.intValue == 2)
        for (name, data) in before where name.hasPrefix("sessions/") || name.hasPrefix("archives/") {
            #expect(snapshot(target)[name] == data, "\(name)")
        }
        // S1 collected again elsewhere, now failed without an archive; S3 only in the target.
        let b = try folder("b", [("S1", "2026-01-03T00:00:00Z", nil)])
        try #"{"schemaVersion": 1, "sessionId": "S3", "status": "skipped"}"#.write(
            to: target.appendingPathComponent("sessions/S3.json"), atomically: true, encoding: .utf8)
        let third = try merge([b.path, "-o", target.path, "--json"])
        #expect(third.status == 0, "\(third.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target.appendingPathComponent("archives/S1.zip").path))
        let totals = try JSONParser.parse(third.stdout)
        #expect(totals["alreadyInTarget"]?.intValue == 2)
        #expect(totals["totals"]?["sessions"]?.intValue == 3)
        #expect(totals["totals"]?["failed"]?.intValue == 1)
    }

    @Test("hard links on one filesystem; symbolic links in files/ recreated, never followed")
    func links() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let a = try folder("a", [("S1", "2026-01-01T00:00:00Z", "one")], files: ["S1": ["logs/a.log": "a"]])
        let secret = root.appendingPathComponent("secret.txt")
        try "secret".write(to: secret, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: a.appendingPathComponent("files/S1/escape").path, withDestinationPath: secret.path)
        let target = root.appendingPathComponent("merged")
        let result = try merge([a.path, "-o", target.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let inode = { (url: URL) in (try? FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber]) as? Int }
        #expect(inode(a.appendingPathComponent("archives/S1.zip")) == inode(target.appendingPathComponent("archives/S1.zip")))
        #expect(try JSONParser.parse(result.stdout)["linkedFiles"]?.intValue == 2)
        let link = target.appendingPathComponent("files/S1/escape").path
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == secret.path)
    }

    @Test("another filesystem: copies, byte for byte")
    func copies() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let other = URL(fileURLWithPath: "/dev/shm/ec-merge-\(UUID().uuidString.prefix(8))")
        let device = { (path: String) in (try? FileManager.default.attributesOfFileSystem(forPath: path)[.systemNumber]) as? Int }
        guard FileManager.default.isWritableFile(atPath: "/dev/shm"), device("/dev/shm") != device(root.path) else { return }
        defer { try? FileManager.default.removeItem(at: other) }
        let big = String(repeating: "0123456789abcdef", count: 200_000)
        let a = try folder("a", [("S1", "2026-01-01T00:00:00Z", big)], files: ["S1": ["logs/a.log": "a"]])
        let result = try merge([a.path, "-o", other.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try JSONParser.parse(result.stdout)["copiedFiles"]?.intValue == 2)
        #expect(Self.text(other, "archives/S1.zip") == big)
        #expect(Self.text(other, "files/S1/logs/a.log") == "a")
        RunTests.noLeftovers(other)
    }

    @Test("malformed session manifests: a warning each, exit 1, the rest merged; a hostile sessionId names no file")
    func malformed() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let a = try folder("a", [("S1", "2026-01-01T00:00:00Z", "one")])
        try "{".write(to: a.appendingPathComponent("sessions/broken.json"), atomically: true, encoding: .utf8)
        try #"{"schemaVersion": 1, "sessionId": "../../escape", "status": "collected"}"#.write(
            to: a.appendingPathComponent("sessions/hostile.json"), atomically: true, encoding: .utf8)
        try #"{"schemaVersion": 1, "sessionId": "S9", "status": "lost"}"#.write(
            to: a.appendingPathComponent("sessions/S9.json"), atomically: true, encoding: .utf8)
        let target = root.appendingPathComponent("merged")
        let result = try merge([a.path, "-o", target.path])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 3 && lines.allSatisfy { $0.hasPrefix("warning: skipped \(a.path)/sessions/") }, "\(result.stderr)")
        #expect(result.stderr.contains("broken.json: not valid JSON"))
        #expect(result.stderr.contains("cannot name a file"))
        #expect(Self.text(target, "archives/S1.zip") == "one")
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("escape.json").path))
        #expect(Self.sessionFiles(target) == ["S1.json"])
    }

    static func sessionFiles(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("sessions").path)) ?? []).sorted()
    }

    @Test("refused: a missing input (3), S3 prefixes, the target as an input, no input (2), an input a run is writing (3)")
    func refusals() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let a = try folder("a", [("S1", "2026-01-01T00:00:00Z", "one")])
        let target = root.appendingPathComponent("merged").path
        let cases: [([String], Int32, String)] = [
            ([root.appendingPathComponent("nope").path, "-o", target], 3, "error: cannot read the input folder (\(root.path)/nope): No such file or directory"),
            ([root.path, "-o", target], 3, "it has no sessions/ folder"),
            (["s3://b/shard-0/", "-o", target], 2, "'b' is not a valid bucket name"),
            ([a.path, "-o", "s3://bucket/../merged/"], 2, "the prefix may not hold empty, '.' or '..' segments"),
            ([a.path, "-o", a.path + "/"], 2, "it is also an input"),
            (["-o", target], 2, "Missing expected argument"),
            ([a.path], 2, "error: "),
        ]
        for (arguments, status, message) in cases {
            let result = try merge(arguments)
            #expect(result.status == status, "\(arguments): \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("error: ") && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: target))
        // A run holding the input's lock (this process, as run would).
        let running = OutputFolder(root: a.path)
        try running.prepare()
        let locked = try merge([a.path, "-o", target])
        #expect(locked.status == 3)
        #expect(locked.stderr.contains("an export-collector run is writing it"), "\(locked.stderr)")
    }

    @Test("shards: a missing index, a shard without shard.json, mixed counts are warnings and exit 1")
    func shardSets() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let s0 = try folder("shard-0-of-3", [("S1", "2026-01-01T00:00:00Z", "one")], shard: (0, 3))
        let s1 = try folder("shard-1-of-3", [("S2", "2026-01-01T00:00:00Z", "two")])
        let s2 = try folder("shard-2-of-3", [("S3", "2026-01-01T00:00:00Z", "three")], shard: (2, 3))
        let other = try folder("shard-0-of-2", [("S4", "2026-01-01T00:00:00Z", "four")], shard: (0, 2))
        let target = root.appendingPathComponent("merged").path
        let complete = try merge([s0.path, s2.path, "-o", target])
        #expect(complete.status == 1)
        #expect(complete.stderr.contains("warning: shard 1/3 is not among the inputs: its sessions are missing"), "\(complete.stderr)")
        let unfinished = try merge([s0.path, s1.path, s2.path, "-o", target])
        #expect(unfinished.status == 1)
        #expect(unfinished.stderr.contains("\(s1.path) has no shard.json: the run of shard 1/3 did not finish"), "\(unfinished.stderr)")
        let mixed = try merge([s0.path, s2.path, other.path, "-o", target])
        #expect(mixed.stderr.contains("shards of different counts (2, 3)"), "\(mixed.stderr)")
        #expect(mixed.stderr.contains("shard 1/2 is not among the inputs"), "\(mixed.stderr)")
        try #"{"schemaVersion": 1, "shard": {"index": 1, "count": 3}, "exitCode": 0}"#
            .write(to: s1.appendingPathComponent("shard.json"), atomically: true, encoding: .utf8)
        let whole = try merge([s0.path, s1.path, s2.path, "-o", target])
        #expect(whole.status == 0, "\(whole.stderr)")
        #expect(whole.stdout.hasPrefix("merged 3 folders: 3 sessions"), "\(whole.stdout)")
    }
}
