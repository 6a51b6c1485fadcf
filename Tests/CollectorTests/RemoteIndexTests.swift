import Collector
import Foundation
import HTTPTransport
import OrderedJSON
import S3
import Testing
@testable import ZipIndex

#if canImport(Glibc)
import Glibc
#endif

/// `index s3://bucket/key` against the local S3 (SeaweedFS), started by
/// `scripts/test`: the listing equals the local index but for what needs the
/// data, and the bytes the server sends are counted by a proxy in front of it.
@Suite("index s3:// (listing from the tail)", .serialized)
struct RemoteIndexTests {
    /// Our own prefix: `exports/` belongs to the pipeline fixture, which clears it.
    static let prefix = "remote-index/"

    /// `scripts/testing/counting_proxy.py` in front of the local S3.
    final class CountingProxy {
        let process = Process()
        let url: String
        let http: HTTPClient

        init() throws {
            let stack = try FetchTests.stack()
            let script = CommandLineTests.repositoryRoot.appendingPathComponent("scripts/testing/counting_proxy.py").path
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script, "--upstream", stack["EC_S3_ENDPOINT"] ?? ""]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            var line = Data()
            while !line.contains(UInt8(ascii: "\n")) {
                let more = output.fileHandleForReading.availableData
                guard !more.isEmpty else { throw FetchTests.StackMissing(description: "counting_proxy.py did not start") }
                line += more
            }
            let started = try JSONSerialization.jsonObject(with: line) as? [String: String]
            url = try #require(started?["url"])
            http = try HTTPClient()
        }

        /// SIGKILL, not SIGTERM: a test runner may pass SIGTERM on ignored.
        func stop() {
            http.shutdown()
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }

        deinit { stop() }

        func control(_ action: String) async throws -> [String: Any] {
            let request = HTTPRequest(method: action == "reset" ? "POST" : "GET", url: "\(url)/__counting_proxy__/\(action)")
            let (_, body) = try await http.data(request)
            return try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        }
    }

    /// Archives made by Python's zipfile and Info-ZIP (ZIP64 forced).
    static let maker = #"""
