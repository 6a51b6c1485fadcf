@testable import AWSCredentials
import HTTPTransport
@testable import S3

/// libFuzzer target: the XML the AWS clients decode (`XMLFields`): S3 error
/// documents and ListObjectsV2 pages, STS AssumeRole answers, and the header
/// values decoded next to them (`Content-Range`, an expiration time).
@_cdecl("LLVMFuzzerTestOneInput")
func awsXMLOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let xml = XMLFields(bytes)
    // ListObjectsV2, as S3Client.listObjects reads it.
    for fields in xml.groups("Contents", fields: ["Key", "ETag", "Size", "LastModified", "VersionId"]) {
        _ = fields["Size"].flatMap(UInt64.init)
    }
    _ = xml.first("IsTruncated") == "true" ? xml.first("NextContinuationToken") : nil
    // STS, as STSClient reads it.
    _ = (xml.first("AccessKeyId"), xml.first("SecretAccessKey"), xml.first("SessionToken"))
    _ = parseExpiration(xml.first("Expiration"))
    // An S3 error answer.
    let error = S3Error.fromResponse(status: 400 + size % 200, body: bytes, requestID: "fuzz", what: "GetObject s3://b/k")
    _ = error.description
    let text = String(decoding: bytes, as: UTF8.self)
    _ = parseContentRange(text)
    _ = try? S3URI(parsing: text)
    return 0
}
