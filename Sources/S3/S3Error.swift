import AWSCredentials

/// An S3 failure with the machine word manifests use, and the service's own
/// error code when there is one.
package struct S3Error: Error, Sendable, CustomStringConvertible {
    package enum Kind: String, Sendable {
        case invalidURI = "invalid_uri"
        case notFound = "not_found"
        case accessDenied = "access_denied"
        case signature
        case expired
        case clockSkew = "clock_skew"
        case changed
        case checksum
        case truncated
        case throttled
        case server
        case transport
        case io
        case service
    }

    package var kind: Kind
    package var message: String
    /// S3's `<Code>`, e.g. `NoSuchKey`.
    package var code: String?
    package var status: Int?

    package init(_ kind: Kind, _ message: String, code: String? = nil, status: Int? = nil) {
        self.kind = kind
        self.message = message
        self.code = code
        self.status = status
    }

    package var description: String { message }

    /// Decodes an S3 error response (REST XML `<Error><Code>…</Code><Message>…`)
    /// into a clear message; `what` names the request (`GET s3://bucket/key`).
    package static func fromResponse(status: Int, body: [UInt8], requestID: String?, what: String) -> S3Error {
        let fields = XMLFields(body)
        let code = fields.first("Code") ?? defaultCode(status)
        let serviceMessage = fields.first("Message")
        let kind: Kind
        let explanation: String
        // S3 answers an expired presigned URL with 403 AccessDenied, "Request has expired".
        let expiredRequest = code == "AccessDenied" && (serviceMessage?.lowercased().contains("expired") ?? false)
        switch expiredRequest ? "RequestExpired" : code {
        case "NoSuchKey", "NoSuchBucket", "NotFound":
            kind = .notFound
            explanation = code == "NoSuchBucket" ? "the bucket does not exist" : "no such object"
        case "AccessDenied", "Forbidden", "AllAccessDisabled", "InvalidAccessKeyId":
            kind = .accessDenied
            explanation = code == "InvalidAccessKeyId" ? "the access key id is not known to the service"
                : "access denied: the credentials lack permission (or the object is not there and listing is not allowed)"
        case "SignatureDoesNotMatch":
            kind = .signature
            explanation = "the request signature does not match: check the secret access key and the region"
        case "ExpiredToken", "TokenRefreshRequired", "RequestExpired":
            kind = .expired
            explanation = code == "RequestExpired" ? "the presigned URL or request has expired" : "the session token has expired"
        case "RequestTimeTooSkewed":
            kind = .clockSkew
            explanation = "this machine's clock differs too much from the service's: fix the clock (NTP)"
        case "PreconditionFailed":
            kind = .changed
            explanation = "the object changed since the download began (ETag no longer matches)"
        case "SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests":
            kind = .throttled
            explanation = "the service asks to slow down"
        case "InternalError", "ServiceUnavailable":
            kind = .server
            explanation = "the service failed"
        default:
            kind = status >= 500 ? .server : .service
            explanation = serviceMessage ?? "the service answered HTTP \(status)"
        }
        var message = "\(what): \(explanation) (HTTP \(status) \(code)"
        if let requestID { message += ", request id \(requestID)" }
        message += ")"
        return S3Error(kind, message, code: code, status: status)
    }

    private static func defaultCode(_ status: Int) -> String {
        switch status {
        case 301: "PermanentRedirect"
        case 304: "NotModified"
        case 400: "BadRequest"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 412: "PreconditionFailed"
        case 416: "InvalidRange"
        case 503: "ServiceUnavailable"
        default: "HTTP\(status)"
        }
    }
}
