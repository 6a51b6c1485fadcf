import Crypto
import Foundation
import Testing
@testable import ZipIndex

/// Entries larger than the read and output chunks, data descriptors, both
/// hashing modes, and the read-once promise, on archives Python's zipfile writes.
@Suite("Streaming verification")
struct StreamingTests {
    /// A file Python's zipfile cannot seek in: it then writes data descriptors.
    static let unseekablePython = #"""
class Unseekable:
    def __init__(self, f): self.f = f
    def write(self, b): return self.f.write(b)
    def flush(self): self.f.flush()
    def seekable(self): return False
    def tell(self): raise OSError

"""#

    /// Writes an archive with entries crossing every chunk size and prints each
    /// entry's SHA-256 as Python computes it.
    static let script = #"""
import hashlib, json, random, sys, zipfile
path, streamed = sys.argv[1], sys.argv[2] == "1"
rnd = random.Random(7)
words = [bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rnd.randint(2, 9))) for _ in range(500)]
def text(n):
    out = bytearray()
    while len(out) < n:
        out += b" ".join(rnd.choice(words) for _ in range(12)) + b"\n"
    return bytes(out[:n])
entries = {
    "logs/big.log": text(3_500_000),
    "crash/dump.bin": rnd.randbytes(1_300_000),
    "saves/slot1.json": text(70_000),
    "empty.txt": b"",
    "tiny.txt": b"x",
}
with open(path, "wb") as raw:
    target = Unseekable(raw) if streamed else raw
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in entries.items():
            method = zipfile.ZIP_STORED if name.startswith("crash") else zipfile.ZIP_DEFLATED
            zf.writestr(zipfile.ZipInfo(name, (2026, 11, 28, 21, 4, 6)), data, compress_type=method)
print(json.dumps({n: hashlib.sha256(d).hexdigest() for n, d in entries.items()}))
"""#

    static func makeArchive(streamed: Bool) throws -> (URL, [String: String]) {
        let folder = try makeTemporaryDirectory("ec-stream")
        let archive = folder.appendingPathComponent(streamed ? "streamed.zip" : "seekable.zip")
        let output = try runPython(unseekablePython + script, [archive.path, streamed ? "1" : "0"])
        let digests = try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String])
        return (archive, digests)
    }

    @Test("SHA-256 of every entry matches Python's hashlib", arguments: [false, true], [false, true])
    func digestsMatch(streamed: Bool, parallel: Bool) throws {
        let (archive, digests) = try Self.makeArchive(streamed: streamed)
        defer { try? FileManager.default.removeItem(at: archive.deletingLastPathComponent()) }
        var options = IndexOptions()
        options.parallelHashing = parallel
        let index = ZipIndexer.index(path: archive.path, options: options)
        #expect(index.isOK, "\(String(describing: index.error)) \(index.entries.compactMap(\.error))")
        #expect(index.entryCount == digests.count)
        for entry in index.entries {
            #expect(entry.sha256 == digests[entry.path], "\(entry.path)")
        }
        let whole = try Data(contentsOf: archive)
        #expect(index.sha256 == hexDigest(SHA256.hash(data: whole)))
    }

    @Test("each byte of the archive is read once")
    func readOnce() throws {
        let (archive, _) = try Self.makeArchive(streamed: true)
        defer { try? FileManager.default.removeItem(at: archive.deletingLastPathComponent()) }
        let index = ZipIndexer.index(path: archive.path)
        #expect(index.isOK)
        // The tail (up to 65,557 bytes) is read first; the entry area is then read
        // front to back, the bytes already in the tail served from memory.
        #expect(index.bytesRead <= index.bytes + 4, "read \(index.bytesRead) of \(index.bytes) bytes")
        #expect(index.bytesRead >= index.bytes)
    }

    @Test("without SHA-256 the digests are null and CRCs still checked")
    func noSHA256() throws {
        let (archive, _) = try Self.makeArchive(streamed: false)
        defer { try? FileManager.default.removeItem(at: archive.deletingLastPathComponent()) }
        var options = IndexOptions()
        options.sha256 = false
        let index = ZipIndexer.index(path: archive.path, options: options)
        #expect(index.isOK)
        #expect(index.sha256 == nil)
        #expect(index.entries.allSatisfy { $0.sha256 == nil } == true)
    }

    @Test("a flipped byte in a big deflate entry is a checksum or corrupt_data error")
    func corruption() throws {
        let (archive, _) = try Self.makeArchive(streamed: false)
        defer { try? FileManager.default.removeItem(at: archive.deletingLastPathComponent()) }
        var bytes = try Data(contentsOf: archive)
        bytes[2_000] ^= 0x40
        try bytes.write(to: archive)
        let index = ZipIndexer.index(path: archive.path)
        let big = try #require(index.entries.first { $0.path == "logs/big.log" })
        let kind = big.error?.kind.rawValue ?? "none"
        #expect(["checksum", "corrupt_data", "size_mismatch"].contains(kind))
        #expect(big.sha256 == nil)
        #expect(index.entries.filter { $0.path != "logs/big.log" }.allSatisfy { $0.isOK })
    }
}
