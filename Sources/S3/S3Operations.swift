import AWSCredentials
import HTTPTransport

/// What HeadObject and listings say about an object.
package struct S3ObjectInfo: Sendable, Equatable {
    package var key: String
    package var etag: String?
    package var size: UInt64?
    package var lastModified: String?
    package var versionID: String?
}

/// One page of ListObjectsV2.
package struct S3ListPage: Sendable {
    package var objects: [S3ObjectInfo]
    /// Present while more pages follow.
    package var nextContinuationToken: String?
}

extension S3Client {
    /// HeadObject: the object's ETag, size and version without its body.
    package func headObject(_ uri: S3URI, retry: RetryDecision) async throws(S3Error) -> S3ObjectInfo {
        let what = "HEAD \(uri)"
        let head = try await send(what: what, bucket: uri.bucket, retry: retry) { () async throws(S3Error) -> HTTPRequest in
            try await self.signedRequest(method: "HEAD", bucket: uri.bucket, key: uri.key)
        }.head
        return S3ObjectInfo(key: uri.key, etag: head.value(forHeader: "ETag"), size: head.contentLength.map(UInt64.init),
                            lastModified: head.value(forHeader: "Last-Modified"), versionID: head.value(forHeader: "x-amz-version-id"))
    }

    /// One page of ListObjectsV2 under `prefix`.
    package func listObjects(bucket: String, prefix: String, continuationToken: String? = nil,
                             retry: RetryDecision) async throws(S3Error) -> S3ListPage {
        var query = "list-type=2&prefix=\(S3Endpoint.encodeQuery(prefix))"
        if let continuationToken { query = "continuation-token=\(S3Endpoint.encodeQuery(continuationToken))&" + query }
        let what = "ListObjectsV2 s3://\(bucket)/\(prefix)"
        let (_, body) = try await send(what: what, bucket: bucket, retry: retry) { () async throws(S3Error) -> HTTPRequest in
            try await self.signedRequest(method: "GET", bucket: bucket, key: "", query: query)
        }
        let xml = XMLFields(body)
        let objects = xml.groups("Contents", fields: ["Key", "ETag", "Size", "LastModified", "VersionId"]).compactMap { fields -> S3ObjectInfo? in
            guard let key = fields["Key"] else { return nil }
            return S3ObjectInfo(key: key, etag: fields["ETag"], size: fields["Size"].flatMap(UInt64.init),
                                lastModified: fields["LastModified"], versionID: fields["VersionId"])
        }
        let truncated = xml.first("IsTruncated") == "true"
        let token = truncated ? xml.first("NextContinuationToken") : nil
        return S3ListPage(objects: objects, nextContinuationToken: token)
    }

    /// Every object under `prefix`, pages fetched as they are consumed; stops
    /// on a missing token and on a token equal to the previous one.
    package func objects(bucket: String, prefix: String, retry: @escaping RetryDecision) -> S3ObjectSequence {
        S3ObjectSequence(client: self, bucket: bucket, prefix: prefix, retry: retry)
    }

    /// Sends a request with a small body (at most `bodyLimit` bytes when it
    /// succeeds; an error document may take up to 1 MiB whatever the limit),
    /// re-signing every attempt, following a region redirect once, refreshing
    /// credentials the service calls expired once, and turning error responses
    /// into `S3Error`.
    func send(what: String, bucket: String, retry: RetryDecision, bodyLimit: Int = 8 << 20,
              request: () async throws(S3Error) -> HTTPRequest) async throws(S3Error) -> (head: HTTPResponseHead, body: [UInt8]) {
        var attempt = 0
        var redirected = false
        var refreshedCredentials = false
        while true {
            attempt += 1
            do throws(S3Error) {
                let sink = MemorySink(limit: bodyLimit)
                let errorSink = MemorySink(limit: max(bodyLimit, 1 << 20))
                let signed = try await request()
                let head: HTTPResponseHead
                do {
                    head = try await http.execute(signed, timeouts: timeouts) { head in
                        (200 ..< 300).contains(head.status) ? sink : errorSink
                    }
                } catch {
                    throw S3Error(transport: error, what: what)
                }
                guard (200 ..< 300).contains(head.status) else {
                    if !redirected, learnRegion(bucket: bucket, head: head, body: errorSink.bytes) {
                        redirected = true
                        attempt -= 1
                        continue
                    }
                    throw S3Error.fromResponse(status: head.status, body: errorSink.bytes,
                                               requestID: head.value(forHeader: "x-amz-request-id"), what: what)
                }
                return (head, sink.bytes)
            } catch {
                if error.isExpiredCredentials, !refreshedCredentials {
                    // Signed again with what the provider gives now; not a failure.
                    refreshedCredentials = true
                    await credentials.invalidate()
                    attempt -= 1
                    continue
                }
                guard await retry(error, attempt) else { throw error }
            }
        }
    }
}

/// ListObjectsV2 as an `AsyncSequence` of objects.
package struct S3ObjectSequence: AsyncSequence, Sendable {
    package typealias Element = S3ObjectInfo
    let client: S3Client
    let bucket: String
    let prefix: String
    let retry: RetryDecision

    package struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: S3ObjectSequence
        var buffer: [S3ObjectInfo] = []
        var token: String?
        var finished = false

        package mutating func next() async throws(S3Error) -> S3ObjectInfo? {
            while buffer.isEmpty {
                guard !finished else { return nil }
                let previous = token
                let page = try await sequence.client.listObjects(bucket: sequence.bucket, prefix: sequence.prefix,
                                                                 continuationToken: token, retry: sequence.retry)
                buffer = page.objects.reversed()
                token = page.nextContinuationToken
                if token == nil || token == previous { finished = true }
            }
            return buffer.popLast()
        }

        package mutating func next(isolation actor: isolated (any Actor)?) async throws(S3Error) -> S3ObjectInfo? {
            try await next()
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self)
    }
}
