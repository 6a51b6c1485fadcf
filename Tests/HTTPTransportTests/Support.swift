import Crypto
import Foundation
import Synchronization
@testable import HTTPTransport

/// Hashes a body as it streams; keeps nothing but the hash state.
/// `@unchecked`: `receive` runs on the transport thread only, and the test
/// reads the results after `execute` returned (which orders the accesses).
final class HashingSink: HTTPBodySink, @unchecked Sendable {
    private var hash = SHA256()
    private(set) var count = 0
    private(set) var largestChunk = 0

    func receive(_ bytes: UnsafeRawBufferPointer) throws {
        hash.update(bufferPointer: bytes)
        count += bytes.count
        largestChunk = max(largestChunk, bytes.count)
    }

    var hexDigest: String {
        hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// Throws once it has seen `after` bytes.
final class FailingSink: HTTPBodySink {
    struct DiskFull: Error, Equatable {}
    private let seen = Mutex(0)
    let after: Int

    init(after: Int) { self.after = after }

    func receive(_ bytes: UnsafeRawBufferPointer) throws {
        let total = seen.withLock { $0 += bytes.count; return $0 }
        if total > after { throw DiskFull() }
    }
}

/// SplitMix64: a seeded, reproducible source for `RetryPolicy.random`.
final class SeededRandom: Sendable {
    private let state: Mutex<UInt64>
    init(seed: UInt64) { state = Mutex(seed) }

    func next() -> Double {
        let value = state.withLock { state -> UInt64 in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return Double(value >> 11) / Double(1 << 53)
    }
}

/// Catches the typed error of a transport call.
func transportError<T>(_ body: () async throws(TransportError) -> T) async -> TransportError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error
    }
}

struct EchoReply: Decodable {
    var method: String
    var path: String
    var headers: [[String]]
    var body: String
    var clientPort: Int

    func values(_ name: String) -> [String] {
        headers.filter { $0[0].lowercased() == name.lowercased() }.map { $0[1] }
    }
}

func decodeEcho(_ bytes: [UInt8]) throws -> EchoReply {
    try JSONDecoder().decode(EchoReply.self, from: Data(bytes))
}

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

func elapsed(since start: ContinuousClock.Instant) -> Duration {
    ContinuousClock.now - start
}

/// Runs task jobs on one thread of its own. Timing tests run their body with
/// this executor preferred (`withTaskExecutorPreference`), so that what they
/// measure is the transport, not a wait for one of the two cooperative
/// threads, which suites that wait for subprocesses can hold for a minute
/// (73 s seen in CI).
final class DedicatedThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    static let shared = DedicatedThreadExecutor()

    private init() {
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "timing-tests"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Refuses every other offer and resumes the transfer from another thread a
/// little later, as a consumer that falls behind does (`FlowControlledBodySink`).
final class PausingSink: FlowControlledBodySink, @unchecked Sendable {
    private var hash = SHA256()
    private(set) var count = 0
    private(set) var refusals = 0
    private var refuseNext = true
    private let resume = Mutex<(@Sendable () -> Void)?>(nil)
    let delay: Duration

    init(delay: Duration) { self.delay = delay }

    func setResumeHandler(_ resume: @escaping @Sendable () -> Void) {
        self.resume.withLock { $0 = resume }
    }

    func offer(_ bytes: UnsafeRawBufferPointer) throws -> Bool {
        defer { refuseNext.toggle() }
        if refuseNext {
            refusals += 1
            let resume = self.resume.withLock { $0 }
            let delay = delay
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: Double(delay.components.attoseconds) / 1e18 + Double(delay.components.seconds))
                resume?()
            }
            return false
        }
        try receive(bytes)
        return true
    }

    func receive(_ bytes: UnsafeRawBufferPointer) throws {
        hash.update(bufferPointer: bytes)
        count += bytes.count
    }

    var hexDigest: String {
        hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
