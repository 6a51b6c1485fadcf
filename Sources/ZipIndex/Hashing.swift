import Crypto
import Dispatch

/// SHA-256 of the archive stream and, on the second core, SHA-256 and CRC-32
/// of entries' uncompressed bytes.
///
/// In parallel mode the work runs on one serial queue, so the reading thread
/// inflates the next chunk while this one is hashed. FIFO order on the queue
/// keeps every hasher's input in stream order. Large entries stream chunk by
/// chunk; small ones come in batches (`HashBatch`).
final class Hashing: @unchecked Sendable {
    /// Entries up to this size are hashed in batches (`HashBatch`).
    static let inlineLimit: UInt64 = 64 * 1024

    /// What the queue computed for one entry.
    struct EntryResult: Sendable {
        var sha256: String
        /// Present when the CRC was left to the queue too.
        var crc: UInt32?
    }

    private let parallel: Bool
    private let queue = DispatchQueue(label: "export-collector.sha256", qos: .userInitiated)

    // Owned by `queue` in parallel mode, by the caller otherwise.
    private var archiveHasher = SHA256()
    private var entryHasher = SHA256()
    private var entryCRC: UInt32?
    private var results: [EntryResult?]

    /// - Parameter entryCount: how many entries results may be stored for.
    init(parallel: Bool, entryCount: Int = 0) {
        self.parallel = parallel
        results = Array(repeating: nil, count: entryCount)
    }

    /// Sizes the result table once the central directory has been read.
    func expectEntries(_ count: Int) {
        perform { self.results = Array(repeating: nil, count: count) }
    }

    /// Runs `work` on the queue, or right here when not parallel.
    private func perform(_ work: @escaping @Sendable () -> Void) {
        if parallel { queue.async(execute: work) } else { work() }
    }

    /// Hashes `range` of `chunk` into the archive digest; the chunk stays alive until done.
    func archive(_ chunk: Chunk, _ range: Range<Int>) {
        chunk.retain()
        perform {
            self.archiveHasher.update(bufferPointer: chunk.bytes(range))
            chunk.release()
        }
    }

    /// Hashes bytes held in memory (central directory, tail) into the archive digest.
    func archive(_ bytes: [UInt8]) {
        perform { self.archiveHasher.update(data: bytes) }
    }

    /// Starts a streamed entry; with `crc` the queue computes its CRC-32 as well.
    func beginEntry(crc: Bool) {
        perform {
            self.entryHasher = SHA256()
            self.entryCRC = crc ? 0 : nil
        }
    }

    func entry(_ chunk: Chunk, _ range: Range<Int>) {
        chunk.retain()
        perform {
            let bytes = chunk.bytes(range)
            self.entryHasher.update(bufferPointer: bytes)
            if let crc = self.entryCRC { self.entryCRC = crc32(crc, bytes) }
            chunk.release()
        }
    }

    func finishEntry(_ index: Int) {
        perform {
            self.results[index] = EntryResult(sha256: hexDigest(self.entryHasher.finalize()), crc: self.entryCRC)
        }
    }

    /// One-shot digests (and CRCs, with `crc`) of small entries laid out in one chunk.
    func entries(_ chunk: Chunk, _ items: [(index: Int, range: Range<Int>)], crc: Bool) {
        chunk.retain()
        perform {
            for item in items {
                let bytes = chunk.bytes(item.range)
                self.results[item.index] = EntryResult(sha256: sha256Hex(bytes), crc: crc ? crc32(of: bytes) : nil)
            }
            chunk.release()
        }
    }

    /// Waits for queued work and returns the archive digest and the entry results by index.
    func finish() -> (archive: String, entries: [EntryResult?]) {
        if parallel {
            return queue.sync { (hexDigest(archiveHasher.finalize()), results) }
        }
        return (hexDigest(archiveHasher.finalize()), results)
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
