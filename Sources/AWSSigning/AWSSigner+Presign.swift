import Foundation

/// The result of query signing: the presigned URL and the intermediate values.
package struct PresignedURL: Sendable, Hashable, CustomStringConvertible {
    /// The request's URL with `X-Amz-Algorithm`, `X-Amz-Credential`,
    /// `X-Amz-Date`, `X-Amz-SignedHeaders`, `X-Amz-Expires`,
    /// `X-Amz-Security-Token` (with a session token) and last `X-Amz-Signature`
    /// appended to its query.
    package let url: SigningURL
    package let canonicalRequest: CanonicalRequest
    package let stringToSign: String
    package let signature: String

    package var description: String { url.description }
}

extension AWSSigner {
    /// Presigns `request`: the signature goes in the query string, so the URL
    /// alone authorises the request for `expires` seconds. The headers the
    /// request carries (`Range`, say) are signed and must be sent as they are.
    ///
    /// - Parameters:
    ///   - request: the request the URL stands for.
    ///   - expires: lifetime in seconds, 1…604800 (seven days).
    ///   - date: the signing time; the signer's clock when `nil`.
    /// - Throws: ``SigningError`` with ``SigningError/Code/invalidExpiration``
    ///   for a lifetime out of range, or when a header cannot be signed.
    package func presign(_ request: SigningRequest, expires: Int, date: Date? = nil) throws(SigningError) -> PresignedURL {
        let time = signingTime(date)
        let canonical = try canonicalRequest(for: request, mode: .query(expires: expires), time: time)
        let stringToSign = stringToSign(canonicalRequest: canonical.text, time: time)
        let signature = signature(stringToSign: stringToSign, time: time)
        let added = Set(canonical.addedQuery.map(\.name) + ["X-Amz-Signature"])
        var url = request.url
        url.query.removeAll { added.contains(String(decoding: PercentEncoding.decode($0.name[...]), as: UTF8.self)) }
        url.query += canonical.addedQuery + [.init(name: "X-Amz-Signature", value: signature)]
        return PresignedURL(url: url, canonicalRequest: canonical, stringToSign: stringToSign, signature: signature)
    }
}
