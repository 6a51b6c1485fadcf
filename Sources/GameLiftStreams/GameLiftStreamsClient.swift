import AWSCredentials
import AWSSigning
import HTTPTransport
import OrderedJSON

/// Amazon GameLift Streams' REST-JSON API on our libcurl transport and SigV4
/// signer (signing name `gameliftstreams`; the path is encoded twice in the
/// canonical request, so an ARN in it becomes `%253A`/`%252F` there).
///
/// Every call goes through one ``RequestRateLimiter`` and the standard retry
/// mode (throttling, 5xx and broken connections retried with jittered
/// backoff, within the retry quota); expired credentials are refreshed once.
package final class GameLiftStreamsClient: Sendable {
    package static let signingName = "gameliftstreams"

    package let http: HTTPClient
    package let credentials: CachedCredentials
    package let region: String
    /// The base URL, without a trailing slash.
    package let endpoint: String
    package let rateLimiter: RequestRateLimiter
    package let retryPolicy: RetryPolicy
    package let retryQuota: RetryQuota
    package let timeouts: HTTPTimeouts

    /// - Parameters:
    ///   - endpointURL: `--endpoint-url`, `AWS_ENDPOINT_URL_GAMELIFTSTREAMS`
    ///     or `AWS_ENDPOINT_URL`; `nil` for `https://gameliftstreams.<region>.api.aws`.
    /// - Throws: `invalidArgument` for an endpoint that is not `http(s)://host[:port][/path]`.
    package init(http: HTTPClient, credentials: CachedCredentials, region: String, endpointURL: String? = nil,
                 rateLimiter: RequestRateLimiter = RequestRateLimiter(requestsPerSecond: 20),
                 retryPolicy: RetryPolicy = RetryPolicy(maxAttempts: 5), retryQuota: RetryQuota = RetryQuota(),
                 timeouts: HTTPTimeouts = HTTPTimeouts(deadline: .seconds(60))) throws(GameLiftStreamsError) {
        self.http = http
        self.credentials = credentials
        self.region = region
        self.endpoint = try Self.endpoint(override: endpointURL, region: region)
        self.rateLimiter = rateLimiter
        self.retryPolicy = retryPolicy
        self.retryQuota = retryQuota
        self.timeouts = timeouts
    }

    /// The service endpoint for `region`, or the override checked and trimmed.
    package static func endpoint(override: String?, region: String) throws(GameLiftStreamsError) -> String {
        guard let override else { return "https://gameliftstreams.\(region).api.aws" }
        var url = override
        while url.hasSuffix("/") { url.removeLast() }
        let scheme = url.hasPrefix("https://") ? "https://" : url.hasPrefix("http://") ? "http://" : nil
        guard let scheme, url.count > scheme.count, !url.contains("?"), !url.contains("#"),
              !url.dropFirst(scheme.count).hasPrefix("/") else {
            throw GameLiftStreamsError(.invalidArgument, operation: "endpoint", message: "endpoint URL \(override) is not http(s)://host[:port][/path]")
        }
        return url
    }

    /// One signed request (re-signed on every attempt), rate limited and
    /// retried; the parsed JSON body of a 2xx answer (`{}` when empty).
    func send(operation: String, method: String = "GET", path: String, query: [(String, String)] = [],
              body: JSONValue? = nil, subject: String? = nil) async throws(GameLiftStreamsError) -> JSONValue {
        var attempt = 0
        var lastRetryCost: Int?
        var refreshedCredentials = false
        while true {
            attempt += 1
            do throws(GameLiftStreamsError) {
                let value = try await attemptOnce(operation: operation, method: method, path: path, query: query,
                                                  body: body, subject: subject)
                rateLimiter.recordSuccess()
                retryQuota.releaseAfterSuccess(lastRetryCost: lastRetryCost)
                return value
            } catch {
                var error = error
                error.attempts = attempt
                if error.kind == .throttled { rateLimiter.recordThrottle() }
                if error.kind == .authentication, error.code == "ExpiredTokenException", !refreshedCredentials {
                    refreshedCredentials = true
                    await credentials.invalidate()
                    attempt -= 1
                    continue
                }
                guard attempt < retryPolicy.maxAttempts, !Task.isCancelled,
                      let cost = retryQuota.acquire(for: error.retryClass) else { throw error }
                lastRetryCost = cost
                do {
                    try await retryPolicy.sleep(retryPolicy.delay(beforeRetry: attempt - 1, retryAfter: error.retryAfter))
                } catch {
                    throw GameLiftStreamsError(.transport, operation: operation, subject: subject, code: "cancelled",
                                               message: "cancelled while waiting to retry")
                }
            }
        }
    }

    private func attemptOnce(operation: String, method: String, path: String, query: [(String, String)],
                             body: JSONValue?, subject: String?) async throws(GameLiftStreamsError) -> JSONValue {
        do {
            try await rateLimiter.acquire()
        } catch {
            throw GameLiftStreamsError(.transport, operation: operation, subject: subject, code: "cancelled", message: "cancelled")
        }
        let request = try await signedRequest(operation: operation, method: method, path: path, query: query,
                                              body: body, subject: subject)
        let head: HTTPResponseHead
        let bytes: [UInt8]
        do {
            (head, bytes) = try await http.data(request, limit: 16 << 20, timeouts: timeouts)
        } catch {
            throw GameLiftStreamsError(.transport, operation: operation, subject: subject, code: error.kind.rawValue,
                                       message: error.message)
        }
        guard (200 ..< 300).contains(head.status) else {
            throw GameLiftStreamsError.fromResponse(status: head.status, head: head, body: bytes, operation: operation, subject: subject)
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return .object([]) }
        do {
            let document = try JSONParser.parse(bytes)
            guard document.objectMembers != nil else {
                throw JSONParseError(line: 1, column: 1, reason: "expected an object, found \(document.typeName)")
            }
            return document
        } catch {
            throw GameLiftStreamsError(.invalidResponse, operation: operation, subject: subject,
                                       message: "the response is not the JSON object the API promises (\(error))",
                                       status: head.status, requestID: head.value(forHeader: "x-amzn-RequestId"))
        }
    }

    private func signedRequest(operation: String, method: String, path: String, query: [(String, String)],
                               body: JSONValue?, subject: String?) async throws(GameLiftStreamsError) -> HTTPRequest {
        let credentials: Credentials
        do {
            credentials = try await self.credentials.credentials()
        } catch {
            throw GameLiftStreamsError(.credentials, operation: operation, subject: subject, code: error.kind.rawValue,
                                       message: "no credentials: \(error.message)")
        }
        var url = endpoint + path
        if !query.isEmpty {
            url += "?" + query.map { "\(PercentEncoding.encode($0.0))=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
        }
        let payload = body.map { Array($0.serialized(pretty: false).utf8) }
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if payload != nil { headers.append(("Content-Type", "application/json")) }
        let signer = AWSSigner(credentials: credentials, region: region, service: Self.signingName)
        do {
            let signing = try SigningRequest(method: method, url: url,
                                             headers: headers.map { SigningRequest.Header($0.name, $0.value) },
                                             payload: payload.map { .bytes($0) } ?? .empty)
            let signature = try signer.signHeaders(signing)
            return HTTPRequest(method: method, url: url,
                               headers: headers + signature.headers.map { (name: $0.name, value: $0.value) },
                               body: payload)
        } catch {
            throw GameLiftStreamsError(.invalidArgument, operation: operation, subject: subject,
                                       message: "cannot sign the request: \(error.message)")
        }
    }

    /// An id or ARN as one path segment: every byte but the unreserved ones
    /// percent-encoded, so `:` and `/` of an ARN cannot split the path.
    static func pathSegment(_ identifier: String, operation: String, what: String) throws(GameLiftStreamsError) -> String {
        guard !identifier.isEmpty else {
            throw GameLiftStreamsError(.invalidArgument, operation: operation, message: "\(what) is empty")
        }
        return PercentEncoding.encode(identifier)
    }
}
