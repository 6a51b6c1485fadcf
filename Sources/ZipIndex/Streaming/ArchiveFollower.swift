import Dispatch
import Locking

#if canImport(Glibc)
import Glibc
#endif

/// Verifies an archive while it is being downloaded: a worker follows the
/// `.part` file as the download writes it, a megabyte behind at most, and
/// feeds every byte in order to the archive digest (on a second thread) and to
/// a `StreamScanner`. The file is the buffer between network and verifier, so
/// a slow verifier never stalls the transfer (nor the other transfers on the
/// same curl thread) and memory stays flat; the bytes are still in the page
/// cache when they are read.
///
/// The download reports progress with `holds(_:)` and a restart from zero
/// (object replaced, server ignored the range) with `restarted()`; a resumed
/// transfer just keeps growing the file, so the scan carries on from where it
/// was. A `.part` left by an earlier process is read once from its start.
/// `finish` returns the scan for `ZipIndexer.index(path:streamed:)`.
package final class ArchiveFollower: @unchecked Sendable {
    private struct State {
        var generation = 0
        var available: UInt64 = 0
        var finalPath: String?
        var finished = false
        var cancelled = false
        var sleeping = false
        /// The sleeping worker wants waking once the file holds this many bytes:
        /// a chunk's worth, not every write (each wake-up costs two context switches).
        var wakeAt: UInt64 = 0
        var result: StreamedScan?
        var completed = false
        var waiter: CheckedContinuation<StreamedScan?, Never>?
    }

    private let state = Lock(State())
    private let wake = DispatchSemaphore(value: 0)
    private let partPath: String
    private let options: IndexOptions

    /// Starts following `partPath` (which need not exist yet).
    package init(partPath: String, options: IndexOptions) {
        self.partPath = partPath
        self.options = options
        if !startDedicatedThread({ self.work() }) {
            DispatchQueue.global(qos: .userInitiated).async { self.work() }
        }
    }

    /// The download starts again from byte zero (a new or emptied file).
    package func restarted() {
        update { state in
            state.generation += 1
            state.available = 0
        }
    }

    /// The file now holds the object's first `bytes` bytes.
    package func holds(_ bytes: UInt64) {
        update { state in state.available = bytes }
    }

    /// The download is complete and the file renamed to `finalPath`, `size`
    /// bytes long; waits for the scan to catch up.
    /// - Returns: the scan, or `nil` when the file could not be followed.
    package func finish(finalPath: String, size: UInt64) async -> StreamedScan? {
        update { state in
            state.finalPath = finalPath
            state.available = size
            state.finished = true
        }
        return await withCheckedContinuation { continuation in
            let ready: StreamedScan?? = state.withLock { state in
                if state.completed { return .some(state.result) }
                state.waiter = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The download failed: stop following.
    package func cancel() {
        update { state in state.cancelled = true }
    }

    private func update(_ change: (inout State) -> Void) {
        let wakeWorker = state.withLock { state in
            let before = (state.generation, state.finished, state.cancelled)
            change(&state)
            guard state.sleeping else { return false }
            let news = before != (state.generation, state.finished, state.cancelled) || state.available >= state.wakeAt
            if news { state.sleeping = false }
            return news
        }
        if wakeWorker { wake.signal() }
    }

    // MARK: The worker

    private func work() {
        let result = follow()
        let waiter = state.withLock { state in
            state.result = result
            state.completed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: result)
    }

    private struct Snapshot {
        var generation: Int
        var available: UInt64
        var finalPath: String?
        var finished: Bool
        var cancelled: Bool
    }

    private func snapshot() -> Snapshot {
        state.withLock { Snapshot(generation: $0.generation, available: $0.available, finalPath: $0.finalPath,
                                  finished: $0.finished, cancelled: $0.cancelled) }
    }

    /// Sleeps until the file holds `target` bytes or the producer restarts,
    /// finishes or cancels, unless that has already happened.
    private func sleep(after seen: Snapshot, until target: UInt64) {
        let changed = state.withLock { state in
            let changed = state.generation != seen.generation || state.available >= target
                || state.finished != seen.finished || state.cancelled != seen.cancelled
            if !changed {
                state.sleeping = true
                state.wakeAt = target
            }
            return changed
        }
        if !changed { wake.wait() }
    }

    private func follow() -> StreamedScan? {
        let pool = ChunkPool(count: 3, chunkSize: 1 << 20)
        var generation = -1
        var descriptor: Int32 = -1
        var position: UInt64 = 0
        var scanner: StreamScanner?
        var hashing: Hashing?
        defer { if descriptor >= 0 { close(descriptor) } }

        while true {
            let now = snapshot()
            if now.cancelled { return nil }
            if now.generation != generation {
                if descriptor >= 0 { close(descriptor) }
                descriptor = -1
                generation = now.generation
                position = 0
                hashing?.drain()
                hashing = options.sha256 ? Hashing(parallel: true) : nil
                guard let fresh = try? StreamScanner(options: options) else { return nil }
                scanner = fresh
            }
            guard let scanner else { return nil }
            // Read whole chunks while the download goes on; the rest at the end.
            if now.available - min(position, now.available) < UInt64(pool.chunkSize), !now.finished {
                sleep(after: now, until: position + UInt64(pool.chunkSize))
                continue
            }
            if position >= now.available {
                if now.finished { break }
                sleep(after: now, until: position + 1)
                continue
            }
            if descriptor < 0 {
                // The `.part` may not exist yet, or may already carry its final name.
                descriptor = open(now.finalPath ?? partPath, O_RDONLY | O_CLOEXEC)
                if descriptor < 0 {
                    if now.finished { return nil }
                    sleep(after: now, until: now.available + 1)
                    continue
                }
            }
            let chunk = pool.acquire()
            let want = Int(min(UInt64(pool.chunkSize), now.available - position))
            let count = pread(descriptor, chunk.storage.baseAddress, want, off_t(position))
            guard count > 0 else {
                chunk.release()
                if now.finished { return nil }
                sleep(after: now, until: now.available + 1)
                continue
            }
            // Bytes read while the download started over belong to the old object.
            guard snapshot().generation == generation else {
                chunk.release()
                continue
            }
            hashing?.archive(chunk, 0 ..< count)
            scanner.consume(chunk.bytes(0 ..< count))
            chunk.release()
            position += UInt64(count)
        }
        return StreamedScan(bytes: position, archiveSHA256: hashing?.finish().archive,
                            entries: scanner?.entries ?? [:])
    }
}
