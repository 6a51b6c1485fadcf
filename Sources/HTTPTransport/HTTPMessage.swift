import Foundation

/// One HTTP request, exactly as it goes on the wire.
///
/// The transport adds only what HTTP needs (`Host`, `Content-Length` of a
/// body): no `Accept`, `Expect`, `Accept-Encoding`, `User-Agent` or
/// `Content-Type` of its own, so the headers a signer covered are the ones sent.
package struct HTTPRequest: Sendable {
    package var method: String
    /// Absolute `http`/`https` URL, already percent-encoded as it must be sent.
    package var url: String
    package var headers: [(name: String, value: String)]
    /// A small body sent from memory (STS, JSON APIs); `nil` sends none.
    package var body: [UInt8]?
    /// Follow redirects within HTTP(S) (at most `maxRedirects`). Off by
    /// default: S3 callers re-sign the request for the new location.
    package var followRedirects: Bool
    package var maxRedirects: Int

    package init(
        method: String = "GET",
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8]? = nil,
        followRedirects: Bool = false,
        maxRedirects: Int = 5
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.followRedirects = followRedirects
        self.maxRedirects = maxRedirects
    }
}

/// The status line and headers of the final response.
package struct HTTPResponseHead: Sendable {
    package var status: Int
    /// In the order received; names as the server spelled them.
    package var headers: [(name: String, value: String)]
    /// The protocol the response came in: `HTTP/1.1`, or `HTTP/2` over TLS.
    package var httpVersion: String
    /// The local TCP port of the connection that carried the response
    /// (`CURLINFO_LOCAL_PORT`): responses that share it shared a connection,
    /// as multiplexed HTTP/2 streams do. `nil` when libcurl did not say.
    package var localPort: Int?

    package init(status: Int, headers: [(name: String, value: String)], httpVersion: String = "HTTP/1.1", localPort: Int? = nil) {
        self.status = status
        self.headers = headers
        self.httpVersion = httpVersion
        self.localPort = localPort
    }

    /// The first value of the header `name`, compared case-insensitively.
    package func value(forHeader name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// `Content-Length` when the server sent a valid one.
    package var contentLength: Int? {
        value(forHeader: "Content-Length").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
}

/// Where a response body goes, chunk by chunk.
///
/// `receive` is called on the transport thread, in order, with bytes valid
/// only during the call. Keep it quick (other transfers wait); throwing aborts
/// the transfer and `execute` throws a `.sink` error carrying what was thrown
/// (a `TransportError` thrown by a sink is passed on unchanged).
package protocol HTTPBodySink: AnyObject, Sendable {
    func receive(_ bytes: UnsafeRawBufferPointer) throws
}

/// A sink whose consumer can fall behind: instead of blocking the transport
/// thread (and every other transfer on it), it refuses bytes, which pauses
/// this transfer alone until it calls the handler it was given.
package protocol FlowControlledBodySink: HTTPBodySink {
    /// Takes all of `bytes` or none: `false` pauses the transfer, and libcurl
    /// offers the same bytes again once resumed.
    func offer(_ bytes: UnsafeRawBufferPointer) throws -> Bool
    /// Installed before the first `offer`: call it, from any thread, when
    /// there is room again after a refusal (calling it more often is harmless).
    func setResumeHandler(_ resume: @escaping @Sendable () -> Void)
}

/// The clocks of one transfer.
package struct HTTPTimeouts: Sendable {
    /// Time allowed to resolve, connect and finish the TLS handshake.
    package var connect: Duration
    /// A transfer is stalled when fewer than `stallBytesPerSecond` bytes per
    /// second move for `stallTime` (whole seconds; zero disables the check).
    package var stallBytesPerSecond: Int
    package var stallTime: Duration
    /// Overall deadline of the transfer, body included; `nil` for none.
    package var deadline: Duration?

    package init(
        connect: Duration = .seconds(10),
        stallBytesPerSecond: Int = 1,
        stallTime: Duration = .seconds(30),
        deadline: Duration? = nil
    ) {
        self.connect = connect
        self.stallBytesPerSecond = stallBytesPerSecond
        self.stallTime = stallTime
        self.deadline = deadline
    }
}

/// Settings of one `HTTPClient` (one multi handle, one connection cache).
package struct HTTPClientConfiguration: Sendable {
    /// Connections kept open per host (`CURLMOPT_MAX_HOST_CONNECTIONS`);
    /// transfers beyond it wait for a free connection.
    package var maxConnectionsPerHost: Int
    /// Idle connections the cache keeps (`CURLMOPT_MAXCONNECTS`).
    package var maxCachedConnections: Int
    /// CA bundle for peer verification; `nil` uses the system store.
    /// Defaults to `AWS_CA_BUNDLE` from the environment.
    package var caBundlePath: String?
    /// Offer HTTP/2 over TLS (`CURL_HTTP_VERSION_2TLS`); HTTP/1.1 otherwise.
    /// Concurrent transfers to one host then share one connection as streams.
    ///
    /// Off by default. The stalls of multiplexed streams in libcurl 7.88 are
    /// worked around (HTTP2Stalls.swift; 8 and 16 concurrent downloads are
    /// tested against nghttpd), but the workaround leans on that libcurl's
    /// internals, only downloads are tested over HTTP/2, and little would be
    /// gained: S3 speaks HTTP/1.1 and the other AWS calls are few and small.
    package var allowHTTP2: Bool
    /// The proxy for every request (`CURLOPT_PROXY`), as curl takes it:
    /// `http://host:port` (a scheme-less `host:port` is HTTP too), `https://`,
    /// `socks5h://`…; credentials may be given as `user:password@`.
    /// `""` uses no proxy at all, whatever the environment says.
    ///
    /// `nil` (the default) leaves the choice to libcurl, which reads the
    /// environment as the curl tool does: `http_proxy` (lower case only) for
    /// `http` URLs, `https_proxy` or `HTTPS_PROXY` for `https` URLs, else
    /// `all_proxy` or `ALL_PROXY`.
    package var proxy: String?
    /// Hosts reached without the proxy (`CURLOPT_NOPROXY`): a comma-separated
    /// list of host names, domain suffixes and IP addresses, `*` for all;
    /// `""` for none. `nil` (the default) uses `no_proxy` or `NO_PROXY` from
    /// the environment, which libcurl honours even with `proxy` set.
    package var noProxy: String?
    /// libcurl's receive buffer per transfer (`CURLOPT_BUFFERSIZE`, 1 KiB to
    /// 10 MiB). Its default, 16 KiB, means one `recv`, one write callback and
    /// one `pwrite` per 16 KiB: 65,000 of each per gigabyte. 512 KiB cuts the
    /// system calls of a large download thirtyfold; small responses do not
    /// fill it, so they cost nothing more.
    package var receiveBufferSize: Int

    package init(
        maxConnectionsPerHost: Int = 16,
        maxCachedConnections: Int = 32,
        caBundlePath: String? = HTTPClientConfiguration.environmentCABundle(),
        allowHTTP2: Bool = false,
        proxy: String? = nil,
        noProxy: String? = nil,
        receiveBufferSize: Int = 512 << 10
    ) {
        self.receiveBufferSize = min(max(receiveBufferSize, 1024), 10 << 20)
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.maxCachedConnections = maxCachedConnections
        self.caBundlePath = caBundlePath
        self.allowHTTP2 = allowHTTP2
        self.proxy = proxy
        self.noProxy = noProxy
    }

    /// `AWS_CA_BUNDLE` when set and non-empty.
    package static func environmentCABundle() -> String? {
        guard let value = getenv("AWS_CA_BUNDLE") else { return nil }
        let path = String(cString: value)
        return path.isEmpty ? nil : path
    }
}
