#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` on a thread of its own. A follower spends most of its life
/// blocked, waiting for the download; on Linux, Dispatch's global queues add
/// threads only slowly when their threads block, so eight followers parked
/// there starved the hashing queues and the indexers of threads (the
/// benchmark's single pass took longer than two passes).
package func startDedicatedThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    let box = Unmanaged.passRetained(ThreadBody(body))
    var thread = pthread_t()
    let status = pthread_create(&thread, nil, { raw in
        guard let raw else { return nil }
        Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().body()
        return nil
    }, box.toOpaque())
    if status != 0 {
        box.release()
        return false
    }
    pthread_detach(thread)
    return true
}

private final class ThreadBody {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}
