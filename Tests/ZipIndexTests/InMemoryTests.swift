import Foundation
import Testing
@testable import ZipIndex

/// Verifying an archive from its stream alone, with no file (`ArchiveStreamer`):
/// where the kept headers and central directory suffice the index equals the
/// two-pass index of the file field for field; where they do not, the
/// indexer says so (`nil`) instead of guessing.
@Suite("In memory")
struct InMemoryTests {
    typealias Random = SinglePassTests.Random

    /// Streams `bytes` in random pieces through an `ArchiveStreamer`.
    static func stream(_ bytes: [UInt8], options: IndexOptions, retainLimit: Int = 24 << 20,
                       random: inout Random) async -> StreamedArchive? {
        let streamer = ArchiveStreamer(options: options, retainLimit: retainLimit)
        for piece in SinglePassTests.pieces(of: bytes, using: &random) {
            piece.withUnsafeBytes { streamer.receive($0) }
        }
        return await streamer.finish()
    }

    @Test("corpus and generated archives: the same index as two passes, or a clear 'needs the file'")
    func corpusFromStreamAlone() async throws {
        let archives = try SinglePassTests.archives()
        var random = Random(state: 41)
        var fromMemory = 0
        var differences: [String] = []
        for url in archives {
            var options = IndexOptions()
            options.parallelHashing = Bool.random(using: &random)
            let bytes = [UInt8](try Data(contentsOf: url))
            let twoPass = ZipIndexer.index(path: url.path, options: options)
            guard let archive = await Self.stream(bytes, options: options, random: &random) else {
                differences.append("\(url.lastPathComponent): the streamer gave no result")
                continue
            }
            #expect(archive.size == UInt64(bytes.count))
            // Memory stays bounded by what an index needs, not the archive's size.
            #expect(archive.keptBytes <= 24 << 20)
            guard let memory = ZipIndexer.index(streamed: archive, path: url.path, options: options) else { continue }
            fromMemory += 1
            if SinglePassTests.comparable(memory) != SinglePassTests.comparable(twoPass) {
                var lines = ["\(url.lastPathComponent): the indexes differ"]
                if memory.error != twoPass.error {
                    lines.append("  archive error: memory \(String(describing: memory.error)), file \(String(describing: twoPass.error))")
                }
                if memory.findings != twoPass.findings { lines.append("  findings differ") }
                for (a, b) in zip(memory.entries, twoPass.entries) where a != b {
                    lines.append("  \(a.path): memory \(String(describing: a.error)) \(a.sha256 ?? "-"), file \(String(describing: b.error)) \(b.sha256 ?? "-")")
                }
                differences.append(lines.joined(separator: "\n"))
            }
        }
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
        // Most archives are ordinary: they must be indexed without the file.
        #expect(fromMemory * 2 > archives.count, "\(fromMemory) of \(archives.count) archives indexed from the stream alone")
    }

    @Test("sizes in the local headers or in data descriptors (stored entries too): no file needed")
    func ordinaryLayouts() async throws {
        for streamed in [false, true] {
            let (url, digests) = try StreamingTests.makeArchive(streamed: streamed)
            defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
            var random = Random(state: streamed ? 7 : 8)
            let archive = try #require(await Self.stream([UInt8](try Data(contentsOf: url)), options: IndexOptions(), random: &random))
            let memory = try #require(ZipIndexer.index(streamed: archive, path: url.path), "streamed: \(streamed)")
            #expect(memory.isOK)
            #expect(memory.settledWhileDownloading == memory.entryCount)
            #expect(Dictionary(uniqueKeysWithValues: memory.entries.map { ($0.path, $0.sha256 ?? "") }) == digests)
            // Kept: headers and the central directory, a small part of the archive.
            #expect(archive.keptBytes < Int(archive.size) / 4, "kept \(archive.keptBytes) of \(archive.size) bytes")
        }
    }

    @Test("a restart drops the old object's bytes; captured entries are the ones the index vouches for")
    func restartAndCapture() async throws {
        let (first, _) = try StreamingTests.makeArchive(streamed: true)
        let (second, _) = try StreamingTests.makeArchive(streamed: false)
        defer {
            try? FileManager.default.removeItem(at: first.deletingLastPathComponent())
            try? FileManager.default.removeItem(at: second.deletingLastPathComponent())
        }
        let old = [UInt8](try Data(contentsOf: first)), new = [UInt8](try Data(contentsOf: second))
        let twoPass = ZipIndexer.index(path: second.path)
        let name = try #require(twoPass.entries.first { $0.bytes > 0 && $0.bytes < 1 << 20 }?.path)

        let streamer = ArchiveStreamer(options: IndexOptions(), capture: [name])
        var random = Random(state: 3)
        for piece in SinglePassTests.pieces(of: Array(old.prefix(old.count / 2)), using: &random) {
            piece.withUnsafeBytes { streamer.receive($0) }
        }
        streamer.restarted()
        #expect(streamer.receivedBytes == 0)
        for piece in SinglePassTests.pieces(of: new, using: &random) {
            piece.withUnsafeBytes { streamer.receive($0) }
        }
        #expect(streamer.receivedBytes == UInt64(new.count))
        let archive = try #require(await streamer.finish())
        let memory = try #require(ZipIndexer.index(streamed: archive, path: second.path))
        #expect(SinglePassTests.comparable(memory) == SinglePassTests.comparable(twoPass))

        let entry = try #require(memory.entries.first { $0.path == name })
        let captured = try #require(archive.capturedBytes(of: entry))
        #expect(UInt64(captured.count) == entry.bytes)
        var forged = entry
        forged.crc32 ^= 1
        #expect(archive.capturedBytes(of: forged) == nil, "bytes are handed out only for the CRC the index vouches for")
    }

    @Test("a cancelled stream gives no result, and late bytes are dropped without blocking")
    func cancel() async throws {
        let streamer = ArchiveStreamer(options: IndexOptions())
        let bytes = [UInt8](repeating: 0x50, count: 3 << 20)
        bytes.withUnsafeBytes { streamer.receive($0) }
        streamer.cancel()
        // More than the pool holds: would block forever if dropped bytes were queued.
        let more = [UInt8](repeating: 0x4B, count: 8 << 20)
        more.withUnsafeBytes { streamer.receive($0) }
        #expect(await streamer.finish() == nil)
    }

    @Test("prepended data: kept whole while small (the same index), the file is needed beyond the limit")
    func prependedData() async throws {
        let (url, _) = try StreamingTests.makeArchive(streamed: false)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        // A self-extractor's stub before the archive: the scan stops at byte 0
        // and keeps everything after it, up to the limit.
        let bytes = [UInt8](repeating: 0x90, count: 2 << 20) + [UInt8](try Data(contentsOf: url))
        let path = url.deletingLastPathComponent().appendingPathComponent("sfx.zip").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let twoPass = ZipIndexer.index(path: path)
        #expect(twoPass.findings.contains { $0.kind == .prependedData })
        var random = Random(state: 5)
        let whole = try #require(await Self.stream(bytes, options: IndexOptions(), random: &random))
        let memory = try #require(ZipIndexer.index(streamed: whole, path: path))
        #expect(SinglePassTests.comparable(memory) == SinglePassTests.comparable(twoPass))
        let limited = try #require(await Self.stream(bytes, options: IndexOptions(), retainLimit: 1 << 20, random: &random))
        #expect(limited.keptBytes == 0)
        #expect(ZipIndexer.index(streamed: limited, path: path) == nil)
    }
}
