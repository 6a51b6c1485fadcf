import Dispatch
import Locking

/// What verifying an archive from its stream alone produced: the scan, the
/// bytes kept for indexing (`RetainedBytes`), and the decoded bytes of the
/// entries asked for by name.
package struct StreamedArchive: Sendable {
    package var scan: StreamedScan
    package var size: UInt64 { scan.bytes }
    /// Disjoint runs of kept bytes; `nil` when the scan could not follow the
    /// archive to its end (an index then needs the file).
    var runs: [(start: UInt64, bytes: [UInt8])]?
    /// Decoded bytes of entries named in `capture`, by stored name, for
    /// entries that decoded cleanly and whose name was not used twice.
    var captured: [String: [UInt8]]

    package var keptBytes: Int { runs?.reduce(0) { $0 + $1.bytes.count } ?? 0 }

    /// The kept bytes of `entry`, if they are the ones the index vouches for
    /// (same size and CRC-32).
    package func capturedBytes(of entry: IndexedEntry) -> [UInt8]? {
        guard let bytes = captured[entry.path], UInt64(bytes.count) == entry.bytes,
              bytes.withUnsafeBytes({ crc32(of: $0) }) == entry.crc32 else { return nil }
        return bytes
    }
}

/// Verifies an archive from the bytes of its download, with no file: the
/// download offers every byte to `offer` (on the transport thread), a worker
/// thread feeds them to the archive digest and a `StreamScanner` that keeps
/// what an index needs besides entry data. A bounded pool of chunks (4 × 512 KiB)
/// is the only buffer: while all are waiting for the verifier, `offer`
/// refuses, which pauses this transfer alone (`FlowControlledBodySink`) until
/// a chunk comes back and the resume handler runs; the transport thread goes
/// on serving the other transfers. Memory stays at a few megabytes per archive.
///
/// A resumed transfer keeps calling `receive` from `receivedBytes` on; a
/// transfer that starts again from byte zero calls `restarted()` first.
package final class ArchiveStreamer: @unchecked Sendable {
    private enum Item {
        case bytes(Chunk, Int)
        case restart
        case end
    }

    private struct Queue {
        var items: [Item] = []
        var closed = false
        var result: StreamedArchive??
        var waiter: CheckedContinuation<StreamedArchive?, Never>?
    }

    private let options: IndexOptions
    private let captureNames: Set<[UInt8]>
    private let retainLimit: Int
    private let pool: ChunkPool
    private let queue = Lock(Queue())
    /// Resumes a transfer an offer paused, once a chunk comes back.
    private let latch = ResumeLatch()
    private let itemsReady = DispatchSemaphore(value: 0)

    // Producer (transport thread) state.
    private var filling: Chunk?
    private var filled = 0
    private var received: UInt64 = 0

    /// - Parameters:
    ///   - capture: names of entries whose decoded bytes to keep (small ones:
    ///     up to 16 MiB each), e.g. the perf stats file.
    ///   - retainLimit: most bytes kept for the index (headers and central
    ///     directory: about 13 MB for 65,536 entries with 60-byte names);
    ///     beyond it the index needs the file.
    package init(options: IndexOptions, capture: [String] = [], retainLimit: Int = 24 << 20) {
        self.options = options
        captureNames = Set(capture.map { Array($0.utf8) })
        self.retainLimit = retainLimit
        let latch = self.latch
        // Four half-megabyte chunks: at concurrency 8, four of 1 MiB each put
        // `run`'s peak RSS at 111 MiB.
        pool = ChunkPool(count: 4, chunkSize: 512 << 10) {
            // A chunk is free again: a paused transfer may go on.
            latch.release()
        }
        if !startDedicatedThread({ self.work() }) {
            DispatchQueue.global(qos: .userInitiated).async { self.work() }
        }
    }

    /// Bytes taken since the last restart: a resumed transfer continues here.
    package var receivedBytes: UInt64 { received }

    /// The transport's way to resume a transfer `offer` paused.
    package func setResumeHandler(_ resume: @escaping @Sendable () -> Void) {
        latch.setHandler(resume)
    }

    /// Takes all of the object's next bytes, in order, or none of them while
    /// the verifier is four chunks behind; the resume handler is called
    /// when there is room again. At most a chunk (512 KiB) at a time.
    package func offer(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !queue.withLock({ $0.closed }) else { return true }
        guard bytes.count <= pool.chunkSize else {
            // libcurl hands at most CURL_MAX_READ_SIZE (512 KiB) at once; anything larger waits.
            receive(bytes)
            return true
        }
        let room = filling == nil ? 0 : pool.chunkSize - filled
        if bytes.count <= room {
            copy(bytes)
        } else {
            // Marked before trying, so a chunk returned in between still resumes the transfer.
            latch.arm()
            guard let fresh = pool.tryAcquire() else { return false }
            latch.disarm()
            copy(UnsafeRawBufferPointer(rebasing: bytes[0 ..< room]))
            submitFilling()
            filling = fresh
            copy(UnsafeRawBufferPointer(rebasing: bytes[room...]))
        }
        if filled == pool.chunkSize { submitFilling() }
        return true
    }

    private func copy(_ bytes: UnsafeRawBufferPointer) {
        guard let chunk = filling, !bytes.isEmpty else { return }
        UnsafeMutableRawBufferPointer(rebasing: chunk.storage[filled ..< filled + bytes.count]).copyMemory(from: bytes)
        filled += bytes.count
        received += UInt64(bytes.count)
    }

    /// Takes the object's next bytes, in order, waiting while the verifier is
    /// four chunks behind (for callers on a thread of their own: tests, tools).
    package func receive(_ bytes: UnsafeRawBufferPointer) {
        guard !queue.withLock({ $0.closed }) else { return }
        var rest = bytes
        while !rest.isEmpty {
            if filling == nil { filling = pool.acquire() }
            let count = min(pool.chunkSize - filled, rest.count)
            copy(UnsafeRawBufferPointer(rebasing: rest[0 ..< count]))
            rest = UnsafeRawBufferPointer(rebasing: rest[count...])
            if filled == pool.chunkSize { submitFilling() }
        }
    }

    /// The transfer starts again from byte zero (object replaced, or the server ignored the range).
    package func restarted() {
        filling?.release()
        filling = nil
        filled = 0
        received = 0
        post(.restart)
    }

    /// The download is complete; waits for the verifier.
    /// - Returns: what the stream settled, or `nil` after `cancel()`.
    package func finish() async -> StreamedArchive? {
        submitFilling()
        post(.end)
        return await withCheckedContinuation { continuation in
            let ready: StreamedArchive?? = queue.withLock { queue in
                if let result = queue.result { return .some(result) }
                queue.waiter = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The download failed for good: stop, and drop whatever arrives later.
    package func cancel() {
        filling?.release()
        filling = nil
        queue.withLock { $0.closed = true }
        post(.end)
    }

    private func submitFilling() {
        guard let chunk = filling else { return }
        filling = nil
        let count = filled
        filled = 0
        if count > 0 { post(.bytes(chunk, count)) } else { chunk.release() }
    }

    private func post(_ item: Item) {
        queue.withLock { $0.items.append(item) }
        itemsReady.signal()
    }

    // MARK: The worker

    private func next() -> Item {
        itemsReady.wait()
        return queue.withLock { $0.items.removeFirst() }
    }

    private func work() {
        let result = verify()
        // Chunks posted after the end (a cancelled download's last bytes) go back to the pool.
        let waiter = queue.withLock { queue in
            queue.result = .some(result)
            queue.closed = true
            for case .bytes(let chunk, _) in queue.items { chunk.release() }
            queue.items.removeAll()
            defer { queue.waiter = nil }
            return queue.waiter
        }
        waiter?.resume(returning: result)
    }

    /// The end of the stream, kept whatever the scanner keeps: where the
    /// end record is searched for (its comment can be 64 KiB long) and the
    /// ZIP64 locator and record before it.
    private static let endWindow = maximumTailLength + 20 + 56

    private func verify() -> StreamedArchive? {
        var scanner: StreamScanner?
        var hashing: Hashing?
        var retained = RetainedBytes(limit: retainLimit)
        var recent: [UInt8] = []
        var position: UInt64 = 0
        func reset() {
            hashing?.drain()
            hashing = options.sha256 ? Hashing(parallel: true) : nil
            retained = RetainedBytes(limit: retainLimit)
            scanner = try? StreamScanner(options: options, retaining: retained, capturing: captureNames)
            recent.removeAll(keepingCapacity: true)
            position = 0
        }
        reset()
        while true {
            switch next() {
            case .restart:
                reset()
            case .end:
                let closed = queue.withLock { $0.closed }
                guard !closed, let scanner else {
                    hashing?.drain()
                    return nil
                }
                retained.keep(recent, at: position - UInt64(recent.count))
                let scan = StreamedScan(bytes: position, archiveSHA256: hashing?.finish().archive, entries: scanner.entries)
                return StreamedArchive(scan: scan, runs: retained.overflowed ? nil : retained.sealed(),
                                       captured: scanner.captured)
            case .bytes(let chunk, let count):
                let bytes = chunk.bytes(0 ..< count)
                hashing?.archive(chunk, 0 ..< count)
                scanner?.consume(bytes)
                position += UInt64(count)
                // A whole chunk replaces the window; only a short one shifts it.
                if count >= Self.endWindow { recent.removeAll(keepingCapacity: true) }
                recent.append(contentsOf: bytes.suffix(Self.endWindow))
                if recent.count > Self.endWindow { recent.removeFirst(recent.count - Self.endWindow) }
                chunk.release()
            }
        }
    }
}
