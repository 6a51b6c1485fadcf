import Locking
/// An HTTP/1.1 and HTTP/2 client over libcurl: one multi handle, one
/// transport thread, one connection cache shared by all requests.
///
/// Redirects are not followed unless a request asks for it; only `http` and
/// `https` are ever spoken; peers are verified against the system CA store or
/// `AWS_CA_BUNDLE`; proxies come from the environment as curl reads them
/// unless `HTTPClientConfiguration.proxy`/`noProxy` say otherwise.
package final class HTTPClient: Sendable {
    private let loop: TransportLoop

    /// - Throws: `TransportError` when libcurl cannot initialise.
    package init(configuration: HTTPClientConfiguration = .init()) throws(TransportError) {
        try CurlRuntime.ensureInitialized()
        loop = try TransportLoop(configuration: configuration)
    }

    deinit {
        loop.shutdown()
    }

    /// Sends `request` and streams the response body.
    ///
    /// - Parameters:
    ///   - request: what to send.
    ///   - timeouts: connect timeout, stall detection and overall deadline.
    ///   - head: called on the transport thread once the final status line and
    ///     headers are complete; returns the sink the body goes to, or `nil` to
    ///     discard it. Throwing aborts the transfer.
    /// - Returns: the response head, once the body is complete.
    /// - Throws: `TransportError`; `.cancelled` when the calling task is
    ///   cancelled (the transfer is stopped on the transport thread).
    package func execute(
        _ request: HTTPRequest,
        timeouts: HTTPTimeouts = .init(),
        head: @escaping @Sendable (HTTPResponseHead) throws -> (any HTTPBodySink)?
    ) async throws(TransportError) -> HTTPResponseHead {
        let id = loop.makeID()
        let flag = CancellationFlag()
        let loop = self.loop
        // The result goes through a lock as well as the continuation: the sink's
        // writes on the transport thread then happen-before the caller's reads
        // in a way ThreadSanitizer can see (it does not see the continuation's
        // hand-off through the concurrency runtime's queues).
        let handoff = Lock<Result<HTTPResponseHead, TransportError>?>(nil)
        let delivered = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponseHead, TransportError>, Never>) in
                loop.submit(TransferOrder(
                    id: id,
                    request: request,
                    timeouts: timeouts,
                    cancellation: flag,
                    head: head,
                    completion: { result in
                        handoff.withLock { $0 = result }
                        continuation.resume(returning: result)
                    }
                ))
            }
        } onCancel: {
            flag.cancel()
            loop.cancel(id)
        }
        // The client must outlive the transfer: its deinit stops the loop.
        withExtendedLifetime(self) {}
        let result = handoff.withLock { $0 } ?? delivered
        return try result.get()
    }

    /// Sends `request` and returns the whole body in memory.
    ///
    /// - Throws: `TransportError` `.tooLarge` when the body (announced or
    ///   received) exceeds `limit` bytes; any other transport error.
    package func data(
        _ request: HTTPRequest,
        limit: Int = 16 << 20,
        timeouts: HTTPTimeouts = .init()
    ) async throws(TransportError) -> (HTTPResponseHead, [UInt8]) {
        let sink = BufferSink(limit: limit, what: "\(request.method) \(redactedURL(request.url))")
        let head = try await execute(request, timeouts: timeouts) { head in
            if let length = head.contentLength, length > limit {
                throw sink.tooLarge(length)
            }
            return sink
        }
        return (head, sink.bytes)
    }

    /// Stops the transport thread; transfers in progress fail as `.cancelled`
    /// and later calls fail at once. Idempotent; `deinit` does it too.
    package func shutdown() {
        loop.shutdown()
    }
}