import os, subprocess, sys, zipfile
folder = sys.argv[1]
def make(name, count, comment=b"", method=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(os.path.join(folder, name), "w", method) as zf:
        for i in range(count):
            zf.writestr(zipfile.ZipInfo("logs/session-%06d.log" % i, (2026, 11, 28, 21, 4, 6)), b"frame %d\n" % i * (1 + i % 5))
        zf.comment = comment
make("small.zip", 3)
make("many.zip", 70000, method=zipfile.ZIP_STORED)
make("comment.zip", 40, comment=("é" * 32767).encode()[:65535])
make("zip64-comment.zip", 70000, comment=b"c" * 65535, method=zipfile.ZIP_STORED)
with zipfile.ZipFile(os.path.join(folder, "empty-archive.zip"), "w"):
    pass
source = os.path.join(folder, "source")
os.makedirs(source)
for i in range(5):
    with open(os.path.join(source, "file%d.txt" % i), "w") as f:
        f.write("zip64 entry %d\n" % i * 50)
subprocess.run(["zip", "-q", "-X", "-fz", "-r", os.path.join(folder, "zip64.zip"), "."], cwd=source, check=True)
open(os.path.join(folder, "zero-bytes.zip"), "wb").close()
"""#

    static let names = ["small.zip", "many.zip", "comment.zip", "zip64-comment.zip", "zip64.zip", "empty-archive.zip", "zero-bytes.zip"]

    /// Makes the archives and uploads them under `prefix`, once per test run.
    static let uploaded: Result<URL, any Error> = Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-remote-index-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", maker, folder.path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FetchTests.StackMissing(description: "making the test archives failed (needs python3 and zip)")
        }
        for name in names {
            _ = try FetchTests.fixture(["put-file", prefix + name, folder.appendingPathComponent(name).path])
        }
        return folder
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func environment(through proxy: CountingProxy) throws -> [String: String] {
        var environment = try FetchTests.clientEnvironment()
        environment["AWS_ENDPOINT_URL_S3"] = proxy.url
        return environment
    }

    @Test("the listing is the local manifest without digests, in ≤ 64 KiB + the directory at the server", arguments: names)
    func listing(_ name: String) async throws {
        let stack = try FetchTests.stack()
        let folder = try Self.uploaded.get()
        let local = folder.appendingPathComponent(name).path
        let proxy = try CountingProxy()
        defer { proxy.stop() }
        _ = try await proxy.control("reset")

        let uri = "s3://\(stack["EC_S3_BUCKET"] ?? "")/\(Self.prefix)\(name)"
        let remote = try CommandLineTests.run(["index", uri, "--json", "--log-level", "warning"], environment: try Self.environment(through: proxy))
        let stats = try await proxy.control("stats")
        let reference = try CommandLineTests.run(["index", local, "--json"], environment: try FetchTests.clientEnvironment())

        #expect(remote.status == reference.status, "\(remote.stderr)")
        #expect(remote.stderr.split(separator: "\n").count == reference.stderr.split(separator: "\n").count, "\(remote.stderr)")
        let listed = try Self.json(remote.stdout)
        let indexed = try Self.json(reference.stdout)
        Self.expectSameManifest(listed, indexed, uri: uri)

        // Counted at the server: status lines, headers and bodies.
        let requests = try #require(stats["requests"] as? [[String: Any]])
        let sent = try #require(stats["responseBytes"] as? Int)
        let location = try Self.directory(local)
        let directory = location?.directorySize ?? 0
        #expect(sent <= 65_536 + Int(directory) + 4096, "\(name): \(sent) bytes sent for a \(directory)-byte directory: \(requests)")
        #expect(requests.count <= 2, "\(requests)")
        #expect(requests.first?["range"] as? String == "bytes=-\(ListingIndexer.suffixLength)")
        if requests.count == 2, requests[0]["status"] as? Int == 206 {
            let etag = requests[0]["etag"] as? String
            #expect(requests[1]["ifMatch"] as? String != nil, "the second read is of the same object (If-Match)")
            if let etag { #expect(requests[1]["ifMatch"] as? String == etag) }
            #expect((requests[1]["range"] as? String)?.hasPrefix("bytes=") == true)
        }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: local)[.size] as? UInt64)
        // One request when the directory lies within the suffix, two otherwise;
        // an empty object answers the suffix with 416, then a plain GET.
        let directoryStart = location?.recordedDirectoryOffset ?? 0
        let expected = size == 0 ? [1, 2] : size - directoryStart <= ListingIndexer.suffixLength ? [1] : [2]
        #expect(expected.contains(requests.count), "\(name): \(requests)")
    }

    /// Where the archive's central directory is, read the way the indexer reads it.
    static func directory(_ path: String) throws -> DirectoryLocation? {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let tail = Array(bytes.suffix(maximumTailLength))
        return try? tail.withBytes { raw throws(ArchiveFailure) in
            try EndOfCentralDirectory.locate(tail: raw, fileSize: UInt64(bytes.count)) { offset, count throws(ArchiveFailure) in
                Array(bytes[Int(offset) ..< Int(offset) + count])
            }
        }
    }

    /// Field for field, but for what only the data gives.
    static func expectSameManifest(_ listed: [String: Any], _ indexed: [String: Any], uri: String) {
        #expect(listed["mode"] as? String == "listing")
        #expect(indexed["mode"] == nil, "a local index has no mode member")
        #expect(Array(listed.keys).sorted() == (Array(indexed.keys) + ["mode"]).sorted())
        for key in ["schemaVersion", "status"] {
            #expect(String(describing: listed[key]) == String(describing: indexed[key]), "\(key)")
        }
        #expect(NSDictionary(dictionary: ["e": listed["error"] ?? NSNull()]) == NSDictionary(dictionary: ["e": indexed["error"] ?? NSNull()]))
        let archive = listed["archive"] as? [String: Any] ?? [:]
        let localArchive = indexed["archive"] as? [String: Any] ?? [:]
        #expect(archive["path"] as? String == uri)
        #expect(archive["sha256"] is NSNull)
        for key in ["bytes", "entryCount", "comment"] {
            #expect(String(describing: archive[key]) == String(describing: localArchive[key]), "archive.\(key)")
        }
        let entries = listed["entries"] as? [[String: Any]] ?? []
        let localEntries = indexed["entries"] as? [[String: Any]] ?? []
        #expect(entries.count == localEntries.count)
        for (entry, localEntry) in zip(entries, localEntries) {
            #expect(entry["verified"] as? Bool == false)
            #expect(entry["sha256"] is NSNull)
            var stripped = entry
            stripped["verified"] = nil
            stripped["sha256"] = nil
            var localStripped = localEntry
            localStripped["sha256"] = nil
            #expect(NSDictionary(dictionary: stripped) == NSDictionary(dictionary: localStripped), "\(entry) vs \(localEntry)")
        }
        #expect(NSArray(array: listed["findings"] as? [Any] ?? []) == NSArray(array: indexed["findings"] as? [Any] ?? []))
    }

    @Test("the API: listingIndex equals the local listing; a stale If-Match is `changed`")
    func api() async throws {
        let stack = try FetchTests.stack()
        let folder = try Self.uploaded.get()
        let settings = try AWSSettings.resolve(.init(), environment: try FetchTests.clientEnvironment())
        let client = try makeS3Client(settings)
        defer { client.http.shutdown() }
        let retry = S3Client.retryDecision(policy: RetryPolicy(maxAttempts: 2), quota: RetryQuota())
        let uri = S3URI(bucket: stack["EC_S3_BUCKET"] ?? "", key: Self.prefix + "many.zip")
        let (index, fetched) = try await client.listingIndex(uri, retry: retry)
        var local = ListingIndexer.index(path: folder.appendingPathComponent("many.zip").path)
        #expect(index.entryCount == 70_000 && index.error == nil)
        #expect(fetched == index.bytesRead)
        let directory = try #require(try Self.directory(folder.appendingPathComponent("many.zip").path)?.directorySize)
        #expect(fetched <= ListingIndexer.suffixLength + directory)
        (local.path, local.bytesRead) = (index.path, index.bytesRead)
        #expect(index == local)

        let tail = try await client.getRange(uri, .suffix(10), retry: retry)
        #expect(tail.bytes.count == 10 && tail.offset == tail.objectSize - 10)
        let error = await #expect(throws: S3Error.self) {
            try await client.getRange(uri, .span(0 ..< 4), ifMatch: "\"0123456789abcdef0123456789abcdef\"", retry: { _, _ in false })
        }
        #expect(error?.kind == .changed, "\(String(describing: error))")
        let head = try await client.getRange(uri, .span(0 ..< 4), ifMatch: tail.etag, retry: retry)
        #expect(head.bytes == [0x50, 0x4B, 0x03, 0x04])
    }

    @Test("a listing streams byte for byte the document it describes: mode first, verified after sha256")
    func manifestShape() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: CommandLineTests.corpus.path).sorted()
        #expect(!names.isEmpty)
        for name in names {
            let listing = ListingIndexer.index(path: CommandLineTests.corpus.appendingPathComponent(name).path)
            var streamed: [UInt8] = []
            ArchiveManifest.stream(listing) { streamed += $0 }
            let document = ArchiveManifest.document(listing).serialized()
            #expect(String(decoding: streamed, as: UTF8.self) == document, "\(name)")
            let keys = Array(document.split(separator: "\n").prefix(3))
            #expect(keys.count == 3 && keys[2].contains("\"mode\": \"listing\""), "\(keys)")
            if let entry = listing.entries.first {
                #expect(!entry.verified)
                #expect(document.contains("\"sha256\": null,\n      \"verified\": false,\n      \"modified\""))
            }
        }
    }

    @Test("errors: a missing object exits 3, --extract with s3:// exits 2, a wrong secret exits 3; one line each")
    func errors() throws {
        let stack = try FetchTests.stack()
        let bucket = stack["EC_S3_BUCKET"] ?? ""
        let missing = try CommandLineTests.run(["index", "s3://\(bucket)/\(Self.prefix)none.zip"], environment: try FetchTests.clientEnvironment())
        #expect(missing.status == 3, "\(missing.stderr)")
        #expect(missing.stderr.hasPrefix("error: ") && missing.stderr.contains("no such object"), "\(missing.stderr)")
        #expect(missing.stderr.split(separator: "\n").count == 1)

        let extract = try CommandLineTests.run(["index", "s3://\(bucket)/\(Self.prefix)small.zip", "--extract", "/tmp/x"],
                                               environment: try FetchTests.clientEnvironment())
        #expect(extract.status == 2)
        #expect(extract.stderr.hasPrefix("error: ") && extract.stderr.split(separator: "\n").count == 1, "\(extract.stderr)")

        let prefix = try CommandLineTests.run(["index", "s3://\(bucket)/\(Self.prefix)"], environment: try FetchTests.clientEnvironment())
        #expect(prefix.status == 2 && prefix.stderr.contains("prefix"), "\(prefix.stderr)")

        let wrong = "wrongSecretKeyForTests0123456789abcdefXYZ"
        let denied = try CommandLineTests.run(["index", "s3://\(bucket)/\(Self.prefix)small.zip"],
                                              environment: try FetchTests.clientEnvironment(secret: wrong))
        #expect(denied.status == 3)
        #expect(denied.stderr.contains("SignatureDoesNotMatch") && !denied.stderr.contains(wrong), "\(denied.stderr)")
        #expect(denied.stderr.split(separator: "\n").count == 1)
    }
}
