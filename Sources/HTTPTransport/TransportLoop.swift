import CCurl
import Dispatch
import Foundation
import Locking

/// One curl multi handle driven by one dedicated thread.
///
/// Other threads talk to it only through `inbox` (a `Mutex`-guarded command
/// queue) and `curl_multi_wakeup`, which libcurl allows from any thread.
/// Everything else — the multi handle's transfers, the easy handles, the
/// callbacks into sinks — lives on the transport thread, which is why the
/// class is `@unchecked Sendable`: its non-`Sendable` state is confined to
/// that thread by construction, not by the compiler.
final class TransportLoop: @unchecked Sendable {
    private enum Command {
        case start(TransferOrder)
        case cancel(UInt64)
        case resume(UInt64)
    }

    private struct Inbox {
        var commands: [Command] = []
        var stopping = false
        var nextID: UInt64 = 0
        var loopThread: pthread_t?
    }

    private let configuration: HTTPClientConfiguration
    /// Owned by the transport thread, which cleans it up when it exits.
    private let multi: UnsafeMutableRawPointer
    private let inbox = Lock(Inbox())
    /// Entered at start, left when the thread has cleaned up.
    private let running = DispatchGroup()

    // Transport-thread state.
    private var byHandle: [UnsafeMutableRawPointer: Transfer] = [:]
    private var byID: [UInt64: Transfer] = [:]
    private let activity = LoopActivity()

