import HTTPTransport

/// The bytes a ranged GetObject asks for.
package enum S3ByteRange: Sendable, Equatable, CustomStringConvertible {
    /// The last `n` bytes (`bytes=-n`); the whole object when it is shorter.
    case suffix(UInt64)
    /// Exactly these bytes (`bytes=first-last`); never empty.
    case span(Range<UInt64>)

    /// The `Range` header's value.
    package var header: String {
        switch self {
        case .suffix(let count): "bytes=-\(count)"
        case .span(let range): "bytes=\(range.lowerBound)-\(range.upperBound - 1)"
        }
    }

    package var description: String { header }

    /// The most bytes the answer may carry.
    var maximumLength: UInt64 {
        switch self {
        case .suffix(let count): count
        case .span(let range): UInt64(range.count)
        }
    }
}

/// What a ranged GetObject returned.
package struct S3RangeRead: Sendable {
    /// Where `bytes` start in the object.
    package var offset: UInt64
    package var bytes: [UInt8]
    /// The whole object's size (`Content-Range`'s total, or the length of a `200`).
    package var objectSize: UInt64
    package var etag: String?
}

extension S3Client {
    /// GetObject of a byte range, held in memory (at most the range's length).
    ///
    /// `206` is checked against what was asked (`Content-Range` start, end and
    /// total, body length). A `200` is the whole object, which S3 sends when a
    /// suffix is longer than the object. A `416` to a suffix (an empty object;
    /// RFC 9110 14.1.3) is answered with a plain GET bounded by the same length.
    /// - Parameter etag: sent as `If-Match`, so a later range is of the same
    ///   object as the first; a replaced object fails with kind `changed` (412).
    package func getRange(_ uri: S3URI, _ range: S3ByteRange, ifMatch etag: String? = nil,
                          retry: RetryDecision) async throws(S3Error) -> S3RangeRead {
        if case .span(let span) = range, span.isEmpty {
            throw S3Error(.invalidURI, "GET \(uri): empty byte range requested")
        }
        do throws(S3Error) {
            return try await rangedGet(uri, range: range, etag: etag, retry: retry)
        } catch {
            guard error.status == 416, range.isSuffix else { throw error }
            return try await rangedGet(uri, range: nil, limit: range.maximumLength, etag: etag, retry: retry)
        }
    }

    private func rangedGet(_ uri: S3URI, range: S3ByteRange?, limit: UInt64? = nil, etag: String?,
                           retry: RetryDecision) async throws(S3Error) -> S3RangeRead {
        var headers: [(name: String, value: String)] = []
        if let range { headers.append((name: "Range", value: range.header)) }
        if let etag { headers.append((name: "If-Match", value: etag)) }
        let what = range.map { "GET \(uri) (\($0.header))" } ?? "GET \(uri)"
        let maximum = range?.maximumLength ?? limit ?? 0
        // A server that ignores Range answers with the whole object: the bound stops it early.
        let (head, body) = try await send(what: what, bucket: uri.bucket, retry: retry,
                                          bodyLimit: Int(clamping: max(maximum, 1))) { () async throws(S3Error) -> HTTPRequest in
            try await self.signedRequest(method: "GET", bucket: uri.bucket, key: uri.key, headers: headers)
        }
        let returnedETag = head.value(forHeader: "ETag")
        if let etag, let returnedETag, returnedETag != etag {
            throw S3Error(.changed, "\(what): the object changed between range requests (ETag \(returnedETag), expected \(etag))")
        }
        if let declared = head.contentLength, declared != body.count {
            throw S3Error(.truncated, "\(what): received \(body.count) of \(declared) bytes")
        }
        switch head.status {
        case 206:
            guard let value = head.value(forHeader: "Content-Range"), let parsed = parseContentRange(value),
                  let total = parsed.total, parsed.start <= parsed.end, parsed.end < total,
                  parsed.end - parsed.start + 1 == UInt64(body.count) else {
                throw S3Error(.service, "\(what): partial response without a usable Content-Range")
            }
            let expected: Range<UInt64>
            switch range {
            case .suffix(let count): expected = total - min(count, total) ..< total
            case .span(let span): expected = span.lowerBound ..< min(span.upperBound, total)
            case nil: expected = 0 ..< total
            }
            guard parsed.start == expected.lowerBound, parsed.end + 1 == expected.upperBound else {
                throw S3Error(.service, "\(what): the server sent bytes \(parsed.start)-\(parsed.end)/\(total), not the range asked for")
            }
            return S3RangeRead(offset: parsed.start, bytes: body, objectSize: total, etag: returnedETag)
        default:
            // 200: the whole object. A span is cut out of it (a server that ignores Range).
            let total = UInt64(body.count)
            if case .span(let span) = range {
                guard span.upperBound <= total else {
                    throw S3Error(.truncated, "\(what): the object has only \(total) bytes")
                }
                return S3RangeRead(offset: span.lowerBound, bytes: Array(body[Int(span.lowerBound) ..< Int(span.upperBound)]),
                                   objectSize: total, etag: returnedETag)
            }
            return S3RangeRead(offset: 0, bytes: body, objectSize: total, etag: returnedETag)
        }
    }
}

extension S3ByteRange {
    var isSuffix: Bool {
        if case .suffix = self { return true }
        return false
    }
}
