import AWSCredentials
import AWSSigning
import Crypto
import HTTPTransport

/// How the body of a PUT is covered by the signature.
package enum PayloadSigning: Sendable, Equatable {
    /// The SHA-256 of the body is signed (`x-amz-content-sha256`): S3 rejects
    /// a body changed on the way. Needed over plain HTTP.
    case signed
    /// `UNSIGNED-PAYLOAD` when the endpoint is `https` (TLS protects the
    /// body, and hashing every uploaded byte costs CPU); signed otherwise.
    case unsignedOverTLS
}

extension S3Client {
    /// The payload line for `body` sent to `bucket`.
    func payload(_ body: [UInt8], bucket: String, signing: PayloadSigning) -> SigningRequest.Payload {
        if signing == .unsignedOverTLS, endpoint(for: bucket).url(bucket: bucket, key: "").url.hasPrefix("https://") {
            return .unsigned
        }
        return .sha256(lowerHex(SHA256.hash(data: body)))
    }

    /// PutObject of a body held in memory.
    /// - Returns: the new object's ETag as S3 sent it.
    package func putObject(_ uri: S3URI, body: [UInt8], contentType: String? = nil, signing: PayloadSigning = .signed,
                           retry: RetryDecision) async throws(S3Error) -> String? {
        let payload = payload(body, bucket: uri.bucket, signing: signing)
        let headers: [(name: String, value: String)] = contentType.map { [(name: "Content-Type", value: $0)] } ?? []
        let head = try await send(what: "PUT \(uri)", bucket: uri.bucket, retry: retry) { () async throws(S3Error) -> HTTPRequest in
            try await self.signedRequest(method: "PUT", bucket: uri.bucket, key: uri.key, headers: headers, body: body, payload: payload)
        }.head
        return head.value(forHeader: "ETag")
    }

    /// DeleteObject; a key that is not there is not an error (S3 answers 204 either way).
    package func deleteObject(_ uri: S3URI, retry: RetryDecision) async throws(S3Error) {
        _ = try await send(what: "DELETE \(uri)", bucket: uri.bucket, retry: retry) { () async throws(S3Error) -> HTTPRequest in
            try await self.signedRequest(method: "DELETE", bucket: uri.bucket, key: uri.key)
        }
    }

    /// GetObject of a small object (a manifest) into memory.
    /// - Throws: `S3Error` `.notFound` when there is no such key; `.service`
    ///   when the object is larger than `limit`.
    package func getObjectBytes(_ uri: S3URI, limit: Int = 64 << 20, retry: RetryDecision) async throws(S3Error) -> [UInt8] {
        try await send(what: "GET \(uri)", bucket: uri.bucket, retry: retry, bodyLimit: limit) { () async throws(S3Error) -> HTTPRequest in
            try await self.signedRequest(method: "GET", bucket: uri.bucket, key: uri.key)
        }.body
    }
}

/// Lower-case hexadecimal, as SigV4 writes a payload hash.
func lowerHex(_ digest: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    for byte in digest {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
}
