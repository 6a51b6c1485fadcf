/// Sorts failures into retry classes as the "standard" retry mode does.
package enum RetryClassifier {
    /// Error codes (JSON `__type`/`code`, XML `<Code>`) that mean throttling.
    package static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    ]

    /// Error codes that mean a transient failure whatever the status.
    package static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
        "ServiceUnavailable",
    ]

    /// A response with `status` and, when the body carried one, the service
    /// error `code` (a JSON `__type` may be `prefix#Code`; only `Code` counts).
    package static func classify(status: Int, errorCode: String? = nil) -> RetryClass {
        let code = errorCode.map { full in full.split(separator: "#").last.map(String.init) ?? full }
        if let code, throttlingCodes.contains(code) { return .throttling }
        if status == 429 { return .throttling }
        if let code, transientCodes.contains(code) { return .transient }
        switch status {
        case 500, 502, 503, 504: return .transient
        default: return .notRetryable
        }
    }

    /// A transport failure: connections that failed or broke are transient,
    /// clocks that ran out are timeouts; everything else is final.
    package static func classify(_ error: TransportError) -> RetryClass {
        switch error.kind {
        case .connect, .dns, .network, .truncated: return .transient
        case .timeout, .stalled: return .timeout
        case .curl, .tls, .cancelled, .sink, .protocolError, .tooLarge, .invalidRequest: return .notRetryable
        }
    }
}
