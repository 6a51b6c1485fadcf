import Foundation
import Testing
@testable import ZipIndex

/// Stored entries whose sizes follow their data in a data descriptor (Go's
/// archive/zip, Python's zipfile on an unseekable stream): the scan follows
/// them to their descriptor, and the central directory still decides.
extension SinglePassTests {
    /// Writes the archives with Python's zipfile into an unseekable stream,
    /// plus damaged copies, and prints each one's layout as JSON.
    static let storedDescriptorScript = #"""
import json, random, struct, sys, zipfile, zlib
folder = sys.argv[1]
rnd = random.Random(11)
DD = b"PK\x07\x08"
def text(n):
    words = [bytes(rnd.choice(b"abcdefghij") for _ in range(rnd.randint(2, 8))) for _ in range(200)]
    out = bytearray()
    while len(out) < n:
        out += b" ".join(rnd.choice(words) for _ in range(10)) + b"\n"
    return bytes(out[:n])
def lying(prefix):
    # Descriptor bytes that describe the prefix (CRC-32 and sizes) but are followed by no record.
    return DD + struct.pack("<LLL", zlib.crc32(prefix), len(prefix), len(prefix))
def planted(prefix, tail):
    # After the prefix: a descriptor that fits it, then a local header whose
    # stored data runs over the rest and the real 16-byte descriptor, so a
    # scan that believes it lands on the next real header again.
    header = struct.pack("<LHHHHHLLLHH", 0x04034B50, 20, 0, 0, 0, 0, 0, len(tail) + 16, len(tail) + 16, 8, 0) + b"evil.txt"
    return prefix + lying(prefix) + header + tail
def write(name, entries, zip64=False):
    path = f"{folder}/{name}"
    with open(path, "wb") as raw, zipfile.ZipFile(Unseekable(raw), "w") as zf:
        for entry, data, method in entries:
            info = zipfile.ZipInfo(entry, (2026, 1, 2, 3, 4, 6))
            info.compress_type = method
            with zf.open(info, "w", force_zip64=zip64) as out:
                out.write(data)
        offsets = [i.header_offset for i in zf.infolist() if i.compress_type == zipfile.ZIP_STORED]
    return path, offsets
S, D = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
blob = rnd.randbytes(150_000)
mixed = [
    ("a/text.log", text(120_000), D),
    ("b/blob.bin", blob, S),
    ("c/empty", b"", S),
    ("d/one", b"P", S),
    # Signature bytes inside data, a lying descriptor, data ending in a signature prefix.
    ("e/signatures", DD * 40 + lying(b"x" * 9) + b"PK\x03\x04" + lying(DD * 3)[:13] + b"PK\x07", S),
    ("f/text2.log", text(40_000), D),
    ("g/after", rnd.randbytes(3_000) + b"PK", S),
    ("h/empty-deflated", b"", D),
]
cases = {}
for name, entries, zip64 in [("mixed.zip", mixed, False), ("zip64.zip", mixed[:6], True)]:
    path, offsets = write(name, entries, zip64)
    cases[name] = {"entries": len(entries), "stored": offsets}
prefix = rnd.randbytes(5_000)
adversarial = [
    ("a/before.log", text(20_000), D),
    # Longer than the last 64 KiB a stream keeps, so its data is not kept.
    ("b/planted.bin", planted(prefix, rnd.randbytes(200_000)), S),
    ("c/after.bin", rnd.randbytes(9_000), S),
    ("d/after.log", text(10_000), D),
    ("e/lure.bin", prefix + lying(prefix) + b"PK\x01\x02" + rnd.randbytes(300), S),
    ("f/last", b"end", S),
]
path, offsets = write("planted.zip", adversarial)
cases["planted.zip"] = {"entries": len(adversarial), "stored": offsets,
                        "planted": offsets[0] + 30 + len("b/planted.bin") + len(prefix) + 16}
def corrupt(source, name, target, where):
    data = bytearray(open(f"{folder}/{source}", "rb").read())
    info = zipfile.ZipFile(f"{folder}/{source}").getinfo(name)
    n, m = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + 30 + n + m
    if "data" in where: data[start + info.compress_size // 2] ^= 0x01
    if "descriptor" in where: data[start + info.compress_size + 4] ^= 0x01
    if "directory" in where:
        position = struct.unpack_from("<L", data, data.rfind(b"PK\x05\x06") + 16)[0]
        while data[position:position + 4] == b"PK\x01\x02":
            n, m, k = struct.unpack_from("<HHH", data, position + 28)
            if data[position + 46:position + 46 + n] == name.encode(): data[position + 16] ^= 0x01
            position += 46 + n + m + k
    open(f"{folder}/{target}", "wb").write(data)
    cases[target] = {"entries": cases[source]["entries"], "stored": cases[source]["stored"], "corrupted": name}
corrupt("mixed.zip", "b/blob.bin", "crc-directory.zip", ["directory"])
corrupt("mixed.zip", "d/one", "crc-both.zip", ["directory", "descriptor"])
corrupt("mixed.zip", "c/empty", "crc-descriptor.zip", ["descriptor"])
corrupt("mixed.zip", "g/after", "data.zip", ["data"])
corrupt("zip64.zip", "e/signatures", "zip64-crc-directory.zip", ["directory"])
corrupt("mixed.zip", "f/text2.log", "deflate-crc-directory.zip", ["directory"])
print(json.dumps(cases))
"""#

    struct StoredDescriptorLayout: Decodable {
        var entries: Int
        /// Local header offsets of the stored entries (all with descriptors).
        var stored: [UInt64]
        /// Where the fake local header planted in an entry's data lies.
        var planted: UInt64?
        /// The entry a damaged copy damages.
        var corrupted: String?
    }

    static func makeStoredDescriptorArchives() throws -> (URL, [String: StoredDescriptorLayout]) {
        let folder = try makeTemporaryDirectory("ec-stored-descriptor")
        let output = try runPython(StreamingTests.unseekablePython + storedDescriptorScript, [folder.path])
        return (folder, try JSONDecoder().decode([String: StoredDescriptorLayout].self, from: Data(output.utf8)))
    }

    static func bytePieces(_ bytes: [UInt8]) -> [[UInt8]] { bytes.map { [$0] } }

    /// Compares single pass and two passes in `rounds` random cuttings and in
    /// 1-byte pieces, hashing in parallel or not. - Returns: entries settled
    /// from the scan in each comparison, and the differences.
    static func compareCuttings(_ path: URL, rounds: Int, random: inout Random) throws -> (settled: [Int], differences: [String]) {
        var settled: [Int] = []
        var differences: [String] = []
        for round in 0 ... rounds {
            var options = IndexOptions()
            options.parallelHashing = round % 2 == 0
            let (count, difference) = round == rounds
                ? try compare(path.path, options: options, split: bytePieces)
                : try compare(path.path, options: options, random: &random)
            settled.append(count)
            if let difference { differences.append(difference) }
        }
        return (settled, differences)
    }

    /// Indexes `archive` from its stream alone (`ArchiveStreamer`, no file).
    /// - Returns: whether the kept bytes sufficed, and how the index differs
    ///   from the two-pass one (none: nil).
    static func compareInMemory(_ archive: URL, random: inout Random) async throws -> (indexed: Bool, difference: String?) {
        var options = IndexOptions()
        options.parallelHashing = Bool.random(using: &random)
        let bytes = [UInt8](try Data(contentsOf: archive))
        guard let streamed = await InMemoryTests.stream(bytes, options: options, random: &random) else {
            return (false, "\(archive.lastPathComponent): the streamer gave no result")
        }
        guard let memory = ZipIndexer.index(streamed: streamed, path: archive.path, options: options) else { return (false, nil) }
        let twoPass = ZipIndexer.index(path: archive.path, options: options)
        return (true, comparable(memory) == comparable(twoPass) ? nil : "\(archive.lastPathComponent): memory and file indexes differ")
    }

    @Test("stored entries with data descriptors are settled by the scan, in pieces down to 1 byte")
    func storedDescriptorsSettled() async throws {
        let (folder, layouts) = try Self.makeStoredDescriptorArchives()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["mixed.zip", "zip64.zip"] {
            let layout = try #require(layouts[name])
            let archive = folder.appendingPathComponent(name)
            let (settled, differences) = try await Self.offPool { () throws -> ([Int], [String]) in
                var random = Random(state: 31)
                return try Self.compareCuttings(archive, rounds: 8, random: &random)
            }
            #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
            #expect(settled.allSatisfy { $0 == layout.entries }, "\(name): settled \(settled) of \(layout.entries)")

            let bytes = [UInt8](try Data(contentsOf: archive))
            let scan = try #require(StreamedScan.scanning(Self.bytePieces(bytes), options: IndexOptions()))
            #expect(scan.settledEntries == layout.entries)
            for offset in layout.stored {
                let entry = try #require(scan.entries[offset], "\(name): stored entry at \(offset) not settled")
                #expect(entry.inputLimit == nil && entry.consumed == entry.produced && entry.inflateFailure == nil)
            }
            let index = ZipIndexer.index(path: archive.path, streamed: scan)
            #expect(index.isOK, "\(String(describing: index.error)) \(index.entries.compactMap(\.error))")

            // With no file: the descriptors were kept, so the stream alone suffices.
            var random = Random(state: 47)
            let (indexed, difference) = try await Self.compareInMemory(archive, random: &random)
            #expect(indexed && difference == nil, "\(name): \(difference ?? "needs the file")")
        }
    }

    @Test("a descriptor and local header planted in stored data do not change the index")
    func plantedDescriptor() async throws {
        let (folder, layouts) = try Self.makeStoredDescriptorArchives()
        defer { try? FileManager.default.removeItem(at: folder) }
        let layout = try #require(layouts["planted.zip"])
        let archive = folder.appendingPathComponent("planted.zip")
        let (settled, differences) = try await Self.offPool { () throws -> ([Int], [String]) in
            var random = Random(state: 37)
            return try Self.compareCuttings(archive, rounds: 8, random: &random)
        }
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
        // The planted entry and the lure (whose fake descriptor leads to a
        // central header, where the scan stops) are read from the file, and so
        // is the entry after the lure; the rest are settled.
        #expect(settled.allSatisfy { $0 == layout.entries - 3 }, "settled \(settled)")

        // The scan was fooled: it settled the fake entry and ended the real one early.
        let bytes = [UInt8](try Data(contentsOf: archive))
        let scan = try #require(StreamedScan.scanning(Self.bytePieces(bytes), options: IndexOptions()))
        let planted = try #require(layout.planted)
        #expect(scan.entries[planted] != nil)
        let index = ZipIndexer.index(path: archive.path, streamed: scan)
        #expect(index.isOK, "\(String(describing: index.error)) \(index.entries.compactMap(\.error))")
        #expect(index.entryCount == layout.entries)
        #expect(!index.entries.contains { $0.path == "evil.txt" })

        // With no file, the planted entry's data was never kept (it lies
        // before the kept tail): the index says it needs the file rather than
        // trust the scan.
        var random = Random(state: 53)
        let (indexed, difference) = try await Self.compareInMemory(archive, random: &random)
        #expect(!indexed && difference == nil, "\(difference ?? "indexed from memory")")
    }

    @Test("damaged stored data-descriptor archives: the same verdicts as two passes")
    func damagedStoredDescriptors() async throws {
        let (folder, layouts) = try Self.makeStoredDescriptorArchives()
        defer { try? FileManager.default.removeItem(at: folder) }
        let damaged = layouts.filter { $0.value.corrupted != nil }.sorted { $0.key < $1.key }
        #expect(damaged.count == 6)
        for (name, layout) in damaged {
            let archive = folder.appendingPathComponent(name)
            let differences = try await Self.offPool { () throws -> [String] in
                var random = Random(state: 41)
                return try Self.compareCuttings(archive, rounds: 4, random: &random).differences
            }
            #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
            // The damage is seen: the damaged entry fails, whichever pass settles it.
            let entry = ZipIndexer.index(path: archive.path).entries.first { $0.path == layout.corrupted }
            #expect(entry?.error?.kind == .checksum, "\(name): \(String(describing: entry?.error))")
            var random = Random(state: 59)
            let difference = try await Self.compareInMemory(archive, random: &random).difference
            #expect(difference == nil, "\(difference ?? "")")
        }

        // And bytes flipped anywhere: in data, descriptors, headers, the directory.
        let differences = try await Self.offPool { () throws -> [String] in
            let originals = try ["mixed.zip", "zip64.zip", "planted.zip"].map {
                [UInt8](try Data(contentsOf: folder.appendingPathComponent($0)))
            }
            let path = folder.appendingPathComponent("flipped.zip")
            var random = Random(state: 43)
            var differences: [String] = []
            for round in 0 ..< 60 {
                var bytes = originals[round % originals.count]
                for _ in 0 ..< Int.random(in: 1 ... 3, using: &random) {
                    bytes[Int.random(in: 0 ..< bytes.count, using: &random)] = UInt8.random(in: 0 ... 255, using: &random)
                }
                try Data(bytes).write(to: path)
                var options = IndexOptions()
                options.parallelHashing = Bool.random(using: &random)
                if let difference = try Self.compare(path.path, options: options, random: &random).difference {
                    differences.append(difference)
                }
            }
            return differences
        }
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }
}
