import AWSCredentials
import AWSSigning
import Foundation
import HTTPTransport
import Locking

/// S3 over our libcurl transport: signed requests, region redirects, errors.
package final class S3Client: Sendable {
    package let http: HTTPClient
    package let credentials: CachedCredentials
    /// The region requests are signed for until a bucket says otherwise.
    package let region: String
    /// `--endpoint-url` / `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`; `nil` for AWS.
    package let endpointOverride: S3Endpoint?
    package let addressing: S3AddressingStyle
    package let timeouts: HTTPTimeouts
    /// Regions learned from redirects, by bucket.
    private let bucketRegions = Lock<[String: String]>([:])

    package init(http: HTTPClient, credentials: CachedCredentials, region: String, endpointOverride: S3Endpoint?,
                 addressing: S3AddressingStyle = .auto, timeouts: HTTPTimeouts = HTTPTimeouts()) {
        self.http = http
        self.credentials = credentials
        self.region = region
        self.endpointOverride = endpointOverride
        self.addressing = addressing
        self.timeouts = timeouts
    }

    /// The region requests for `bucket` are signed for.
    package func region(of bucket: String) -> String {
        bucketRegions.withLock { $0[bucket] } ?? region
    }

    func endpoint(for bucket: String) -> S3Endpoint {
        if var endpoint = endpointOverride {
            endpoint.style = addressing
            return endpoint
        }
        return S3Endpoint(region: region(of: bucket), style: addressing)
    }

    /// A signed request for `key` in `bucket` (`query` already encoded);
    /// `body` is sent as is, its hash signed as `payload` says.
    func signedRequest(method: String, bucket: String, key: String, query: String = "",
                       headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
                       payload: SigningRequest.Payload = .empty) async throws(S3Error) -> HTTPRequest {
        let (url, _) = endpoint(for: bucket).url(bucket: bucket, key: key, query: query)
        let credentials: Credentials
        do {
            credentials = try await self.credentials.credentials()
        } catch {
            throw S3Error(.accessDenied, "no credentials for s3://\(bucket): \(error.message)", code: error.kind.rawValue)
        }
        let signer = AWSSigner(credentials: credentials, region: region(of: bucket), service: "s3")
        do {
            let request = try SigningRequest(method: method, url: url,
                                             headers: headers.map { SigningRequest.Header($0.name, $0.value) },
                                             payload: payload)
            let signature = try signer.signHeaders(request)
            return HTTPRequest(method: method, url: url,
                               headers: headers + signature.headers.map { (name: $0.name, value: $0.value) }, body: body)
        } catch {
            throw S3Error(.invalidURI, "cannot sign a request for s3://\(bucket)/\(key): \(error.message)")
        }
    }

    /// A presigned GET URL for `uri` (`UNSIGNED-PAYLOAD`, as S3 expects).
    package func presign(_ uri: S3URI, expires: Int) async throws(S3Error) -> String {
        let (url, _) = endpoint(for: uri.bucket).url(bucket: uri.bucket, key: uri.key)
        let credentials: Credentials
        do {
            credentials = try await self.credentials.credentials()
        } catch {
            throw S3Error(.accessDenied, "no credentials to presign \(uri): \(error.message)", code: error.kind.rawValue)
        }
        let signer = AWSSigner(credentials: credentials, region: region(of: uri.bucket), service: "s3")
        do {
            let request = try SigningRequest(method: "GET", url: url)
            return try signer.presign(request, expires: expires).url.description
        } catch {
            throw S3Error(.invalidURI, "cannot presign \(uri): \(error.message)")
        }
    }

    /// Learns the bucket's region from a redirect or a region error, when the
    /// response names one: `x-amz-bucket-region`, or `<Region>` in the body.
    /// - Returns: whether the request should be signed again for the new region.
    func learnRegion(bucket: String, head: HTTPResponseHead, body: [UInt8]) -> Bool {
        guard [301, 307, 400].contains(head.status) else { return false }
        let named = head.value(forHeader: "x-amz-bucket-region") ?? XMLFields(body).first("Region")
        guard let named, !named.isEmpty, named != region(of: bucket) else { return false }
        bucketRegions.withLock { $0[bucket] = named }
        return true
    }
}

/// Collects a small response body (errors, listings) in memory.
final class MemorySink: HTTPBodySink, @unchecked Sendable {
    /// Touched only on the transport thread during the transfer, read after it.
    private(set) var bytes: [UInt8] = []
    let limit: Int

    init(limit: Int = 8 << 20) {
        self.limit = limit
    }

    func receive(_ chunk: UnsafeRawBufferPointer) throws {
        guard bytes.count + chunk.count <= limit else {
            throw S3Error(.service, "response body larger than \(limit) bytes")
        }
        bytes.append(contentsOf: chunk)
    }
}

extension S3Error {
    /// A transport failure in S3's words.
    init(transport error: TransportError, what: String) {
        switch error.kind {
        case .cancelled: self.init(.transport, "\(what): cancelled")
        case .truncated: self.init(.truncated, "\(what): \(error.message)")
        default: self.init(.transport, "\(what): \(error.message)", code: error.kind.rawValue)
        }
    }
}
