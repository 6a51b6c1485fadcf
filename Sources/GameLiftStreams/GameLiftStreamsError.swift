import HTTPTransport
import OrderedJSON

/// A failed GameLift Streams call, in words a person can act on, with the
/// machine word (`kind`) that manifests and exit codes use.
package struct GameLiftStreamsError: Error, Sendable, CustomStringConvertible {
    package enum Kind: String, Sendable {
        /// 403 `AccessDeniedException`: the identity lacks a permission.
        case accessDenied = "access_denied"
        /// 403 `InvalidSignatureException`, `UnrecognizedClientException`,
        /// `ExpiredTokenException`: the credentials were refused.
        case authentication
        /// No credentials could be found or refreshed.
        case credentials
        /// 404 `ResourceNotFoundException`.
        case notFound = "not_found"
        /// 400 `ValidationException` (a bad filter, page size or token).
        case validation
        /// 429 `ThrottlingException` after every retry.
        case throttled
        /// 5xx, `InternalServerException`, after every retry.
        case server
        /// The connection failed, timed out or stalled, after every retry.
        case transport
        /// A 2xx answer that is not the JSON the API model promises.
        case invalidResponse = "invalid_response"
        /// A value given by the caller that cannot be sent (an empty
        /// identifier, a starting token that is not one of ours or boto3's).
        case invalidArgument = "invalid_argument"
        /// Any other error response.
        case service
    }

    package var kind: Kind
    /// The operation, e.g. `ListStreamSessions`.
    package var operation: String
    /// What the call was about (a stream group, a session), for the message.
    package var subject: String?
    /// The service's error code (`ThrottlingException`) or the transport's word.
    package var code: String?
    package var message: String
    package var status: Int?
    package var requestID: String?
    /// Attempts made, retries included.
    package var attempts: Int = 1
    /// More of the service's message than fits on the error line (the
    /// canonical request a signature error shows), for debug logs.
    package var detail: String?
    /// The response's `Retry-After` (429 or 503), honoured by the retry loop.
    package var retryAfter: Duration?

    package init(_ kind: Kind, operation: String, subject: String? = nil, code: String? = nil, message: String,
                 status: Int? = nil, requestID: String? = nil) {
        self.kind = kind
        self.operation = operation
        self.subject = subject
        self.code = code
        self.message = message
        self.status = status
        self.requestID = requestID
    }

    package var description: String {
        var text = "GameLift Streams \(operation)"
        if let subject { text += " (\(subject))" }
        return text + ": " + reason
    }

    /// The why of the message, without the operation: code, message, status,
    /// attempts and request id.
    package var reason: String {
        var text = ""
        if let code, code != message { text += "\(code): " }
        text += message
        var details: [String] = []
        if let status { details.append("HTTP \(status)") }
        if attempts > 1 { details.append("\(attempts) attempts") }
        if let requestID { details.append("request id \(requestID)") }
        if !details.isEmpty { text += " (\(details.joined(separator: ", ")))" }
        return text
    }

    /// The retry class of the standard retry mode.
    var retryClass: RetryClass {
        switch kind {
        case .throttled: .throttling
        case .server: .transient
        case .transport:
            switch code {
            case "timeout", "stalled": .timeout
            case "connect", "dns", "network", "truncated": .transient
            default: .notRetryable
            }
        default: .notRetryable
        }
    }

    /// Decodes a rest-json error response: the code from `x-amzn-ErrorType`
    /// (`Code:http://internal...` keeps only `Code`), else the body's
    /// `__type` (`namespace#Code`) or `code`; the message from `message` or
    /// `Message`.
    static func fromResponse(status: Int, head: HTTPResponseHead, body: [UInt8], operation: String,
                             subject: String?) -> GameLiftStreamsError {
        let document = try? JSONParser.parse(body)
        let headerCode = head.value(forHeader: "x-amzn-ErrorType").flatMap { value in
            value.split(separator: ":", maxSplits: 1).first.map(String.init)
        }
        let bodyCode = (document?["__type"]?.stringValue ?? document?["code"]?.stringValue ?? document?["Code"]?.stringValue)
            .map { full in full.split(separator: "#").last.map(String.init) ?? full }
        let code = headerCode.flatMap { $0.isEmpty ? nil : $0 } ?? bodyCode
        var message = document?["message"]?.stringValue ?? document?["Message"]?.stringValue ?? ""
        // Error lines are one line each. A signature error's message goes on,
        // after a blank line, with the canonical request and string to sign
        // the service expected: useful when debugging a signer, noise in a
        // batch job's log, so only the first paragraph is kept.
        var detail: String?
        if let blank = message.firstRange(of: "\n\n") {
            detail = String(message[blank.upperBound...])
            message = String(message[..<blank.lowerBound])
        }
        message = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters() }.joined(separator: " ")
        if message.isEmpty {
            message = document == nil && !body.isEmpty
                ? "HTTP \(status) with a body that is not JSON (\(body.count) bytes)"
                : "HTTP \(status)"
        }
        let kind: Kind
        switch (code, status) {
        case ("AccessDeniedException", _): kind = .accessDenied
        case ("InvalidSignatureException", _), ("UnrecognizedClientException", _), ("ExpiredTokenException", _),
             ("IncompleteSignatureException", _), ("MissingAuthenticationTokenException", _), ("InvalidClientTokenId", _):
            kind = .authentication
        case ("ResourceNotFoundException", _): kind = .notFound
        case ("ValidationException", _): kind = .validation
        case (let code?, _) where RetryClassifier.throttlingCodes.contains(code): kind = .throttled
        case (_, 429): kind = .throttled
        case ("InternalServerException", _), (_, 500), (_, 502), (_, 503), (_, 504): kind = .server
        case (_, 403): kind = .accessDenied
        case (_, 404): kind = .notFound
        default: kind = .service
        }
        var error = GameLiftStreamsError(kind, operation: operation, subject: subject, code: code, message: message,
                                         status: status, requestID: head.value(forHeader: "x-amzn-RequestId"))
        error.detail = detail
        error.retryAfter = head.retryAfter
        return error
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        var text = self
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}
