/// Reads the entry area of an archive front to back, once, in large chunks.
///
/// Every chunk is also fed to the archive hash as it is read, so the archive's
/// SHA-256 costs no extra read. Bytes already held from the tail read are served
/// from memory instead of being read again.
final class SequentialReader {
    private let file: any ArchiveSource
    private let pool: ChunkPool
    private let hashing: Hashing?
    private let tail: [UInt8]
    private let tailStart: UInt64
    /// The reader never goes past this offset (the start of the central directory).
    let end: UInt64

    private var chunk: Chunk?
    private var chunkStart: UInt64 = 0
    private var chunkCount = 0
    private var cursor = 0

    init(file: any ArchiveSource, pool: ChunkPool, hashing: Hashing?, tail: [UInt8], end: UInt64) {
        self.file = file
        self.pool = pool
        self.hashing = hashing
        self.tail = tail
        self.tailStart = file.size - UInt64(tail.count)
        self.end = end
    }

    deinit { chunk?.release() }

    var position: UInt64 { chunkStart + UInt64(cursor) }

    /// Bytes left before `end`.
    var remaining: UInt64 { end - position }

    /// Returns up to `limit` bytes at the current position and moves past them;
    /// `nil` at `end`. The span stays valid until the next call.
    func next(upTo limit: UInt64) throws(ArchiveFailure) -> (chunk: Chunk, range: Range<Int>)? {
        if cursor == chunkCount {
            guard try refill() else { return nil }
        }
        guard let chunk else { return nil }
        let count = Int(min(UInt64(chunkCount - cursor), limit))
        defer { cursor += count }
        return (chunk, cursor ..< cursor + count)
    }

    /// Copies exactly `count` bytes (headers, descriptors); `nil` when `end` comes first.
    func read(_ count: Int) throws(ArchiveFailure) -> [UInt8]? {
        guard UInt64(count) <= remaining else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count, let (chunk, range) = try next(upTo: UInt64(count - bytes.count)) {
            bytes.append(contentsOf: chunk.bytes(range))
        }
        return bytes
    }

    /// Moves forward to `offset` (at most `end`). Skipped bytes are still read
    /// when the archive is hashed; otherwise the reader just jumps.
    func skip(to offset: UInt64) throws(ArchiveFailure) {
        let target = min(offset, end)
        guard target > position else { return }
        if hashing == nil {
            if target < chunkStart + UInt64(chunkCount) {
                cursor = Int(target - chunkStart)
            } else {
                chunk?.release()
                chunk = nil
                chunkStart = target
                chunkCount = 0
                cursor = 0
            }
            return
        }
        while position < target, try next(upTo: target - position) != nil {}
    }

    private func refill() throws(ArchiveFailure) -> Bool {
        let start = position
        guard start < end else { return false }
        chunk?.release()
        chunk = nil
        let fresh = pool.acquire()
        let count = Int(min(UInt64(pool.chunkSize), end - start, max(file.readableRun(at: start), 1)))
        do {
            let fromFile = start < tailStart ? Int(min(UInt64(count), tailStart - start)) : 0
            if fromFile > 0 {
                try file.read(at: start, into: UnsafeMutableRawBufferPointer(rebasing: fresh.storage[0 ..< fromFile]))
            }
            if fromFile < count {
                let tailOffset = Int(start + UInt64(fromFile) - tailStart)
                tail.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(rebasing: fresh.storage[fromFile ..< count])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[tailOffset ..< tailOffset + count - fromFile]))
                }
            }
        } catch {
            fresh.release()
            throw error
        }
        hashing?.archive(fresh, 0 ..< count)
        chunk = fresh
        chunkStart = start
        chunkCount = count
        cursor = 0
        return true
    }
}
