/// Small entries' uncompressed bytes, laid side by side in one output chunk and
/// handed to the hashing queue together: one queue hop per ~256 KiB instead of
/// one per entry, so archives of many tiny files hash on the second core too.
final class HashBatch {
    private let pool: ChunkPool
    private let hashing: Hashing
    private var chunk: Chunk?
    private var filled = 0
    private var items: [(index: Int, range: Range<Int>)] = []
    /// The queue computes the CRC-32 of batched entries too (none is being extracted).
    private var crcOnQueue = true

    init(pool: ChunkPool, hashing: Hashing) {
        self.pool = pool
        self.hashing = hashing
    }

    /// A chunk with `count` contiguous free bytes and where they start.
    func reserve(_ count: Int, crcOnQueue wanted: Bool) -> (chunk: Chunk, start: Int) {
        precondition(count <= pool.chunkSize, "batched entries are smaller than a chunk")
        if wanted != crcOnQueue {
            submit()
            crcOnQueue = wanted
        }
        if let chunk, pool.chunkSize - filled >= count { return (chunk, filled) }
        submit()
        let fresh = pool.acquire()
        chunk = fresh
        filled = 0
        return (fresh, 0)
    }

    /// Records that entry `index` produced the bytes at `range` of the current chunk.
    func add(index: Int, range: Range<Int>) {
        items.append((index, range))
        filled = range.upperBound
    }

    /// Sends the pending entries to the hashing queue and lets the chunk go.
    func submit() {
        guard let chunk else { return }
        if !items.isEmpty { hashing.entries(chunk, items, crc: crcOnQueue) }
        chunk.release()
        self.chunk = nil
        items.removeAll(keepingCapacity: true)
        filled = 0
    }
}
