import Synchronization
import Testing
@testable import HTTPTransport

@Suite("standard retry mode")
struct RetryTests {
    @Test("responses are classified as the standard mode says", arguments: [
        (429, nil, RetryClass.throttling),
        (503, "SlowDown", .throttling),
        (400, "ThrottlingException", .throttling),
        (400, "Throttling", .throttling),
        (400, "RequestLimitExceeded", .throttling),
        (400, "TooManyRequestsException", .throttling),
        (400, "ProvisionedThroughputExceededException", .throttling),
        (400, "aws.protocoljson#ThrottlingException", .throttling),
        (500, nil, .transient),
        (502, nil, .transient),
        (503, nil, .transient),
        (504, nil, .transient),
        (400, "RequestTimeout", .transient),
        (400, nil, .notRetryable),
        (401, nil, .notRetryable),
        (403, "AccessDenied", .notRetryable),
        (404, "NoSuchKey", .notRetryable),
        (409, nil, .notRetryable),
        (501, nil, .notRetryable),
        (200, nil, .notRetryable),
    ] as [(Int, String?, RetryClass)])
    func statusTable(status: Int, code: String?, expected: RetryClass) {
        #expect(RetryClassifier.classify(status: status, errorCode: code) == expected)
    }

    @Test("transport errors are classified by kind")
    func transportTable() {
        let expected: [TransportError.Kind: RetryClass] = [
            .connect: .transient, .dns: .transient, .network: .transient, .truncated: .transient,
            .timeout: .timeout, .stalled: .timeout,
            .cancelled: .notRetryable, .sink: .notRetryable, .tls: .notRetryable, .curl: .notRetryable,
            .protocolError: .notRetryable, .tooLarge: .notRetryable, .invalidRequest: .notRetryable,
        ]
        for kind in TransportError.Kind.allCases {
            #expect(RetryClassifier.classify(TransportError(kind, "x")) == expected[kind], "\(kind)")
        }
    }

    @Test("backoff is full jitter under min(base × 2^i, 20 s)")
    func backoffBounds() {
        let random = SeededRandom(seed: 42)
        let policy = RetryPolicy(random: { random.next() })
        let caps: [Duration] = [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(20), .seconds(20), .seconds(20)]
        for (retry, cap) in caps.enumerated() {
            #expect(policy.backoffCap(beforeRetry: retry) == cap)
            var delays: [Duration] = []
            for _ in 0..<200 {
                let delay = policy.delay(beforeRetry: retry)
                #expect(delay >= .zero && delay <= cap)
                delays.append(delay)
            }
            // Full jitter spreads over the whole range.
            #expect(delays.min()! < cap * 0.1)
            #expect(delays.max()! > cap * 0.9)
        }
        #expect(policy.backoffCap(beforeRetry: 1000) == .seconds(20))
        // Same seed, same delays.
        let again = SeededRandom(seed: 42)
        let first = RetryPolicy(random: { again.next() }).delay(beforeRetry: 3)
        let replay = SeededRandom(seed: 42)
        #expect(RetryPolicy(random: { replay.next() }).delay(beforeRetry: 3) == first)
        #expect(RetryPolicy(random: { 1 }).delay(beforeRetry: 2) == .seconds(4))
        #expect(RetryPolicy(random: { 0 }).delay(beforeRetry: 2) == .zero)
    }

    @Test("the quota starts at 500, costs 5 (10 for timeouts) and refills on success")
    func quotaAccounting() {
        let quota = RetryQuota()
        #expect(quota.available == 500)
        #expect(quota.acquire(for: .transient) == 5)
        #expect(quota.acquire(for: .throttling) == 5)
        #expect(quota.acquire(for: .timeout) == 10)
        #expect(quota.acquire(for: .notRetryable) == nil)
        #expect(quota.available == 480)
        quota.releaseAfterSuccess(lastRetryCost: 10)
        #expect(quota.available == 490)
        quota.releaseAfterSuccess(lastRetryCost: nil)
        #expect(quota.available == 491)
        for _ in 0..<20 { quota.releaseAfterSuccess(lastRetryCost: 5) }
        #expect(quota.available == 500, "never above the initial amount")
    }

