import Foundation

/// The result of header signing: the headers to add, and the intermediate
/// values (for logs and tests).
package struct HeaderSignature: Sendable, Hashable {
    /// Headers to add to the request, replacing any of the same name:
    /// `X-Amz-Security-Token` (with a session token), `X-Amz-Date`,
    /// `x-amz-content-sha256` (S3) and last `Authorization`.
    package let headers: [SigningRequest.Header]
    package let canonicalRequest: CanonicalRequest
    package let stringToSign: String
    package let signature: String

    /// The `Authorization` header's value.
    package var authorization: String {
        headers.last(where: { $0.name == "Authorization" })?.value ?? ""
    }
}

extension AWSSigner {
    /// Signs `request` with the `Authorization` header (SigV4 steps 1–4, then
    /// "Add the signature to the request").
    ///
    /// - Parameters:
    ///   - request: the request as it will be sent.
    ///   - date: the signing time; the signer's clock when `nil`.
    /// - Returns: the headers to add, in order, and the intermediate values.
    /// - Throws: ``SigningError`` when a header cannot be signed.
    package func signHeaders(_ request: SigningRequest, date: Date? = nil) throws(SigningError) -> HeaderSignature {
        let time = signingTime(date)
        let canonical = try canonicalRequest(for: request, mode: .headers, time: time)
        let stringToSign = stringToSign(canonicalRequest: canonical.text, time: time)
        let signature = signature(stringToSign: stringToSign, time: time)
        let authorization = "\(Self.algorithm) Credential=\(credential(time)), "
            + "SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        return HeaderSignature(
            headers: canonical.addedHeaders + [.init("Authorization", authorization)],
            canonicalRequest: canonical, stringToSign: stringToSign, signature: signature
        )
    }
}
