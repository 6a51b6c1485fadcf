import AWSCredentials
import AWSSigning
import HTTPTransport

/// One multipart upload in progress (ListMultipartUploads).
package struct S3PendingUpload: Sendable, Equatable {
    package var key: String
    package var uploadID: String
}

/// The multipart API of S3: create, upload parts, complete, abort, list.
extension S3Client {
    /// CreateMultipartUpload.
    /// - Returns: the upload id.
    package func createMultipartUpload(_ uri: S3URI, contentType: String? = nil, retry: RetryDecision) async throws(S3Error) -> String {
        let headers: [(name: String, value: String)] = contentType.map { [(name: "Content-Type", value: $0)] } ?? []
        let (_, body) = try await send(what: "CreateMultipartUpload \(uri)", bucket: uri.bucket, retry: retry) { () async throws(S3Error) -> HTTPRequest in
            try await self.signedRequest(method: "POST", bucket: uri.bucket, key: uri.key, query: "uploads=", headers: headers, body: [])
        }
        guard let id = XMLFields(body).first("UploadId"), !id.isEmpty else {
            throw S3Error(.service, "CreateMultipartUpload \(uri): the answer has no UploadId")
        }
        return id
    }

    /// UploadPart: `number` counts from 1; every part but the last must be at least 5 MiB.
    /// - Returns: the part's ETag, which CompleteMultipartUpload names.
    package func uploadPart(_ uri: S3URI, uploadID: String, number: Int, body: [UInt8], signing: PayloadSigning = .signed,
                            retry: RetryDecision) async throws(S3Error) -> String {
        let payload = payload(body, bucket: uri.bucket, signing: signing)
        let query = "partNumber=\(number)&uploadId=\(S3Endpoint.encodeQuery(uploadID))"
        let what = "UploadPart \(number) of \(uri)"
        let head = try await send(what: what, bucket: uri.bucket, retry: retry) { () async throws(S3Error) -> HTTPRequest in
            try await self.signedRequest(method: "PUT", bucket: uri.bucket, key: uri.key, query: query, body: body, payload: payload)
        }.head
        guard let etag = head.value(forHeader: "ETag") else { throw S3Error(.service, "\(what): the answer has no ETag") }
        return etag
    }

    /// CompleteMultipartUpload with the parts in order.
    /// - Returns: the object's ETag (`"…-N"` for N parts).
    package func completeMultipartUpload(_ uri: S3URI, uploadID: String, parts: [(number: Int, etag: String)],
                                         retry: RetryDecision) async throws(S3Error) -> String? {
        var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts {
            xml += "<Part><PartNumber>\(part.number)</PartNumber><ETag>\(Self.escapeXML(part.etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let body = Array(xml.utf8)
        let query = "uploadId=\(S3Endpoint.encodeQuery(uploadID))"
        let what = "CompleteMultipartUpload \(uri)"
        let (_, answer) = try await send(what: what, bucket: uri.bucket, retry: retry) { () async throws(S3Error) -> HTTPRequest in
            try await self.signedRequest(method: "POST", bucket: uri.bucket, key: uri.key, query: query,
                                         headers: [(name: "Content-Type", value: "application/xml")], body: body,
                                         payload: .bytes(body))
        }
        // S3 may answer 200 and then report a failure in the body.
        let fields = XMLFields(answer)
        if let code = fields.first("Code"), fields.first("ETag") == nil {
            throw S3Error(.server, "\(what): \(code): \(fields.first("Message") ?? "the upload was not completed")", code: code)
        }
        return fields.first("ETag")
    }

    /// AbortMultipartUpload: S3 drops the parts uploaded so far. An upload
    /// that is gone already (`NoSuchUpload`, 404) counts as aborted.
    package func abortMultipartUpload(_ uri: S3URI, uploadID: String, retry: RetryDecision) async throws(S3Error) {
        let query = "uploadId=\(S3Endpoint.encodeQuery(uploadID))"
        do throws(S3Error) {
            _ = try await send(what: "AbortMultipartUpload \(uri)", bucket: uri.bucket, retry: retry) { () async throws(S3Error) -> HTTPRequest in
                try await self.signedRequest(method: "DELETE", bucket: uri.bucket, key: uri.key, query: query)
            }
        } catch where error.kind == .notFound {
            return
        }
    }

    /// ListMultipartUploads under `prefix` (the first 1,000).
    package func listMultipartUploads(bucket: String, prefix: String, retry: RetryDecision) async throws(S3Error) -> [S3PendingUpload] {
        let query = "prefix=\(S3Endpoint.encodeQuery(prefix))&uploads="
        let (_, body) = try await send(what: "ListMultipartUploads s3://\(bucket)/\(prefix)", bucket: bucket, retry: retry) { () async throws(S3Error) -> HTTPRequest in
            try await self.signedRequest(method: "GET", bucket: bucket, key: "", query: query)
        }
        return XMLFields(body).groups("Upload", fields: ["Key", "UploadId"]).compactMap { fields in
            guard let key = fields["Key"], let id = fields["UploadId"] else { return nil }
            return S3PendingUpload(key: key, uploadID: id)
        }
    }

    static func escapeXML(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
