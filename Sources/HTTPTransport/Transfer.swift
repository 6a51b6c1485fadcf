import CCurl
import Foundation
import Synchronization

/// What a caller hands to the transport thread to start one transfer.
struct TransferOrder: Sendable {
    let id: UInt64
    let request: HTTPRequest
    let timeouts: HTTPTimeouts
    let cancellation: CancellationFlag
    let head: @Sendable (HTTPResponseHead) throws -> (any HTTPBodySink)?
    let completion: @Sendable (Result<HTTPResponseHead, TransportError>) -> Void
    /// Asks the transport thread to resume this transfer (set by the loop).
    var resume: @Sendable () -> Void = {}
}

/// Set by the cancelling side before it asks the transport thread to cancel,
/// so a transfer whose start arrives after its cancellation never starts.
final class CancellationFlag: Sendable {
    private let state = Atomic<Bool>(false)
    var isCancelled: Bool { state.load(ordering: .acquiring) }
    func cancel() { state.store(true, ordering: .releasing) }
}

/// One easy handle and everything it points to, for the lifetime of one
/// transfer. Not `Sendable`: created, driven and destroyed on the transport
/// thread only. libcurl keeps pointers to the error buffer and the header
/// list, so both live exactly as long as the handle.
final class Transfer {
    let order: TransferOrder
    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// Header lines of the response block being received.
    private var headerLines: [(name: String, value: String)] = []
    /// The protocol of the status line (`HTTP/1.1`, `HTTP/2`); `nil` until
    /// the first status line arrives.
    private var statusLineVersion: String?
    /// HTTP/2 was offered (`allowHTTP2`); see `mayBeMultiplexed`.
    private let offersHTTP2: Bool
    /// Where the callbacks record that bytes moved, for the loop.
    private let activity: LoopActivity
    private(set) var head: HTTPResponseHead?
    private var sink: (any HTTPBodySink)?
    /// The error a callback stopped the transfer with; wins over curl's code.
    private(set) var failure: TransportError?

    init(order: TransferOrder, configuration: HTTPClientConfiguration, activity: LoopActivity) throws(TransportError) {
        self.order = order
        self.activity = activity
        offersHTTP2 = configuration.allowHTTP2
        guard let easy = curl_easy_init() else {
            throw TransportError(.curl, "curl_easy_init failed")
        }
        self.easy = easy
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        // From here deinit cleans up whatever configure() got to.
        try configure(configuration)
    }

