import Foundation
import Testing
@testable import Collector
import OrderedJSON
@testable import ZipIndex

/// The executable as scripts use it: exit codes, JSON on stdout, one error line each on stderr.
@Suite("export-collector index")
struct CommandLineTests {
    static var binary: String {
        ProcessInfo.processInfo.environment["EC_BIN"]
            ?? CommandLineTests.repositoryRoot.appendingPathComponent(".build/debug/export-collector").path
    }

    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0 ..< 3 { url.deleteLastPathComponent() }
        return url
    }()

    static var corpus: URL {
        if let shared = ProcessInfo.processInfo.environment["EC_SHARED_DIR"] {
            return URL(fileURLWithPath: shared).appendingPathComponent("corpus/zip/files")
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus/zip/files")
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary (or `executable` when given) and collects its output;
    /// waits at most `timeout` seconds, then kills it, so a hang fails the test
    /// instead of stalling the suite.
    static func run(_ arguments: [String], wrapper: [String] = [], executable: String? = nil,
                    environment: [String: String]? = nil, stdin: String? = nil, timeout: Double = 300) throws -> Run {
        let process = Process()
        if let environment { process.environment = environment }
        if let executable {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else if wrapper.isEmpty {
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: wrapper[0])
            process.arguments = Array(wrapper.dropFirst()) + [binary] + arguments
        }
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        if let stdin {
            // Written from another thread: a large input must not block while
            // the child fills its output pipe.
            let writer = input.fileHandleForWriting
            Thread.detachNewThread {
                writer.write(Data(stdin.utf8))
                try? writer.close()
            }
        }
        let collected = Collected()
        let group = DispatchGroup()
        for (pipe, isError) in [(out, false), (err, true)] {
            group.enter()
            Thread.detachNewThread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.set(data, error: isError)
                group.leave()
            }
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            Thread.sleep(forTimeInterval: 0.1)
        }
        _ = group.wait(timeout: .now() + 5)
        let (stdout, stderr) = collected.get()
        return Run(status: process.isRunning ? -1 : process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var stdout = Data()
        private var stderr = Data()

        func set(_ data: Data, error: Bool) {
            lock.withLock { if error { stderr = data } else { stdout = data } }
        }

        func get() -> (Data, Data) {
            lock.withLock { (stdout, stderr) }
        }
    }

    @Test("the binary is built")
    func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build it first: swift build (scripts/test does)")
    }

    @Test("a good archive: exit 0 and the manifest's fields in CONTRACTS.md order")
    func goodArchive() throws {
        let result = try Self.run(["index", Self.corpus.appendingPathComponent("go-test.zip").path, "--json"])
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let manifest = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(manifest["schemaVersion"] as? Int == 1)
        #expect(manifest["status"] as? String == "ok")
        #expect(manifest["error"] is NSNull)
        let archive = try #require(manifest["archive"] as? [String: Any])
        #expect(archive["entryCount"] as? Int == 2)
        #expect(archive["comment"] as? String == "This is a zipfile comment.")
        #expect(archive["sha256"] as? String == "e36d2ee9fbc41f7fe0b2717dc4b1fdc1978c9396dd28f3398b1f3a1a29dc146c")
        let entries = try #require(manifest["entries"] as? [[String: Any]])
        let first = try #require(entries.first)
        #expect(first["path"] as? String == "test.txt")
        #expect(first["method"] as? String == "deflate")
        #expect(first["mode"] as? String == "0644")
        #expect((first["crc32"] as? String)?.count == 8)
        let keyOrder = ["\"schemaVersion\"", "\"archive\"", "\"status\"", "\"error\"", "\"entries\"", "\"findings\""]
        let positions = keyOrder.compactMap { result.stdout.range(of: $0)?.lowerBound }
        #expect(positions.count == keyOrder.count && positions == positions.sorted())
        let entryKeys = ["path", "type", "method", "compressedBytes", "bytes", "crc32", "sha256", "modified", "mode", "encrypted", "status", "error"]
        #expect(Set(first.keys) == Set(entryKeys))
    }

    @Test("a broken or unsafe archive: exit 1, one error line each")
    func failingArchives() throws {
        for file in ["yauzl-fail-invalid-code-lengths-set.zip", "rex-zip-slip.zip", "go-readme.notzip"] {
            let result = try Self.run(["index", Self.corpus.appendingPathComponent(file).path, "--json"])
            #expect(result.status == 1, "\(file)")
            let lines = result.stderr.split(separator: "\n")
            #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix("error: ") }, "\(file): \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump"))
            #expect(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) is [String: Any])
        }
    }

    @Test("a missing file: exit 3 and one clear line")
    func missingFile() throws {
        let result = try Self.run(["index", "/nonexistent/archive.zip"])
        #expect(result.status == 3)
        #expect(result.stderr.hasPrefix("error: archive not verified (/nonexistent/archive.zip): io: cannot open"))
    }

    @Test("usage errors exit 2", arguments: [
        ["index"],
        ["index", "x.zip", "--max-compression-ratio", "0"],
        ["index", "x.zip", "--include", "*.log"],
        ["index", "x.zip", "--bogus"],
        ["index", "x.zip", "--log-level", "loud"],
        ["no-such-command"],
    ])
    func usageErrors(_ arguments: [String]) throws {
        let result = try Self.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.hasPrefix("error: "))
        #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
    }

    @Test("--log-format json writes JSON Lines to stderr, never to stdout")
    func jsonLogs() throws {
        let result = try Self.run(["index", Self.corpus.appendingPathComponent("go-test.zip").path, "--json",
                                   "--log-level", "debug", "--log-format", "json"])
        #expect(result.status == 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] as? String == "debug")
        }
        #expect(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) is [String: Any])
    }

    @Test("--help exits 0")
    func help() throws {
        let result = try Self.run(["index", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("--no-sha256"))
    }

    @Test("memory stays flat on a 400 MB entry", .timeLimit(.minutes(3)))
    func flatMemory() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-rss-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = folder.appendingPathComponent("big.zip").path
        // Streamed writes: the generator itself stays small too.
        let generator = Process()
        generator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        generator.arguments = ["python3", "-c", """
            import random, sys, zipfile
            rnd = random.Random(3)
            blocks = [rnd.randbytes(4096) for _ in range(64)] + [bytes(4096)] * 64
            with zipfile.ZipFile(sys.argv[1], "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
                with zf.open("big.bin", "w", force_zip64=True) as out:
                    for _ in range(100_000):
                        out.write(rnd.choice(blocks))
                zf.writestr("small.txt", b"x" * 1000)
            """, archive]
        try generator.run()
        generator.waitUntilExit()
        #expect(generator.terminationStatus == 0)
        let result = try Self.run(["index", archive, "--json"], wrapper: ["/usr/bin/time", "-f", "maxrss_kib=%M"])
        #expect(result.status == 0, "\(result.stderr)")
        let line = try #require(result.stderr.split(separator: "\n").last { $0.hasPrefix("maxrss_kib=") })
        let kib = try #require(Int(line.dropFirst("maxrss_kib=".count)))
        // A sanitized binary (scripts/test --sanitize) carries shadow memory and a
        // free quarantine: 75 MB under AddressSanitizer, flat all the same.
        let limit = ProcessInfo.processInfo.environment["EC_SANITIZER"] == nil ? 64 * 1024 : 128 * 1024
        #expect(kib < limit, "peak RSS \(kib) KiB")
    }
}

