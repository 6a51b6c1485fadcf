import Dispatch
import Synchronization
import Locking

/// A fixed-size buffer handed between the reading thread and the hashing
/// thread. Reference-counted by hand so it returns to its pool, not to malloc:
/// page-faulting fresh megabytes for every chunk would cost more than hashing them.
final class Chunk: @unchecked Sendable {
    /// Written only by the thread that acquired the chunk, before it is shared;
    /// read-only while more than one holder has it.
    let storage: UnsafeMutableRawBufferPointer
    private let references = Atomic<Int>(0)
    private unowned let pool: ChunkPool

    fileprivate init(capacity: Int, pool: ChunkPool) {
        storage = .allocate(byteCount: capacity, alignment: 64)
        self.pool = pool
    }

    deinit { storage.deallocate() }

    fileprivate func activate() { references.store(1, ordering: .relaxed) }

    func retain() { references.wrappingAdd(1, ordering: .relaxed) }

    func release() {
        if references.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            pool.giveBack(self)
        }
    }

    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(storage)[range])
    }
}

/// A bounded set of chunks: `acquire` waits while all are in use, which keeps
/// memory flat however far the reader runs ahead of the hasher.
final class ChunkPool: @unchecked Sendable {
    let chunkSize: Int
    private let available: DispatchSemaphore
    private let free: Lock<[Chunk]>
    private var all: [Chunk] = []

    /// Called, on whichever thread let go, each time a chunk comes back.
    private let onReturn: (@Sendable () -> Void)?

    init(count: Int, chunkSize: Int, onReturn: (@Sendable () -> Void)? = nil) {
        self.chunkSize = chunkSize
        self.onReturn = onReturn
        available = DispatchSemaphore(value: count)
        free = Lock([])
        let chunks = (0 ..< count).map { _ in Chunk(capacity: chunkSize, pool: self) }
        all = chunks
        free.withLock { $0 = chunks }
    }

    func acquire() -> Chunk {
        available.wait()
        let chunk = free.withLock { $0.removeLast() }
        chunk.activate()
        return chunk
    }

    /// A chunk if one is free now; never waits.
    func tryAcquire() -> Chunk? {
        guard available.wait(timeout: .now()) == .success else { return nil }
        let chunk = free.withLock { $0.removeLast() }
        chunk.activate()
        return chunk
    }

    fileprivate func giveBack(_ chunk: Chunk) {
        free.withLock { $0.append(chunk) }
        available.signal()
        onReturn?()
    }
}
