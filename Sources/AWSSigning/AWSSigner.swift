import Foundation

/// An AWS Signature Version 4 (`AWS4-HMAC-SHA256`) signer for one set of
/// credentials, one region and one service.
///
/// A `Sendable` value in the manner of Soto's `AWSSigner`, with one function
/// per step of the specification
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>):
///
/// 1. ``canonicalRequest(for:mode:time:)``
/// 2. ``stringToSign(canonicalRequest:time:)``
/// 3. ``signingKey(time:)`` (derived keys are cached per day, region and service)
/// 4. ``signature(stringToSign:time:)``
///
/// and the two ways of attaching the result: ``signHeaders(_:date:)`` (the
/// `Authorization` header) and ``presign(_:expires:date:)`` (query parameters).
/// The clock is injectable, so tests and retries can sign at a fixed instant.
/// Unlike Soto's signer it never traps: no `try!`, no force-unwrapped URL.
package struct AWSSigner: Sendable {
    /// The signing algorithm's name, the first line of every string to sign.
    package static let algorithm = "AWS4-HMAC-SHA256"
    /// The last element of every credential scope.
    package static let scopeTerminator = "aws4_request"
    /// The longest lifetime SigV4 allows a presigned URL: seven days.
    package static let maximumExpiry = 604_800

    package let credentials: Credentials
    package let region: String
    /// The signing name (`s3`, `gameliftstreams`, …).
    package let service: String
    package let rules: SigningRules
    let clock: @Sendable () -> Date
    let keyCache: SigningKeyCache

    /// - Parameters:
    ///   - credentials: the key pair (and session token) to sign with.
    ///   - region: the region of the credential scope, e.g. `us-west-2`.
    ///   - service: the signing name, e.g. `s3` or `gameliftstreams`.
    ///   - rules: service rules; by default ``SigningRules/forService(_:)``.
    ///   - clock: the signing time when a call does not give one.
    package init(
        credentials: Credentials,
        region: String,
        service: String,
        rules: SigningRules? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.rules = rules ?? .forService(service)
        self.clock = clock
        self.keyCache = SigningKeyCache()
    }

    /// `YYYYMMDD/region/service/aws4_request` (SigV4 "credential scope").
    package func credentialScope(_ time: SigningTime) -> String {
        "\(time.day)/\(region)/\(service)/\(Self.scopeTerminator)"
    }

    /// `AKID/YYYYMMDD/region/service/aws4_request`, the `Credential` value.
    package func credential(_ time: SigningTime) -> String {
        "\(credentials.accessKeyID)/\(credentialScope(time))"
    }

    func signingTime(_ date: Date?) -> SigningTime {
        SigningTime(date ?? clock())
    }
}