    init(configuration: HTTPClientConfiguration) throws(TransportError) {
        self.configuration = configuration
        guard let multi = curl_multi_init() else {
            throw TransportError(.curl, "curl_multi_init failed")
        }
        self.multi = multi
        let settings: [(CURLMoption, Int, String)] = [
            (CURLMOPT_MAX_HOST_CONNECTIONS, max(1, configuration.maxConnectionsPerHost), "CURLMOPT_MAX_HOST_CONNECTIONS"),
            (CURLMOPT_MAXCONNECTS, max(1, configuration.maxCachedConnections), "CURLMOPT_MAXCONNECTS"),
            (CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX), "CURLMOPT_PIPELINING"),
        ]
        for (option, value, name) in settings {
            let code = ec_curl_multi_setopt_long(multi, option, value)
            guard code == CURLM_OK else {
                curl_multi_cleanup(multi)
                throw TransportError(multi: code, "setting \(name)")
            }
        }
        running.enter()
        let thread = Thread { [self] in run() }
        thread.name = "HTTPTransport"
        thread.start()
    }

    // MARK: Any thread

    func makeID() -> UInt64 {
        inbox.withLock { inbox in
            inbox.nextID += 1
            return inbox.nextID
        }
    }

    /// Queues a transfer; if the loop has stopped, completes it at once.
    func submit(_ order: TransferOrder) {
        let accepted = inbox.withLock { inbox in
            guard !inbox.stopping else { return false }
            inbox.commands.append(.start(order))
            return true
        }
        if accepted {
            wake()
        } else {
            order.completion(.failure(TransportError(.cancelled, "\(order.request.method) \(redactedURL(order.request.url)): the HTTP client was shut down")))
        }
    }

    /// Cancels transfer `id` if it is queued or running; `flag` must already be set.
    func cancel(_ id: UInt64) { post(.cancel(id)) }

    /// Resumes transfer `id`, paused by its sink (`FlowControlledBodySink`).
    func resume(_ id: UInt64) { post(.resume(id)) }

    /// Queues a command for the transport thread unless it is stopping.
    private func post(_ command: Command) {
        let accepted = inbox.withLock { inbox in
            guard !inbox.stopping else { return false }
            inbox.commands.append(command)
            return true
        }
        if accepted { wake() }
    }

    /// Stops the thread, failing transfers in progress as `.cancelled`, and
    /// waits for it to finish unless called on the transport thread itself.
    func shutdown() {
        let onLoopThread = inbox.withLock { inbox in
            inbox.stopping = true
            return inbox.loopThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        }
        wake()
        if !onLoopThread { running.wait() }
    }

    private func wake() {
        // Failing to wake only delays the command until the poll timeout.
        _ = curl_multi_wakeup(multi)
    }

    // MARK: Transport thread

    private func run() {
        inbox.withLock { $0.loopThread = pthread_self() }
        var stillRunning: Int32 = 0
        var socketEvents: Int32 = 0
        while true {
            let (commands, stopping) = inbox.withLock { inbox in
                defer { inbox.commands.removeAll() }
                return (inbox.commands, inbox.stopping)
            }
            for command in commands {
                switch command {
                case .start(let order): start(order)
                case .cancel(let id): cancelTransfer(id)
                case .resume(let id): resumeTransfer(id)
                }
            }
            if stopping { break }

            let performed = curl_multi_perform(multi, &stillRunning)
            if performed != CURLM_OK {
                failAll(TransportError(multi: performed, "curl_multi_perform"))
            }
            collectFinished()

            // libcurl may hold data for HTTP/2 streams without a timer to say
            // so (HTTP2Stalls.swift): after a pass that did anything, perform
            // again at once instead of sleeping until the poll timeout.
            let busy = activity.endPass(sawSocketEvents: socketEvents > 0)
            let timeout: Int32 = busy && byHandle.values.contains(where: \.mayBeMultiplexed) ? 0 : 1000
            let polled = curl_multi_poll(multi, nil, 0, timeout, &socketEvents)
            if polled != CURLM_OK {
                failAll(TransportError(multi: polled, "curl_multi_poll"))
                socketEvents = 0
                usleep(10_000) // never spin on a broken poll
            }
        }
        // Leftover commands after the stop flag: complete them too.
        let late = inbox.withLock { inbox in
            defer { inbox.commands.removeAll() }
            return inbox.commands
        }
        for case .start(let order) in late {
            order.completion(.failure(TransportError(.cancelled, "\(order.request.method) \(redactedURL(order.request.url)): the HTTP client was shut down")))
        }
        for transfer in Array(byID.values) {
            finish(transfer, .failure(TransportError(.cancelled, "\(transfer.describe()): the HTTP client was shut down")))
        }
        curl_multi_cleanup(multi)
        running.leave()
    }

    private func start(_ order: TransferOrder) {
        var order = order
        let id = order.id
        // Strong, not weak: a weak reference allocates a side table that
        // LeakSanitizer reports when the process exits with the loop alive.
        // The cycle lasts while the transfer (or the sink holding this) does.
        order.resume = { [self] in resume(id) }
        if order.cancellation.isCancelled {
            order.completion(.failure(cancelledError(order)))
            return
        }
        let transfer: Transfer
        do {
            transfer = try Transfer(order: order, configuration: configuration, activity: activity)
        } catch {
            order.completion(.failure(error))
            return
        }
        let added = curl_multi_add_handle(multi, transfer.easy)
        guard added == CURLM_OK else {
            order.completion(.failure(TransportError(multi: added, "\(transfer.describe()): curl_multi_add_handle")))
            return
        }
        byHandle[transfer.easy] = transfer
        byID[order.id] = transfer
    }

    private func resumeTransfer(_ id: UInt64) {
        // Finished already, or not paused: nothing to do (unpausing is harmless).
        guard let transfer = byID[id] else { return }
        // CURLPAUSE_CONT is 0. libcurl may deliver the bytes it held right here,
        // and the sink may refuse them again: the transfer is then paused again.
        let code = curl_easy_pause(transfer.easy, 0)
        if code != CURLE_OK, transfer.failure == nil {
            finish(transfer, .failure(TransportError(.curl, "\(transfer.describe()): resuming failed: \(curlText(code))", curlCode: Int(code.rawValue))))
        }
    }

    private func cancelTransfer(_ id: UInt64) {
        guard let transfer = byID[id] else { return } // finished, or not started (the flag stops it)
        finish(transfer, .failure(cancelledError(transfer.order)))
    }

    private func cancelledError(_ order: TransferOrder) -> TransportError {
        TransportError(.cancelled, "\(order.request.method) \(redactedURL(order.request.url)): cancelled")
    }

    private func collectFinished() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard ec_curl_msg_is_done(message) != 0, let easy = message.pointee.easy_handle,
                  let transfer = byHandle[easy] else { continue }
            let code = ec_curl_msg_result(message)
            if code == CURLE_OK {
                if let failure = transfer.failure {
                    finish(transfer, .failure(failure))
                } else if let head = transfer.head {
                    finish(transfer, .success(head))
                } else if transfer.deliverHead(), let head = transfer.head {
                    // No body bytes arrived (HEAD, 204, empty body).
                    finish(transfer, .success(head))
                } else {
                    finish(transfer, .failure(transfer.error(for: CURLE_WRITE_ERROR)))
                }
            } else {
                finish(transfer, .failure(transfer.error(for: code)))
            }
        }
    }

    /// Detaches the transfer from the multi handle, frees it and reports `result`.
    private func finish(_ transfer: Transfer, _ result: Result<HTTPResponseHead, TransportError>) {
        byHandle[transfer.easy] = nil
        byID[transfer.order.id] = nil
        let multiplexed = transfer.mayBeMultiplexed
        let socket = multiplexed ? transfer.connectionSocket() : nil
        let removed = curl_multi_remove_handle(multi, transfer.easy)
        var result = result
        if removed != CURLM_OK, case .success = result {
            result = .failure(TransportError(multi: removed, "\(transfer.describe()): curl_multi_remove_handle"))
        }
        // The easy handle is cleaned up on this thread when the last
        // reference to the transfer goes, right after this call.
        transfer.order.completion(result)
        if multiplexed {
            nudgeConnection(of: socket)
        }
    }

    /// Makes libcurl read the connection a finished HTTP/2 transfer used,
    /// through one transfer still on it, so frames it buffered for the
    /// others are not orphaned (HTTP2Stalls.swift). With the socket unknown,
    /// every transfer that may share a connection is nudged.
    private func nudgeConnection(of socket: curl_socket_t?) {
        let candidates = byHandle.values.filter(\.mayBeMultiplexed)
        let targets = socket.map { socket in
            candidates.first { $0.connectionSocket() == socket }.map { [$0] } ?? []
        } ?? candidates
        for transfer in targets {
            activity.nudged()
            if let error = transfer.nudge() {
                finish(transfer, .failure(error))
            }
        }
    }

    private func failAll(_ error: TransportError) {
        for transfer in Array(byID.values) {
            var specific = error
            specific.message = "\(transfer.describe()): \(error.message)"
            finish(transfer, .failure(specific))
        }
    }
}
