/// How a consumer with no room resumes the transfer it paused
/// (`FlowControlledBodySink`): `arm()` before looking for room, `disarm()`
/// when it was found, `release()` each time room frees. The handler runs once
/// per arming; arming first means room freed while looking still resumes.
package final class ResumeLatch: Sendable {
    private struct State {
        var armed = false
        var handler: (@Sendable () -> Void)?
    }

    private let state = Lock(State())

    package init() {}

    /// The transport's way to resume the transfer.
    package func setHandler(_ handler: @escaping @Sendable () -> Void) {
        state.withLock { $0.handler = handler }
    }

    package func arm() { state.withLock { $0.armed = true } }

    package func disarm() { state.withLock { $0.armed = false } }

    /// Room freed: resumes the transfer if it was waiting for it.
    package func release() {
        let handler = state.withLock { state -> (@Sendable () -> Void)? in
            guard state.armed else { return nil }
            state.armed = false
            return state.handler
        }
        handler?()
    }
}
