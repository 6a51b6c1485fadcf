import Foundation
import OrderedJSON
import Testing
@testable import Collector

/// `run` verifies while downloading by default; `index.singlePass: false`
/// verifies after. The manifests must not tell them apart.
@Suite("single-pass run (end to end on the local stack)")
struct SinglePassRunTests {
    @Test("single pass and two passes write the same archive manifests, corrupt and odd archives included")
    func sameManifests() throws {
        let stack = try PipelineStack(sessions: 24, groups: 2, seed: 25, archiveMB: 1.5)
        defer { stack.stop() }
        var outputs: [URL] = []
        for singlePass in [true, false] {
            let output = stack.folder.appendingPathComponent(singlePass ? "one" : "two")
            let config = try stack.config(output: output, download: [("keepArchives", .bool(false))],
                                          index: [("singlePass", .bool(singlePass)), ("extract", .array([.string("crash/*")]))])
            let result = try stack.run(["--config", config, "--log-level", "debug"])
            #expect(result.status == 1, "\(result.stderr)")
            // The single pass really settles entries during the downloads
            // (the extracted crash dumps and anything odd are read from the file).
            let lines = result.stderr.split(separator: "\n").filter { $0.contains("verified while downloading") }
            let settled = lines.compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("settledWhileDownloading=") }
                    .flatMap { Int($0.dropFirst("settledWhileDownloading=".count)) }
            }.reduce(0, +)
            let entries = lines.compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("entries=") }.flatMap { Int($0.dropFirst("entries=".count)) }
            }.reduce(0, +)
            if singlePass {
                #expect(lines.count >= 15, "\(result.stderr.suffix(2000))")
                #expect(settled * 10 >= entries * 6, "settled \(settled) of \(entries) entries while downloading")
            } else {
                #expect(lines.isEmpty)
            }
            try RunTests.checkOutcomes(output, expected: stack.expected)
            outputs.append(output)
        }
        let (compared, _, _) = try Self.expectSameManifests(outputs[0], outputs[1])
        #expect(compared >= 15)
        // Extracted files are the same bytes; nothing else is left behind.
        let files = { (output: URL) in snapshot(output).filter { $0.key.hasPrefix("files/") } }
        #expect(files(outputs[0]) == files(outputs[1]))
        #expect(!files(outputs[0]).isEmpty)
        for output in outputs {
            #expect(!snapshot(output).keys.contains { $0.hasPrefix("archives/") }, "archives kept")
        }
    }

    @Test("with no archive kept and nothing extracted, archives are verified in memory: the same manifests, nothing written")
    func inMemory() throws {
        let stack = try PipelineStack(sessions: 24, groups: 2, seed: 26, archiveMB: 1.5)
        defer { stack.stop() }
        var outputs: [URL] = []
        var written: [Int] = []
        for singlePass in [true, false] {
            let output = stack.folder.appendingPathComponent(singlePass ? "memory" : "file")
            let config = try stack.config(output: output, download: [("keepArchives", .bool(false))],
                                          index: [("singlePass", .bool(singlePass))])
            // /usr/bin/time's %O: blocks the run wrote (counted when pages are
            // dirtied, so a file deleted before it reaches the disk still counts).
            let counter = stack.folder.appendingPathComponent("io-\(singlePass)").path
            let result = try CommandLineTests.run(["run", "--no-progress", "--config", config, "--log-level", "debug"],
                                                  wrapper: ["/usr/bin/time", "-f", "%O", "-o", counter],
                                                  environment: stack.environment)
            #expect(result.status == 1, "\(result.stderr)")
            let blocks = try #require(Int(try String(contentsOfFile: counter, encoding: .utf8)
                .split(separator: "\n").last.map(String.init) ?? ""), "no count from /usr/bin/time")
            written.append(blocks * 512)
            let inMemory = result.stderr.split(separator: "\n").filter { $0.contains("verified in memory") }
            if singlePass {
                #expect(inMemory.count >= 15, "\(result.stderr.suffix(2000))")
            } else {
                #expect(inMemory.isEmpty)
            }
            try RunTests.checkOutcomes(output, expected: stack.expected)
            outputs.append(output)
        }
        let (compared, archiveBytes, withPerfStats) = try Self.expectSameManifests(outputs[0], outputs[1])
        #expect(compared >= 15)
        #expect(withPerfStats > 0)
        // The run on files wrote every archive; the run in memory wrote only
        // manifests and reports (and any archive the stream could not settle).
        #expect(written[1] >= archiveBytes * 9 / 10, "file run wrote \(written[1]) bytes for \(archiveBytes) of archives")
        #expect(written[0] * 4 < archiveBytes, "in-memory run wrote \(written[0]) bytes for \(archiveBytes) of archives")
    }

    /// Expects every session manifest in `first` to match `second`'s in what
    /// the two ways of verifying must agree on.
    /// - Returns: sessions with an entry list, archive bytes, sessions with perf stats.
    static func expectSameManifests(_ first: URL, _ second: URL) throws -> (compared: Int, archiveBytes: Int, withPerfStats: Int) {
        let sessions = try FileManager.default.contentsOfDirectory(atPath: first.appendingPathComponent("sessions").path)
            .filter { $0.hasSuffix(".json") }.sorted()
        #expect(sessions.count >= 15)
        var compared = 0, archiveBytes = 0, withPerfStats = 0
        for file in sessions {
            let id = String(file.dropLast(5))
            let one = try RunTests.manifest(first, id)
            let two = try RunTests.manifest(second, id)
            #expect(one["status"] == two["status"], "\(id)")
            // Error messages may carry S3 request ids, which differ per request.
            #expect(one["error"]?["kind"] == two["error"]?["kind"], "\(id)")
            #expect(one["error"]?["stage"] == two["error"]?["stage"], "\(id)")
            #expect(one["archive"] == two["archive"], "\(id): archive manifests differ")
            #expect(one["perfStats"] == two["perfStats"], "\(id)")
            if one["archive"]?["entries"] != nil { compared += 1 }
            if one["perfStats"] != nil, one["perfStats"] != .null { withPerfStats += 1 }
            archiveBytes += one["source"]?["bytes"]?.intValue ?? 0
        }
        return (compared, archiveBytes, withPerfStats)
    }
}
