import Dispatch
import Foundation
import Testing
@testable import ZipIndex

/// Verifying while downloading must change nothing but the time it takes:
/// the index built from the streaming scan equals the two-pass index field
/// for field, whatever the archive and however its bytes arrive.
@Suite("Single pass")
struct SinglePassTests {
    typealias Random = MutationTests.SeededGenerator

    /// Chunk sizes around every boundary the scanner keeps state across:
    /// signatures, the 30-byte header, descriptors, zlib's and our buffers.
    static let sizes = [1, 2, 3, 4, 7, 16, 29, 30, 31, 46, 64, 509, 4096, 65_536, 262_144, 1 << 20]

    static func pieces(of bytes: [UInt8], using random: inout Random) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var start = 0
        while start < bytes.count {
            let size = Self.sizes[Int.random(in: 0 ..< Self.sizes.count, using: &random)]
            let end = min(bytes.count, start + size)
            pieces.append(Array(bytes[start ..< end]))
            start = end
        }
        return pieces
    }

    /// Every archive the other suites use: the peer corpus, the generated set,
    /// and the streaming suite's two layouts (sizes in headers, data descriptors).
    static func archives() throws -> [URL] {
        let corpus = TestPaths.zipCorpus.appendingPathComponent("files")
        var urls = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
            .map { corpus.appendingPathComponent($0) }
        if let generated = GeneratedArchiveTests.folder {
            urls += GeneratedArchiveTests.cases.map { generated.appendingPathComponent($0.file) }
        }
        urls.append(try StreamingTests.makeArchive(streamed: false).0)
        urls.append(try StreamingTests.makeArchive(streamed: true).0)
        return urls.filter { url in
            ((try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) < 64 << 20
        }
    }

    /// The fields that may differ: how much was read, and how much was reused.
    static func comparable(_ index: ArchiveIndex) -> ArchiveIndex {
        var index = index
        index.bytesRead = 0
        index.settledWhileDownloading = 0
        return index
    }

    /// Indexes `path` in two passes and from a scan of its bytes in random
    /// pieces. - Returns: entries settled by the scan, and what differs (none: nil).
    static func compare(_ path: String, options: IndexOptions, random: inout Random) throws -> (settled: Int, difference: String?) {
        try compare(path, options: options) { pieces(of: $0, using: &random) }
    }

    /// `compare` with the archive's bytes cut by `split`.
    static func compare(_ path: String, options: IndexOptions, split: ([UInt8]) -> [[UInt8]]) throws -> (settled: Int, difference: String?) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let twoPass = ZipIndexer.index(path: path, options: options)
        guard let scan = StreamedScan.scanning(split(bytes), options: options) else {
            return (0, "\(path): no scan")
        }
        if scan.bytes != UInt64(bytes.count) { return (0, "\(path): scanned \(scan.bytes) of \(bytes.count) bytes") }
        let onePass = ZipIndexer.index(path: path, options: options, streamed: scan)
        guard comparable(onePass) != comparable(twoPass) else { return (onePass.settledWhileDownloading, nil) }
        var lines = ["\(path): the indexes differ"]
        for (a, b) in zip(onePass.entries, twoPass.entries) where a != b {
            lines.append("  \(a.path): single pass \(String(describing: a.error)) \(a.sha256 ?? "-"), two passes \(String(describing: b.error)) \(b.sha256 ?? "-")")
        }
        return (onePass.settledWhileDownloading, lines.joined(separator: "\n"))
    }

    static func check(_ path: String, options: IndexOptions, random: inout Random) throws -> Int {
        let (settled, difference) = try compare(path, options: options, random: &random)
        #expect(difference == nil, "\(difference ?? "")")
        return settled
    }

    /// Runs CPU-heavy checks on a thread of their own, not on one of the few
    /// cooperative threads other suites' timing tests wait for.
    /// (Expectations are checked back in the test, where Swift Testing sees them.)
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            Thread {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }.start()
        }
    }

    @Test("corpus and generated archives in random chunks: the same index as two passes")
    func corpusInRandomChunks() async throws {
        let (count, settled, entries, differences) = try await Self.offPool { () throws -> (Int, Int, Int, [String]) in
            let archives = try Self.archives()
            var random = Random(state: 29)
            var settled = 0, entries = 0
            var differences: [String] = []
            for url in archives {
                var options = IndexOptions()
                options.parallelHashing = Bool.random(using: &random)
                let (count, difference) = try Self.compare(url.path, options: options, random: &random)
                settled += count
                if let difference { differences.append(difference) }
                entries += ZipIndexer.index(path: url.path, options: options).entryCount
            }
            return (archives.count, settled, entries, differences)
        }
        #expect(count > 100, "corpus or generated archives missing")
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
        // The comparison means something only if the scan settled most entries.
        #expect(settled * 2 > entries, "settled \(settled) of \(entries) entries from the stream")
    }

    @Test("without SHA-256, and with entries extracted (read from the file), still the same index")
    func optionsAndExtraction() throws {
        // Sizes in the local headers: the scan settles every entry.
        let (archive, _) = try StreamingTests.makeArchive(streamed: false)
        let folder = try makeTemporaryDirectory("ec-single-pass")
        defer {
            try? FileManager.default.removeItem(at: folder)
            try? FileManager.default.removeItem(at: archive.deletingLastPathComponent())
        }
        var random = Random(state: 7)
        var options = IndexOptions()
        options.sha256 = false
        #expect(try Self.check(archive.path, options: options, random: &random) == 5)

        let bytes = [UInt8](try Data(contentsOf: archive))
        let scan = try #require(StreamedScan.scanning(Self.pieces(of: bytes, using: &random), options: IndexOptions()))
        let request = { (name: String) in ExtractionRequest(directory: folder.appendingPathComponent(name).path, include: ["logs/*"]) }
        let twoPass = ZipIndexer.index(path: archive.path, extraction: request("two"))
        let onePass = ZipIndexer.index(path: archive.path, extraction: request("one"), streamed: scan)
        #expect(Self.comparable(onePass) == Self.comparable(twoPass))
        #expect(onePass.settledWhileDownloading == 4, "the extracted entry is decoded from the file")
        let extracted = try Data(contentsOf: folder.appendingPathComponent("one/logs/big.log"))
        #expect(extracted == (try Data(contentsOf: folder.appendingPathComponent("two/logs/big.log"))))
    }

    @Test("mutated archives in random chunks: the same verdicts as two passes")
    func mutationsInRandomChunks() async throws {
        let differences = try await Self.offPool { () throws -> [String] in
            let folder = try makeTemporaryDirectory("ec-single-mutate")
            defer { try? FileManager.default.removeItem(at: folder) }
            let (source, _) = try StreamingTests.makeArchive(streamed: true)
            let (seekable, _) = try StreamingTests.makeArchive(streamed: false)
            let originals = try [source, seekable].map { [UInt8](try Data(contentsOf: $0)) }
            var random = Random(state: 4242)
            let path = folder.appendingPathComponent("mutated.zip")
            var differences: [String] = []
            for _ in 0 ..< 120 {
                var bytes = originals[Int.random(in: 0 ..< originals.count, using: &random)]
                for _ in 0 ..< Int.random(in: 1 ... 4, using: &random) {
                    bytes[Int.random(in: 0 ..< bytes.count, using: &random)] = UInt8.random(in: 0 ... 255, using: &random)
                }
                try Data(bytes).write(to: path)
                if let difference = try Self.compare(path.path, options: IndexOptions(), random: &random).difference {
                    differences.append(difference)
                }
            }
            return differences
        }
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }

    @Test("a followed file written in pieces, restarted and resumed: the same index")
    func followerRestartsAndResumes() async throws {
        let (archive, _) = try StreamingTests.makeArchive(streamed: false)
        defer { try? FileManager.default.removeItem(at: archive.deletingLastPathComponent()) }
        let bytes = [UInt8](try Data(contentsOf: archive))
        let folder = try makeTemporaryDirectory("ec-follow")
        defer { try? FileManager.default.removeItem(at: folder) }
        let part = folder.appendingPathComponent("a.zip.part").path
        let final = folder.appendingPathComponent("a.zip").path

        // An earlier process left the first third on disk.
        let third = bytes.count / 3
        try Data(bytes[0 ..< third]).write(to: URL(fileURLWithPath: part))
        let follower = ArchiveFollower(partPath: part, options: IndexOptions())
        follower.holds(UInt64(third))

        let writer = DispatchQueue(label: "writer")
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            writer.async {
                var random = Random(state: 11)
                guard let handle = FileHandle(forWritingAtPath: part) else { return done.resume() }
                // The object was replaced: the file starts again, with other bytes first.
                handle.truncateFile(atOffset: 0)
                follower.restarted()
                handle.write(Data(repeating: 0x50, count: 5000))
                follower.holds(5000)
                handle.truncateFile(atOffset: 0)
                follower.restarted()
                var written = 0
                for piece in Self.pieces(of: bytes, using: &random) {
                    handle.write(Data(piece))
                    written += piece.count
                    follower.holds(UInt64(written))
                    if Int.random(in: 0 ..< 50, using: &random) == 0 { usleep(2000) }
                }
                try? handle.close()
                done.resume()
            }
        }
        #expect(rename(part, final) == 0)
        let scan = try #require(await follower.finish(finalPath: final, size: UInt64(bytes.count)))
        let onePass = ZipIndexer.index(path: final, streamed: scan)
        let twoPass = ZipIndexer.index(path: final)
        #expect(Self.comparable(onePass) == Self.comparable(twoPass))
        #expect(onePass.settledWhileDownloading == onePass.entryCount)
        #expect(onePass.isOK)
    }

    @Test("a scan of other bytes than the file's is not used")
    func scanOfAnotherSize() throws {
        let (archive, _) = try StreamingTests.makeArchive(streamed: false)
        defer { try? FileManager.default.removeItem(at: archive.deletingLastPathComponent()) }
        let bytes = [UInt8](try Data(contentsOf: archive))
        let scan = try #require(StreamedScan.scanning([Array(bytes.dropLast())], options: IndexOptions()))
        let index = ZipIndexer.index(path: archive.path, streamed: scan)
        #expect(index.settledWhileDownloading == 0)
        #expect(index.sha256 == ZipIndexer.index(path: archive.path).sha256)
    }
}
