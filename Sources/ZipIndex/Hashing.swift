import Crypto
import Dispatch

/// SHA-256 of the archive stream and of each entry's uncompressed bytes.
///
/// In parallel mode the work runs on one serial queue, so the reading thread
/// inflates the next chunk while this one is hashed (the two halves of the
/// work take similar time, so a second core nearly doubles throughput). FIFO
/// order on the queue keeps every hasher's input in stream order. Small entries
/// are hashed inline: a queue hop costs more than hashing a few kilobytes.
final class Hashing: @unchecked Sendable {
    /// Entries up to this size are hashed on the calling thread.
    static let inlineLimit: UInt64 = 64 * 1024

    private let parallel: Bool
    private let queue = DispatchQueue(label: "export-collector.sha256", qos: .userInitiated)

    // Owned by `queue` in parallel mode, by the caller otherwise.
    private var archiveHasher = SHA256()
    private var entryHasher = SHA256()
    private var entryDigests: [Int: String] = [:]

    init(parallel: Bool) {
        self.parallel = parallel
    }

    /// Hashes `range` of `chunk` into the archive digest; the chunk stays alive until done.
    func archive(_ chunk: Chunk, _ range: Range<Int>) {
        guard parallel else {
            archiveHasher.update(bufferPointer: chunk.bytes(range))
            return
        }
        chunk.retain()
        queue.async {
            self.archiveHasher.update(bufferPointer: chunk.bytes(range))
            chunk.release()
        }
    }

    /// Hashes bytes held in memory (central directory, tail) into the archive digest.
    func archive(_ bytes: [UInt8]) {
        guard parallel else {
            archiveHasher.update(data: bytes)
            return
        }
        queue.async { self.archiveHasher.update(data: bytes) }
    }

    func beginEntry() {
        guard parallel else {
            entryHasher = SHA256()
            return
        }
        queue.async { self.entryHasher = SHA256() }
    }

    func entry(_ chunk: Chunk, _ range: Range<Int>) {
        guard parallel else {
            entryHasher.update(bufferPointer: chunk.bytes(range))
            return
        }
        chunk.retain()
        queue.async {
            self.entryHasher.update(bufferPointer: chunk.bytes(range))
            chunk.release()
        }
    }

    /// One-shot digests of several small entries laid out in one chunk.
    func entries(_ chunk: Chunk, _ items: [(index: Int, range: Range<Int>)]) {
        chunk.retain()
        queue.async {
            for item in items {
                self.entryDigests[item.index] = sha256Hex(chunk.bytes(item.range))
            }
            chunk.release()
        }
    }

    func finishEntry(_ index: Int) {
        guard parallel else {
            entryDigests[index] = hexDigest(entryHasher.finalize())
            return
        }
        queue.async { self.entryDigests[index] = hexDigest(self.entryHasher.finalize()) }
    }

    /// Waits for queued work and returns the archive digest and the entry digests by index.
    func finish() -> (archive: String, entries: [Int: String]) {
        if parallel {
            return queue.sync { (hexDigest(archiveHasher.finalize()), entryDigests) }
        }
        return (hexDigest(archiveHasher.finalize()), entryDigests)
    }

    /// Waits for queued work without producing digests (error paths).
    func drain() {
        if parallel { queue.sync {} }
    }
}

func hexDigest(_ digest: SHA256.Digest) -> String {
    digest.withUnsafeBytes { raw in
        String(unsafeUninitializedCapacity: 64) { out in
            for (i, byte) in raw.enumerated() {
                out[2 * i] = hexDigit(byte >> 4)
                out[2 * i + 1] = hexDigit(byte & 0xF)
            }
            return 64
        }
    }
}

@inline(__always)
private func hexDigit(_ value: UInt8) -> UInt8 {
    value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
}

/// One-shot SHA-256 for small entries hashed inline.
func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
    hexDigest(SHA256.hash(data: bytes))
}
