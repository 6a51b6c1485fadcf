/// When and how often to retry, as the AWS SDKs' "standard" retry mode
/// specifies it (AWS SDKs and Tools Reference Guide, "Retry behavior"):
/// at most `maxAttempts` attempts (3), and before retry `i` (0 for the first
/// retry) a delay of `random(0…1) × min(base × 2^i, maxBackoff)` with
/// base 1 s and a 20 s cap (exponential backoff with full jitter).
///
/// The policy is a value: the caller drives the loop (it re-signs every
/// attempt), and tests inject `random` and `sleep`.
package struct RetryPolicy: Sendable {
    package var maxAttempts: Int
    package var base: Duration
    package var maxBackoff: Duration
    /// Uniform in 0…1.
    package var random: @Sendable () -> Double
    package var sleep: @Sendable (Duration) async throws -> Void

    package init(
        maxAttempts: Int = 3,
        base: Duration = .seconds(1),
        maxBackoff: Duration = .seconds(20),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.base = base
        self.maxBackoff = maxBackoff
        self.random = random
        self.sleep = sleep
    }

    /// The cap of the delay before retry `retry` (0 for the first retry).
    package func backoffCap(beforeRetry retry: Int) -> Duration {
        let exponent = min(max(0, retry), 30)
        let grown = base * (1 << exponent)
        return grown < maxBackoff ? grown : maxBackoff
    }

    /// The jittered delay before retry `retry` (0 for the first retry).
    package func delay(beforeRetry retry: Int) -> Duration {
        let factor = min(max(random(), 0), 1)
        return backoffCap(beforeRetry: retry) * factor
    }

    /// The delay before retry `retry`, never shorter than the server's
    /// `Retry-After` (`retryAfter`, see `HTTPResponseHead.retryAfter`) up to
    /// `maxBackoff`: honouring the server beats our jitter, but a server
    /// must not park the caller for longer than the policy ever waits.
    package func delay(beforeRetry retry: Int, retryAfter: Duration?) -> Duration {
        let jittered = delay(beforeRetry: retry)
        guard let retryAfter, retryAfter > .zero else { return jittered }
        return max(jittered, min(retryAfter, maxBackoff))
    }
}

/// Why a failed attempt may be retried.
package enum RetryClass: String, Sendable, Equatable {
    /// The service asked us to slow down (429, `SlowDown`, `Throttling…`).
    case throttling
    /// A transient failure: 500/502/503/504, a connection that failed or broke.
    case transient
    /// A clock ran out (connect timeout, deadline, stall); costs more quota.
    case timeout
    /// Not worth retrying: other 4xx, cancellation, bad requests, TLS failures.
    case notRetryable = "not_retryable"

    package var isRetryable: Bool { self != .notRetryable }
}
