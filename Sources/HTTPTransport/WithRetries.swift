/// Runs `operation` until it succeeds, fails in a way `classify` calls not
/// retryable, runs out of attempts, or the quota is exhausted, sleeping the
/// policy's jittered backoff between attempts, or longer when the failure
/// carried a `Retry-After`.
///
/// - Parameters:
///   - policy: attempts, backoff, and the injectable random source and sleep.
///   - quota: the token bucket shared by the requests to one service.
///   - classify: the retry class of a thrown error (for instance
///     `RetryClassifier.classify(_:)` for transport errors, or a service
///     client's own for error responses).
///   - retryAfter: the wait a failed attempt's response asked for, if any
///     (its `HTTPResponseHead.retryAfter`); the delay before the next attempt
///     is at least that, capped at `policy.maxBackoff`.
///   - operation: one attempt; receives the attempt number (0 first) and
///     must re-sign its request.
/// - Throws: the last attempt's error; cancellation of the calling task
///   ends the loop with that error or with what `sleep` threw.
package func withRetries<T>(
    policy: RetryPolicy = .init(),
    quota: RetryQuota,
    classify: (any Error) -> RetryClass,
    retryAfter: (any Error) -> Duration? = { _ in nil },
    operation: (_ attempt: Int) async throws -> T
) async throws -> T {
    var attempt = 0
    var lastRetryCost: Int?
    while true {
        do {
            let value = try await operation(attempt)
            quota.releaseAfterSuccess(lastRetryCost: lastRetryCost)
            return value
        } catch {
            guard attempt + 1 < policy.maxAttempts, !Task.isCancelled,
                  let cost = quota.acquire(for: classify(error)) else {
                throw error
            }
            lastRetryCost = cost
            try await policy.sleep(policy.delay(beforeRetry: attempt, retryAfter: retryAfter(error)))
            attempt += 1
        }
    }
}
