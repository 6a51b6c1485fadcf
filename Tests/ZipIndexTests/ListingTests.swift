import Foundation
import Testing
@testable import ZipIndex

/// The listing (`ListingIndexer`): for every corpus and generated archive, the
/// entries and data-free findings a full index gives, read through byte ranges
/// of the file, in at most two requests and the directory's bytes.
@Suite("Listing from the central directory")
struct ListingTests {
    struct Archive: CustomTestStringConvertible, Sendable {
        var path: String
        var options: [String]
        var testDescription: String { URL(fileURLWithPath: path).lastPathComponent }
    }

    static let archives: [Archive] = {
        let corpus = TestPaths.zipCorpus.appendingPathComponent("files")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
        var list = names.filter { $0.hasSuffix(".zip") || $0.contains(".z") }.sorted()
            .map { Archive(path: corpus.appendingPathComponent($0).path, options: []) }
        if let folder = GeneratedArchiveTests.folder {
            list += GeneratedArchiveTests.cases.map {
                Archive(path: folder.appendingPathComponent($0.file).path, options: $0.arguments)
            }
        }
        return list
    }()

    /// Reads ranges of a local file as an HTTP server would serve them, and
    /// remembers what was asked.
    final class LocalRanges {
        let handle: FileHandle
        var requests: [Range<UInt64>] = []

        init(_ path: String) throws {
            handle = try #require(FileHandle(forReadingAtPath: path))
        }

        deinit { try? handle.close() }

        func read(_ range: Range<UInt64>) -> [UInt8] {
            requests.append(range)
            try? handle.seek(toOffset: range.lowerBound)
            return [UInt8]((try? handle.read(upToCount: range.count)) ?? Data())
        }
    }

