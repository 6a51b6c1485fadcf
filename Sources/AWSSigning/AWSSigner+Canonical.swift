/// How the signature travels with the request.
package enum SigningMode: Sendable, Hashable {
    /// In the `Authorization` header, with `X-Amz-Date` as a header.
    case headers
    /// In the query string (a presigned URL) valid for `expires` seconds.
    case query(expires: Int)
}

/// Step 1's result: the canonical request and what signing adds to the
/// request to make it match.
package struct CanonicalRequest: Sendable, Hashable, CustomStringConvertible {
    /// The canonical request text, exactly as hashed.
    package let text: String
    /// `host;x-amz-date;…`, the `SignedHeaders` value.
    package let signedHeaders: String
    /// The last line: the payload hash or `UNSIGNED-PAYLOAD`.
    package let payloadHash: String
    /// Header mode: headers to add before `Authorization`, in order.
    package let addedHeaders: [SigningRequest.Header]
    /// Query mode: parameters to append before `X-Amz-Signature`, in order.
    package let addedQuery: [SigningURL.QueryItem]

    package var description: String { text }
}

extension AWSSigner {
    /// SigV4 step 1, "Create a canonical request":
    ///
    /// ```
    /// HTTPMethod \n CanonicalURI \n CanonicalQueryString \n
    /// CanonicalHeaders \n SignedHeaders \n HashedPayload
    /// ```
    ///
    /// In header mode the signer's own headers (`X-Amz-Date`, the session token,
    /// `x-amz-content-sha256` for S3) are part of it; in query mode the
    /// `X-Amz-*` parameters are, and only the request's own headers are signed.
    ///
    /// - Throws: ``SigningError`` for an expiry outside 1…604800 seconds or a
    ///   header that cannot be signed.
    package func canonicalRequest(
        for request: SigningRequest, mode: SigningMode, time: SigningTime
    ) throws(SigningError) -> CanonicalRequest {
        try Self.validate(request.headers)
        var headers = request.headers
        var query = request.url.query
        var signedQuery: [SigningURL.QueryItem] = []
        var addedHeaders: [SigningRequest.Header] = []
        var addedQuery: [SigningURL.QueryItem] = []
        let payloadHash: String

        switch mode {
        case .headers:
            payloadHash = request.payload.hash
            var replaced: Set<String> = ["x-amz-date"]
            if let token = credentials.sessionToken {
                addedHeaders.append(.init("X-Amz-Security-Token", token))
                replaced.insert("x-amz-security-token")
            }
            addedHeaders.append(.init("X-Amz-Date", time.amzDate))
            if rules.addsContentSHA256Header {
                addedHeaders.append(.init("x-amz-content-sha256", payloadHash))
                replaced.insert("x-amz-content-sha256")
            }
            headers.removeAll { replaced.contains($0.name.lowercased()) }
            headers += addedHeaders.filter {
                rules.signsSessionToken || $0.name.lowercased() != "x-amz-security-token"
            }
        case .query(let expires):
            guard 1...Self.maximumExpiry ~= expires else {
                throw SigningError(.invalidExpiration, "X-Amz-Expires must be 1…\(Self.maximumExpiry) seconds, not \(expires)")
            }
            payloadHash = rules.presignsUnsignedPayload ? SigningRequest.Payload.unsignedPayload : request.payload.hash
            let signed = Self.signedHeaderNames(Self.withHost(headers, url: request.url))
            addedQuery = [
                .encoding(name: "X-Amz-Algorithm", value: Self.algorithm),
                .encoding(name: "X-Amz-Credential", value: credential(time)),
                .encoding(name: "X-Amz-Date", value: time.amzDate),
                .encoding(name: "X-Amz-SignedHeaders", value: signed),
                .encoding(name: "X-Amz-Expires", value: String(expires)),
            ]
            if let token = credentials.sessionToken {
                addedQuery.append(.encoding(name: "X-Amz-Security-Token", value: token))
            }
            let replaced = Set(addedQuery.map(\.name) + ["X-Amz-Signature"])
            query.removeAll { replaced.contains(String(decoding: PercentEncoding.decode($0.name[...]), as: UTF8.self)) }
            signedQuery = addedQuery.filter { rules.signsSessionToken || $0.name != "X-Amz-Security-Token" }
        }

        let canonicalHeaders = Self.canonicalHeaders(Self.withHost(headers, url: request.url))
        let text = [
            request.method,
            canonicalURI(request.url.path),
            Self.canonicalQuery(query + signedQuery),
            canonicalHeaders.block,
            canonicalHeaders.signed,
            payloadHash,
        ].joined(separator: "\n")
        return CanonicalRequest(
            text: text, signedHeaders: canonicalHeaders.signed, payloadHash: payloadHash,
            addedHeaders: addedHeaders, addedQuery: addedQuery
        )
    }
}
