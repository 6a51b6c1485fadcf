import Locking

/// A client-side limit on the request rate to GameLift Streams, shared by
/// every call a process makes (one limiter per process and region).
///
/// The service allows about 20 requests per second per account and region
/// for its list and get operations; a batch job that fires at that rate
/// starves the studio's other tools, and one that goes over it only earns
/// `ThrottlingException`s. So: a token bucket (``burst`` requests at once,
/// refilled at the current rate), where each caller reserves its slot under
/// a lock and then sleeps outside it, so callers are served in order. When
/// the service throttles anyway (other clients share the quota), the rate
/// halves; each success then wins back a twentieth of the maximum, the
/// additive-increase, multiplicative-decrease shape of the SDKs' adaptive
/// retry mode without its cubic curve.
package final class RequestRateLimiter: Sendable {
    /// The configured ceiling, requests per second.
    package let maximumRate: Double
    /// Requests that may start at once after a quiet spell.
    package let burst: Double
    /// The floor the rate never drops below when throttled.
    package let minimumRate: Double

    private struct State {
        var rate: Double
        var tokens: Double
        var updated: ContinuousClock.Instant
        var throttles = 0
    }

    private let state: Lock<State>
    private let clock = ContinuousClock()

    /// - Parameters:
    ///   - requestsPerSecond: the ceiling (the service's quota is about 20;
    ///     pass `.infinity` to disable the limit, for benchmarks).
    ///   - burst: requests allowed back to back; at least 1.
    package init(requestsPerSecond: Double, burst: Double = 5) {
        maximumRate = max(0.1, requestsPerSecond)
        self.burst = max(1, burst)
        minimumRate = min(maximumRate, 0.5)
        state = Lock(State(rate: maximumRate, tokens: max(1, burst), updated: ContinuousClock().now))
    }

    /// The current rate, requests per second (lower than the maximum after throttling).
    package var currentRate: Double { state.withLock { $0.rate } }

    /// How many throttled responses were reported.
    package var throttleCount: Int { state.withLock { $0.throttles } }

    /// Waits for this caller's slot. Cancellation ends the wait with `CancellationError`.
    package func acquire() async throws {
        guard maximumRate.isFinite else { return }
        let wait: Double = state.withLock { state in
            let now = clock.now
            let elapsed = durationSeconds(state.updated.duration(to: now))
            state.tokens = min(burst, state.tokens + elapsed * state.rate)
            state.updated = now
            state.tokens -= 1
            return state.tokens >= 0 ? 0 : -state.tokens / state.rate
        }
        if wait > 0 { try await Task.sleep(for: .milliseconds(Int((wait * 1000).rounded(.up)))) }
    }

    /// The service answered with throttling: halve the rate.
    package func recordThrottle() {
        state.withLock { state in
            state.throttles += 1
            state.rate = max(minimumRate, state.rate / 2)
        }
    }

    /// A request succeeded: win back part of the rate lost to throttling.
    package func recordSuccess() {
        state.withLock { state in
            guard state.rate < maximumRate else { return }
            state.rate = min(maximumRate, state.rate + maximumRate / 20)
        }
    }
}

func durationSeconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) + Double(attoseconds) / 1e18
}
