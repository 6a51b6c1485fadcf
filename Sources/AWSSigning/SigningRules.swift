/// The per-service differences of SigV4 that the specification leaves to
/// each service: how the path is canonicalised and how the payload is shown.
///
/// Use ``forService(_:)``; the official test suite sets the flags one by one
/// (its `normalize`, `sign_body` and `omit_session_token` inputs).
package struct SigningRules: Sendable, Hashable {
    /// Remove `.` and `..` segments and collapse empty segments in the path
    /// before encoding it (canonical URI). Every service but S3.
    package var normalizesPath: Bool
    /// Percent-encode each path segment of the path *as sent* once more, so a
    /// wire `%3A` becomes `%253A` ("double encoding"). Every service but S3,
    /// whose canonical URI is the wire path verbatim.
    package var encodesPathAgain: Bool
    /// Header signing adds and signs `x-amz-content-sha256` with the payload
    /// hash (S3 requires it).
    package var addsContentSHA256Header: Bool
    /// Presigned URLs sign `UNSIGNED-PAYLOAD` instead of the payload hash (S3).
    package var presignsUnsignedPayload: Bool
    /// The session token is part of what is signed. When `false` it is still
    /// added to the request, but after signing (a few services, such as IoT,
    /// want it that way).
    package var signsSessionToken: Bool

    package init(
        normalizesPath: Bool,
        encodesPathAgain: Bool,
        addsContentSHA256Header: Bool,
        presignsUnsignedPayload: Bool,
        signsSessionToken: Bool = true
    ) {
        self.normalizesPath = normalizesPath
        self.encodesPathAgain = encodesPathAgain
        self.addsContentSHA256Header = addsContentSHA256Header
        self.presignsUnsignedPayload = presignsUnsignedPayload
        self.signsSessionToken = signsSessionToken
    }

    /// S3: path verbatim, `x-amz-content-sha256` signed, presigned URLs with
    /// `UNSIGNED-PAYLOAD`.
    package static let s3 = SigningRules(
        normalizesPath: false, encodesPathAgain: false,
        addsContentSHA256Header: true, presignsUnsignedPayload: true
    )

    /// Every other service (GameLift Streams among them): path normalised and
    /// encoded again, no content header, presigned URLs sign the payload hash.
    package static let standard = SigningRules(
        normalizesPath: true, encodesPathAgain: true,
        addsContentSHA256Header: false, presignsUnsignedPayload: false
    )

    /// The rules for a signing name (`s3`, `gameliftstreams`, …).
    package static func forService(_ service: String) -> SigningRules {
        switch service {
        case "s3", "s3-outposts", "s3-object-lambda", "s3express": .s3
        default: .standard
        }
    }

    /// Headers that are never signed, because proxies and HTTP clients add,
    /// drop or rewrite them on the way (botocore's list). `authorization` is the
    /// signature itself.
    package static let unsignedHeaders: Set<String> = [
        "authorization", "connection", "expect", "keep-alive", "proxy-authenticate",
        "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
        "user-agent", "x-amzn-trace-id",
    ]
}