@Suite("Manifest JSON")
struct ManifestJSONTests {
    @Test func escapingAndOrder() {
        let value = JSONValue.object([("b", .string("line\nquote\" nul\u{0}")), ("a", .null), ("n", .uint(18_446_744_073_709_551_615))])
        #expect(value.serialized(pretty: false) == #"{"b":"line\nquote\" nul\u0000","a":null,"n":18446744073709551615}"#)
    }

    @Test("the streamed manifest equals the serialised document, byte for byte")
    func streamingMatchesDocument() {
        for file in ["rex-zip-slip.zip", "yauzl-everything.zip", "go-readme.notzip"] {
            let index = ZipIndexer.index(path: CommandLineTests.corpus.appendingPathComponent(file).path)
            var streamed: [UInt8] = []
            ArchiveManifest.stream(index) { streamed += $0 }
            #expect(String(decoding: streamed, as: UTF8.self) == ArchiveManifest.document(index).serialized(), "\(file)")
        }
    }

    @Test func indexJobExitStatus() {
        var options = IndexOptions()
        options.sha256 = false
        var printed: [UInt8] = []
        let outcome = IndexJob(archivePath: "/nonexistent.zip", options: options, extraction: nil, json: true).run { printed += $0 }
        #expect(outcome.status == .cannotProceed)
        #expect(String(decoding: printed, as: UTF8.self) == ArchiveManifest.document(outcome.index).serialized())
        #expect(outcome.errors.count == 1)
    }
}
