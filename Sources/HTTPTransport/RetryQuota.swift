import Locking

/// The retry token bucket of the "standard" retry mode, shared by every
/// request to one service so that an outage does not multiply traffic.
///
/// Starts with 500 tokens; a retry takes 5 (10 after a timeout); a request
/// that succeeds on its first attempt returns 1, one that succeeds after
/// retries returns what its last retry took; never above the initial amount.
package final class RetryQuota: Sendable {
    package let capacity: Int
    package let retryCost: Int
    package let timeoutRetryCost: Int
    package let noRetryIncrement: Int
    private let tokens: Lock<Int>

    package init(capacity: Int = 500, retryCost: Int = 5, timeoutRetryCost: Int = 10, noRetryIncrement: Int = 1) {
        self.capacity = capacity
        self.retryCost = retryCost
        self.timeoutRetryCost = timeoutRetryCost
        self.noRetryIncrement = noRetryIncrement
        tokens = Lock(capacity)
    }

    package var available: Int { tokens.withLock { $0 } }

    /// Takes the tokens a retry after a failure of class `kind` costs.
    /// - Returns: the amount taken, or `nil` when the quota is exhausted
    ///   (or `kind` is not retryable): do not retry.
    package func acquire(for kind: RetryClass) -> Int? {
        guard kind.isRetryable else { return nil }
        let cost = kind == .timeout ? timeoutRetryCost : retryCost
        return tokens.withLock { tokens in
            guard tokens >= cost else { return nil }
            tokens -= cost
            return cost
        }
    }

    /// Records a success: `lastRetryCost` is what the last retry of this
    /// request took (`nil` when it succeeded on its first attempt).
    package func releaseAfterSuccess(lastRetryCost: Int?) {
        let amount = lastRetryCost ?? noRetryIncrement
        tokens.withLock { $0 = min(capacity, $0 + amount) }
    }
}