    @Test("an exhausted quota stops retries")
    func quotaExhaustion() async {
        let quota = RetryQuota()
        var granted = 0
        while quota.acquire(for: .timeout) != nil { granted += 1 }
        #expect(granted == 50)
        #expect(quota.acquire(for: .transient) == nil)

        let attempts = Mutex(0)
        let policy = RetryPolicy(maxAttempts: 5, random: { 0 }, sleep: { _ in })
        await #expect(throws: TransportError.self) {
            try await withRetries(policy: policy, quota: quota, classify: classify) { _ in
                attempts.withLock { $0 += 1 }
                throw TransportError(.connect, "refused")
            }
        }
        #expect(attempts.withLock { $0 } == 1, "no tokens, no retry")
    }

    @Test("withRetries retries retryable failures with backoff, up to maxAttempts")
    func retryLoop() async throws {
        let quota = RetryQuota()
        let slept = Mutex<[Duration]>([])
        let policy = RetryPolicy(maxAttempts: 3, random: { 0.5 }, sleep: { delay in slept.withLock { $0.append(delay) } })

        // Succeeds on the third attempt.
        let value = try await withRetries(policy: policy, quota: quota, classify: classify) { attempt in
            if attempt < 2 { throw TransportError(attempt == 0 ? .timeout : .network, "flaky") }
            return attempt
        }
        #expect(value == 2)
        #expect(slept.withLock { $0 } == [.milliseconds(500), .seconds(1)])
        // 10 (timeout) + 5 taken, the last retry's 5 refunded.
        #expect(quota.available == 490)

        // Gives up after maxAttempts.
        let attempts = Mutex(0)
        await #expect(throws: TransportError.self) {
            try await withRetries(policy: policy, quota: quota, classify: classify) { _ in
                attempts.withLock { $0 += 1 }
                throw TransportError(.network, "down")
            }
        }
        #expect(attempts.withLock { $0 } == 3)

        // Never retries what is not retryable.
        attempts.withLock { $0 = 0 }
        await #expect(throws: TransportError.self) {
            try await withRetries(policy: policy, quota: quota, classify: classify) { _ in
                attempts.withLock { $0 += 1 }
                throw TransportError(.cancelled, "cancelled")
            }
        }
        #expect(attempts.withLock { $0 } == 1)
    }

    @Test("Retry-After counts in seconds, on 429 and 503 only", arguments: [
        (429, "7", Duration.seconds(7)),
        (503, " 2 ", .seconds(2)),
        (429, "0", .zero),
        (500, "5", nil),
        (200, "5", nil),
        (429, nil, nil),
        (429, "", nil),
        (429, "-1", nil),
        (429, "1.5", nil),
        (503, "Wed, 21 Oct 2015 07:28:00 GMT", nil),
        (429, "99999999999999999999999", nil),
    ] as [(Int, String?, Duration?)])
    func retryAfterHeader(status: Int, value: String?, expected: Duration?) {
        let head = HTTPResponseHead(status: status, headers: value.map { [("retry-after", $0)] } ?? [])
        #expect(head.retryAfter == expected)
    }

    @Test("withRetries waits at least Retry-After, capped at maxBackoff, never less than the backoff")
    func retryAfterDelay() async throws {
        let slept = Mutex<[Duration]>([])
        let sleep: @Sendable (Duration) async throws -> Void = { delay in slept.withLock { $0.append(delay) } }
        let retryAfter: (any Error) -> Duration? = { ($0 as? ThrottledResponse)?.head.retryAfter }

        // Jitter would wait nothing; the server asked for 3 s, then 60 s (capped at 20 s).
        let eager = RetryPolicy(maxAttempts: 4, random: { 0 }, sleep: sleep)
        let value = try await withRetries(policy: eager, quota: RetryQuota(), classify: { _ in .throttling }, retryAfter: retryAfter) { attempt in
            switch attempt {
            case 0: throw ThrottledResponse(status: 429, retryAfter: "3")
            case 1: throw ThrottledResponse(status: 503, retryAfter: "60")
            case 2: throw ThrottledResponse(status: 429, retryAfter: nil)
            default: return attempt
            }
        }
        #expect(value == 3)
        #expect(slept.withLock { $0 } == [.seconds(3), .seconds(20), .zero])

        // A backoff longer than Retry-After wins.
        slept.withLock { $0 = [] }
        let patient = RetryPolicy(maxAttempts: 2, base: .seconds(4), random: { 1 }, sleep: sleep)
        _ = try await withRetries(policy: patient, quota: RetryQuota(), classify: { _ in .throttling }, retryAfter: retryAfter) { attempt in
            if attempt == 0 { throw ThrottledResponse(status: 429, retryAfter: "2") }
            return attempt
        }
        #expect(slept.withLock { $0 } == [.seconds(4)])

        // Without the closure, Retry-After is not looked at.
        slept.withLock { $0 = [] }
        _ = try await withRetries(policy: eager, quota: RetryQuota(), classify: { _ in .throttling }) { attempt in
            if attempt == 0 { throw ThrottledResponse(status: 429, retryAfter: "3") }
            return attempt
        }
        #expect(slept.withLock { $0 } == [.zero])
    }

    @Test("URLs in messages lose their query string and credentials")
    func redaction() {
        #expect(redactedURL("https://b.s3.amazonaws.com/k?X-Amz-Signature=abc") == "https://b.s3.amazonaws.com/k")
        #expect(redactedURL("https://user:pw@host/p#frag") == "https://host/p")
        #expect(redactedCurlText("Failed to connect to http://h/p?sig=1 port 80") == "Failed to connect to http://h/p port 80")
    }
}

private func classify(_ error: any Error) -> RetryClass {
    (error as? TransportError).map(RetryClassifier.classify) ?? .notRetryable
}

/// An error response as a service client would throw it, keeping the head.
private struct ThrottledResponse: Error {
    let head: HTTPResponseHead

    init(status: Int, retryAfter: String?) {
        head = HTTPResponseHead(status: status, headers: retryAfter.map { [("Retry-After", $0)] } ?? [])
    }
}