    deinit {
        curl_easy_cleanup(easy)
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    /// True while this transfer may be an HTTP/2 stream sharing its
    /// connection: HTTP/2 was offered and no status line said otherwise yet.
    /// The loop's HTTP/2 workarounds (HTTP2Stalls.swift) apply only then.
    var mayBeMultiplexed: Bool {
        offersHTTP2 && (statusLineVersion.map { $0.hasPrefix("HTTP/2") } ?? true)
    }

    // MARK: Options

    private func check(_ code: CURLcode, _ what: StaticString) throws(TransportError) {
        guard code == CURLE_OK else {
            throw TransportError(
                .curl,
                "\(order.request.method) \(redactedURL(order.request.url)): setting \(what) failed: \(curlText(code))",
                curlCode: Int(code.rawValue)
            )
        }
    }

    private func configure(_ configuration: HTTPClientConfiguration) throws(TransportError) {
        let request = order.request
        let timeouts = order.timeouts
        try check(ec_curl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "CURLOPT_ERRORBUFFER")
        try check(ec_curl_easy_setopt_string(easy, CURLOPT_URL, request.url), "CURLOPT_URL")
        // Many threads use curl; signals must stay out of it.
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1), "CURLOPT_NOSIGNAL")
        try check(ec_curl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"), "CURLOPT_PROTOCOLS_STR")
        try check(ec_curl_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"), "CURLOPT_REDIR_PROTOCOLS_STR")
        let version = configuration.allowHTTP2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(version)), "CURLOPT_HTTP_VERSION")
        // Wait for an HTTP/2 connection being set up rather than racing to open
        // more: without it concurrent transfers to one host stalled (HTTP2Tests).
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_PIPEWAIT, 1), "CURLOPT_PIPEWAIT")
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_BUFFERSIZE, configuration.receiveBufferSize), "CURLOPT_BUFFERSIZE")
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1), "CURLOPT_SSL_VERIFYPEER")
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2), "CURLOPT_SSL_VERIFYHOST")
        if let ca = configuration.caBundlePath {
            try check(ec_curl_easy_setopt_string(easy, CURLOPT_CAINFO, ca), "CURLOPT_CAINFO")
        }
        // Left unset, libcurl applies the proxy variables of the environment
        // itself (HTTPClientConfiguration.proxy says which); nothing else here
        // may set them, or that would stop.
        if let proxy = configuration.proxy {
            try check(ec_curl_easy_setopt_string(easy, CURLOPT_PROXY, proxy), "CURLOPT_PROXY")
        }
        if let noProxy = configuration.noProxy {
            try check(ec_curl_easy_setopt_string(easy, CURLOPT_NOPROXY, noProxy), "CURLOPT_NOPROXY")
        }
        // Bodies are delivered as sent (S3 hashes them); no Accept-Encoding.
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_HTTP_CONTENT_DECODING, 0), "CURLOPT_HTTP_CONTENT_DECODING")
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1), "CURLOPT_SUPPRESS_CONNECT_HEADERS")
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1), "CURLOPT_TCP_KEEPALIVE")
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0), "CURLOPT_FOLLOWLOCATION")
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_MAXREDIRS, max(0, request.maxRedirects)), "CURLOPT_MAXREDIRS")

        try check(ec_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(timeouts.connect)), "CURLOPT_CONNECTTIMEOUT_MS")
        let stallSeconds = Int((milliseconds(timeouts.stallTime) + 999) / 1000)
        let stallLimit = stallSeconds > 0 ? max(1, timeouts.stallBytesPerSecond) : 0
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, stallLimit), "CURLOPT_LOW_SPEED_LIMIT")
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, stallSeconds), "CURLOPT_LOW_SPEED_TIME")
        try check(ec_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, timeouts.deadline.map(milliseconds) ?? 0), "CURLOPT_TIMEOUT_MS")

        let user = Unmanaged.passUnretained(self).toOpaque()
        try check(ec_curl_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, transferWriteCallback), "CURLOPT_WRITEFUNCTION")
        try check(ec_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, user), "CURLOPT_WRITEDATA")
        try check(ec_curl_easy_setopt_header_callback(easy, transferHeaderCallback), "CURLOPT_HEADERFUNCTION")
        try check(ec_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, user), "CURLOPT_HEADERDATA")

        try configureMethodAndBody(request)
        try configureHeaders(request)
    }

    private func configureMethodAndBody(_ request: HTTPRequest) throws(TransportError) {
        let method = request.method
        guard !method.isEmpty, method.allSatisfy({ $0.isLetter || $0 == "-" || $0 == "_" }) else {
            throw TransportError(.invalidRequest, "invalid HTTP method for \(redactedURL(request.url))")
        }
        switch (method, request.body) {
        case ("GET", nil):
            try check(ec_curl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1), "CURLOPT_HTTPGET")
        case ("HEAD", nil):
            try check(ec_curl_easy_setopt_long(easy, CURLOPT_NOBODY, 1), "CURLOPT_NOBODY")
        case ("HEAD", _?):
            throw TransportError(.invalidRequest, "HEAD \(redactedURL(request.url)) with a body")
        case (_, let body):
            // POSTFIELDS sends the bytes from memory with Content-Length; the
            // size goes first so bodies holding NUL bytes are sent whole.
            let bytes = body ?? []
            if body != nil || ["POST", "PUT", "PATCH"].contains(method) {
                try check(ec_curl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)), "CURLOPT_POSTFIELDSIZE_LARGE")
                let code = bytes.isEmpty
                    ? ec_curl_easy_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "")
                    : bytes.withUnsafeBytes { ec_curl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) }
                try check(code, "CURLOPT_COPYPOSTFIELDS")
            }
            if method != "POST" {
                try check(ec_curl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, method), "CURLOPT_CUSTOMREQUEST")
            }
        }
    }

    private func configureHeaders(_ request: HTTPRequest) throws(TransportError) {
        var names = Set<String>()
        var lines: [String] = []
        for (name, value) in request.headers {
            let invalidName = name.isEmpty || name.utf8.contains { $0 <= 32 || $0 >= 127 || $0 == UInt8(ascii: ":") }
            if invalidName || value.utf8.contains(where: { $0 == 10 || $0 == 13 || $0 == 0 }) {
                // The value is never shown: it may be a credential.
                throw TransportError(.invalidRequest, "invalid header \(invalidName ? "name" : "value") for \(redactedURL(request.url))")
            }
            names.insert(name.lowercased())
            // "Name;" is curl's way to send a header with an empty value.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // "Name:" removes a header curl would otherwise add on its own.
        for automatic in ["Expect", "Accept"] where !names.contains(automatic.lowercased()) {
            lines.append("\(automatic):")
        }
        if request.body != nil || ["POST", "PUT", "PATCH"].contains(request.method), !names.contains("content-type") {
            lines.append("Content-Type:")
        }
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw TransportError(.curl, "curl_slist_append failed for \(redactedURL(request.url))")
            }
            headerList = appended
        }
        try check(ec_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList), "CURLOPT_HTTPHEADER")
    }

    // MARK: Callbacks (transport thread)

    func receiveHeaderLine(_ raw: UnsafeRawBufferPointer) {
        activity.moved = true
        guard head == nil else { return } // trailers after the body
        var length = raw.count
        while length > 0, raw[length - 1] == 0x0A || raw[length - 1] == 0x0D { length -= 1 }
        let line = Substring(String(decoding: UnsafeRawBufferPointer(rebasing: raw[..<length]), as: UTF8.self))
        if line.hasPrefix("HTTP/") {
            headerLines.removeAll(keepingCapacity: true) // a new response (1xx, redirect, proxy)
            statusLineVersion = String(line.prefix { $0 != " " })
        } else if line.isEmpty {
            return
        } else if line.first == " " || line.first == "\t" {
            // Obsolete line folding continues the previous value.
            if !headerLines.isEmpty {
                headerLines[headerLines.count - 1].value += " " + trimmed(line)
            }
        } else if let colon = line.firstIndex(of: ":") {
            headerLines.append((name: String(line[..<colon]), value: trimmed(line[line.index(after: colon)...])))
        }
    }

    enum BodyVerdict {
        case taken, pause, abort
    }

    /// What the body callback tells curl: taken, pause, or abort (a short count).
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> BodyVerdict {
        activity.moved = true
        if head == nil, !deliverHead() { return .abort }
        guard let sink else { return .taken }
        do {
            if let flowControlled {
                return try flowControlled.offer(bytes) ? .taken : .pause
            }
            try sink.receive(bytes)
            return .taken
        } catch {
            failure = sinkError(error)
            return .abort
        }
    }

    /// The sink, when it pauses the transfer instead of blocking.
    private var flowControlled: (any FlowControlledBodySink)?

    /// Hands the completed head to the caller's handler, which picks the sink.
    @discardableResult
    func deliverHead() -> Bool {
        var status = 0
        let code = ec_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        guard code == CURLE_OK else {
            failure = TransportError(.curl, "\(describe()): reading the response code failed: \(curlText(code))", curlCode: Int(code.rawValue))
            return false
        }
        var localPort = 0
        let port = ec_curl_easy_getinfo_long(easy, CURLINFO_LOCAL_PORT, &localPort) == CURLE_OK && localPort > 0 ? localPort : nil
        let head = HTTPResponseHead(status: status, headers: headerLines, httpVersion: statusLineVersion ?? "HTTP/1.1", localPort: port)
        self.head = head
        headerLines = []
        do {
            sink = try order.head(head)
            if let flow = sink as? any FlowControlledBodySink {
                flow.setResumeHandler(order.resume)
                flowControlled = flow
            }
            return true
        } catch {
            failure = sinkError(error)
            return false
        }
    }

    // MARK: Errors

    private func sinkError(_ error: any Error) -> TransportError {
        if let transport = error as? TransportError { return transport }
        return TransportError(.sink, "\(describe()): the body sink failed: \(error)", underlying: error)
    }

    /// "METHOD url-without-query", for messages.
    func describe() -> String {
        "\(order.request.method) \(redactedURL(order.request.url))"
    }

    /// The error for a transfer curl ended with `code`.
    func error(for code: CURLcode) -> TransportError {
        if let failure { return failure }
        let detail = redactedCurlText(String(cString: errorBuffer))
        var kind = TransportError.Kind(code)
        if kind == .timeout, detail.contains("too slow") { kind = .stalled }
        var message = "\(describe()): \(curlText(code))"
        if !detail.isEmpty { message += " (\(detail))" }
        if let hint = tlsHint(for: code) { message += ": \(hint)" }
        return TransportError(kind, message, curlCode: Int(code.rawValue))
    }
}

private func trimmed(_ s: Substring) -> String {
    String(s.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
}

func curlText(_ code: CURLcode) -> String {
    String(cString: curl_easy_strerror(code))
}

func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    return max(0, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
}

/// CURLOPT_WRITEFUNCTION: a short count aborts the transfer.
private let transferWriteCallback: ec_curl_data_callback = { buffer, size, count, user in
    guard let user else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
    let length = size * count
    switch transfer.receiveBody(UnsafeRawBufferPointer(start: buffer, count: length)) {
    case .taken: return length
    case .pause: return curlWritePause
    case .abort: return 0
    }
}

/// CURL_WRITEFUNC_PAUSE (a macro Swift does not import).
private let curlWritePause = 0x1000_0001

/// CURLOPT_HEADERFUNCTION: one complete header line per call.
private let transferHeaderCallback: ec_curl_header_callback = { buffer, size, count, user in
    guard let user else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
    let length = size * count
    transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: buffer, count: length))
    return length
}
