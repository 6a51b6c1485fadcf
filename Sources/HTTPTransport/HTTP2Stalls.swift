import CCurl

// Two defects of libcurl 7.88 (Debian bookworm's libcurl4) stall transfers
// multiplexed as HTTP/2 streams on one connection; the transport loop works
// around both. They were found with a debug build of that libcurl and
// CURL_DEBUG=HTTP/2 against nghttpd (see HTTP2Tests):
//
// 1. Orphaned connection buffer. When DATA for a stream arrives while its
//    receive buffer (CURLOPT_BUFFERSIZE, 16 KiB) is full, lib/http2.c pauses
//    nghttp2 for that stream and keeps the rest of the bytes read from the
//    socket in a connection buffer. If that stream's transfer then completes
//    (its last bytes were the paused ones), the pause is dropped but the
//    leftover frames — often the final DATA frames of the other streams — are
//    never fed to nghttp2: their streams are not marked to drain, the socket
//    has nothing more to read, and `cf_h2_data_pending` compares the buffer
//    offsets the wrong way round so nothing asks again. Those transfers wait
//    until the stall timeout. Remedy: when a transfer on an HTTP/2 connection
//    ends, pause and at once resume another transfer on that connection;
//    resuming marks the connection readable (`cselect_bits`), so its next
//    read processes the leftover buffer.
//
// 2. Lost run-now timers. A stream that gets data while another stream reads
//    is marked to drain with a zero-delay timer, but `curl_multi_perform`
//    drops timers set within the same millisecond it started
//    (`add_next_timeout` compares in whole milliseconds), so
//    `curl_multi_timeout` reports no work and the loop sleeps for the full
//    poll timeout while data waits in libcurl's buffers. Remedy: while
//    multiplexed transfers run, perform again at once (poll with a zero
//    timeout) after any pass that moved bytes, saw socket events or nudged.
//
// Neither remedy changes anything for HTTP/1.1 transfers.

/// What happened on the transport thread during one pass of the loop
/// (commands, perform, finished transfers), to decide whether the next pass
/// should follow at once. Confined to the transport thread like the
/// transfers that update it.
final class LoopActivity {
    /// A header line or body bytes reached a transfer during this pass.
    var moved = false
    /// Passes still to be followed at once because of a nudge: the nudge
    /// takes effect in the pass after it, which may mark more streams to
    /// drain (with timers libcurl may drop), so that one is followed too.
    private var promptPasses = 0

    /// Records that a transfer was paused and resumed (`Transfer.nudge`).
    func nudged() {
        promptPasses = 2
    }

    /// Ends a pass. - Returns: whether the next pass should follow at once:
    /// bytes moved, the poll before this pass saw socket events (this pass
    /// read them, maybe for streams that run only in the next one), or a
    /// nudge is taking effect.
    func endPass(sawSocketEvents: Bool) -> Bool {
        defer {
            moved = false
            promptPasses = max(0, promptPasses - 1)
        }
        return moved || sawSocketEvents || promptPasses > 0
    }
}

extension Transfer {
    /// The socket of the connection this transfer uses (or used last), to
    /// find the transfers sharing it; `nil` when libcurl has none.
    func connectionSocket() -> curl_socket_t? {
        var socket: curl_socket_t = CURL_SOCKET_BAD
        guard ec_curl_easy_getinfo_socket(easy, CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK,
              socket != CURL_SOCKET_BAD else { return nil }
        return socket
    }

    /// Pauses and resumes receiving, which makes libcurl read this transfer's
    /// connection on the next perform even with nothing on the socket.
    /// - Returns: the error when the transfer could not be resumed (it must
    ///   then be ended: left paused it would never finish); `nil` otherwise,
    ///   also when it could not be paused (not connected yet: nothing to read).
    func nudge() -> TransportError? {
        guard ec_curl_easy_pause_recv(easy) == CURLE_OK else { return nil }
        let resumed = ec_curl_easy_pause_cont(easy)
        guard resumed == CURLE_OK else {
            return TransportError(.curl, "\(describe()): resuming after an HTTP/2 nudge failed: \(curlText(resumed))",
                                  curlCode: Int(resumed.rawValue))
        }
        return nil
    }
}