    static func listThroughRanges(_ path: String, options: IndexOptions) async throws -> (ArchiveIndex, [Range<UInt64>]) {
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64)
        let ranges = try LocalRanges(path)
        let index = await ListingIndexer.index(path: path, size: size, options: options) { range in ranges.read(range) }
        return (index, ranges.requests)
    }

    /// The central directory's recorded size, read the way the indexer reads it.
    static func directorySize(_ path: String) throws -> UInt64? {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bytes = [UInt8](data)
        let tail = Array(bytes.suffix(maximumTailLength))
        return try? tail.withBytes { raw throws(ArchiveFailure) in
            try EndOfCentralDirectory.locate(tail: raw, fileSize: UInt64(bytes.count)) { offset, count throws(ArchiveFailure) in
                Array(bytes[Int(offset) ..< Int(offset) + count])
            }
        }?.directorySize
    }

    @Test("the corpus and the generated archives are there")
    func archivesPresent() {
        #expect(Self.archives.count >= 110, "\(Self.archives.count) archives")
    }

    @Test("listing through byte ranges equals the full index's entries and data-free findings", arguments: archives)
    func sameAsFullIndex(_ archive: Archive) async throws {
        let options = try GeneratedArchiveTests.options(archive.options)
        let full = ZipIndexer.index(path: archive.path, options: options)
        let (ranged, requests) = try await Self.listThroughRanges(archive.path, options: options)
        let direct = ListingIndexer.index(path: archive.path, options: options)
        let name = archive.testDescription

        Self.expectListing(ranged, matches: full, name)
        var (a, b) = (ranged, direct)
        (a.bytesRead, b.bytesRead) = (0, 0)
        #expect(a == b, "\(name): through ranges and through the file differ")

        #expect(ranged.bytesRead == requests.reduce(0) { $0 + UInt64($1.count) })
        if full.error == nil, let directory = try Self.directorySize(archive.path) {
            #expect(requests.count <= 2, "\(name): \(requests)")
            #expect(ranged.bytesRead <= ListingIndexer.suffixLength + directory, "\(name): \(ranged.bytesRead) bytes for a \(directory)-byte directory")
        }
    }

    /// What the full index decided from the directory alone, the listing decides the same way.
    static func expectListing(_ listing: ArchiveIndex, matches full: ArchiveIndex, _ name: String) {
        #expect(listing.mode == .listing)
        #expect(listing.sha256 == nil)
        #expect(listing.bytes == full.bytes)
        #expect(listing.comment == full.comment, "\(name)")
        expectSameError(listing.error, full.error, name)

        #expect(listing.entries.allSatisfy { $0.sha256 == nil && !$0.verified }, "\(name)")
        #expect(listing.entries.count == full.entries.count, "\(name): \(listing.entries.count) listed, \(full.entries.count) indexed")
        for (listed, indexed) in zip(listing.entries, full.entries) {
            let context = "\(name): \(indexed.path)"
            #expect(listed.path == indexed.path, "\(context)")
            #expect(listed.type == indexed.type, "\(context)")
            #expect(listed.method == indexed.method, "\(context)")
            #expect(listed.compressedBytes == indexed.compressedBytes, "\(context)")
            #expect(listed.bytes == indexed.bytes, "\(context)")
            #expect(listed.crc32 == indexed.crc32, "\(context)")
            #expect(listed.modified == indexed.modified, "\(context)")
            #expect(listed.mode == indexed.mode, "\(context)")
            #expect(listed.encrypted == indexed.encrypted, "\(context)")
            // An error found in the directory is final: the data pass never replaces it.
            if let error = listed.error { #expect(indexed.error == error, "\(context)") }
        }

        // The listing's findings are the full index's, less those only the data
        // can give (a symlink's target, an entry's real extent): in order.
        var remaining = full.findings[...]
        for finding in listing.findings {
            guard let at = remaining.firstIndex(of: finding) else {
                Issue.record("\(name): listing finding \(finding) is not in the full index")
                continue
            }
            for skipped in remaining[..<at] { expectDataFinding(skipped, name) }
            remaining = remaining[(at + 1)...]
        }
        for skipped in remaining { expectDataFinding(skipped, name) }
    }

    static func expectDataFinding(_ finding: Finding, _ name: String) {
        let fromData = finding.kind == .symlinkEscape && finding.message.hasPrefix("symlink target")
            || finding.kind == .overlappingEntries && finding.message.contains("previous entry's data")
        #expect(fromData, "\(name): full index finding \(finding) missing from the listing")
    }

    /// Archive errors agree, except those the entry pass finds in the data (a
    /// local header, an entry running past the directory): the full index
    /// then names an entry the listing did not fault, or an earlier one.
    static func expectSameError(_ listed: ArchiveFailure?, _ indexed: ArchiveFailure?, _ name: String) {
        if listed == indexed { return }
        guard let indexed, indexed.message.hasPrefix("entry #"), let indexedEntry = entryNumber(indexed.message) else {
            Issue.record("\(name): listing error \(String(describing: listed)), full index \(String(describing: indexed))")
            return
        }
        if let listed {
            let listedEntry = entryNumber(listed.message) ?? 0
            #expect(listedEntry > indexedEntry, "\(name): listing \(listed), full index \(indexed)")
        }
    }

    static func entryNumber(_ message: String) -> Int? {
        guard message.hasPrefix("entry #") else { return nil }
        return Int(message.dropFirst("entry #".count).prefix { $0.isNumber })
    }

    // MARK: Requests

    static let maker = #"""
import sys, zipfile
path, count, comment = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
    for i in range(count):
        zf.writestr(zipfile.ZipInfo("logs/%06d.log" % i, (2026, 11, 28, 21, 4, 6)), b"line %d\n" % i * (i % 7))
    zf.comment = b"c" * comment
"""#

    static func make(_ name: String, entries: Int, comment: Int = 0) throws -> String {
        let folder = try makeTemporaryDirectory("ec-listing")
        let path = folder.appendingPathComponent(name).path
        try runPython(maker, [path, String(entries), String(comment)])
        return path
    }

    @Test("a directory larger than the suffix: exactly its missing bytes in a second request",
          arguments: [(70_000, 0), (70_000, 65_535), (3, 65_535), (3, 0)])
    func requests(entries: Int, comment: Int) async throws {
        let path = try Self.make("a.zip", entries: entries, comment: comment)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let full = ZipIndexer.index(path: path)
        let (listing, requests) = try await Self.listThroughRanges(path, options: IndexOptions())
        Self.expectListing(listing, matches: full, "\(entries) entries")
        #expect(listing.error == nil && listing.entryCount == entries)
        #expect(listing.comment.count == comment)
        let size = full.bytes
        let suffix = ListingIndexer.suffixLength
        #expect(requests.first == (size - min(size, suffix)) ..< size)
        let directory = try #require(try Self.directorySize(path))
        let zip64Records: UInt64 = entries > 65_535 ? 20 + 56 : 0
        if size > suffix, directory + 22 + zip64Records + UInt64(comment) > suffix {
            #expect(requests.count == 2, "\(requests)")
            // From the directory's start up to the suffix, nothing more.
            #expect(requests.last?.upperBound == size - suffix)
            #expect(requests.last?.lowerBound == size - directory - 22 - UInt64(comment) - zip64Records)
        } else {
            #expect(requests.count == 1, "\(requests)")
        }
        #expect(listing.bytesRead <= suffix + directory)
    }

    @Test("an empty object needs no request; a large file without ZIP structure costs the suffix and four bytes")
    func notZip() async throws {
        let folder = try makeTemporaryDirectory("ec-listing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty.zip").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        let (nothing, none) = try await Self.listThroughRanges(empty, options: IndexOptions())
        #expect(nothing.error?.kind == .notZip && none.isEmpty)

        let noise = folder.appendingPathComponent("noise.zip").path
        FileManager.default.createFile(atPath: noise, contents: Data((0 ..< 1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }))
        let (listing, requests) = try await Self.listThroughRanges(noise, options: IndexOptions())
        #expect(listing.error == ZipIndexer.index(path: noise).error)
        #expect(listing.error?.kind == .notZip)
        #expect(requests.count == 2 && requests.last == 0 ..< 4, "\(requests)")
    }

    @Test("a short answer to a range request is an io error, not a wrong listing")
    func shortRead() async throws {
        let path = try Self.make("short.zip", entries: 70_000)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64)
        let ranges = try LocalRanges(path)
        let listing = await ListingIndexer.index(path: path, size: size) { range in Array(ranges.read(range).dropLast()) }
        #expect(listing.error?.kind == .io, "\(String(describing: listing.error))")
        #expect(listing.entries.isEmpty)
    }

    @Test("the range cache merges what touches and asks only for what it lacks")
    func cache() throws {
        let cache = RangeCache(size: 100)
        cache.insert(at: 80, Array(80 ..< 100))
        cache.insert(at: 40, Array(40 ..< 60))
        cache.startPass()
        cache.willRead(30 ..< 90)
        #expect(throws: ArchiveFailure.self) { try cache.read(at: 30, count: 4) }
        // The hint, less the 80…89 already held (40…59 in the middle is fetched again).
        #expect(cache.nextRequest() == 30 ..< 80)
        cache.insert(at: 30, Array(30 ..< 80))
        cache.startPass()
        #expect(try cache.read(at: 30, count: 70) == Array(30 ..< 100))
        #expect(cache.nextRequest() == nil)
        #expect(throws: ArchiveFailure.self) { try cache.read(at: 95, count: 10) }
        #expect(cache.nextRequest() == nil, "a read past the end is not a miss")
        #expect(cache.bytesRead == 90)
    }
}
