import Foundation
import Testing
@testable import Collector
@testable import S3

@Suite("S3 pieces")
struct S3UnitTests {
    @Test("s3:// URIs keep keys literally")
    func uris() throws {
        let uri = try S3URI(parsing: "s3://bucket/a b/+=~%25//é.zip")
        #expect(uri.bucket == "bucket")
        #expect(uri.key == "a b/+=~%25//é.zip")
        #expect(try S3URI(parsing: "s3://bucket/prefix/").isPrefix)
        #expect(throws: S3Error.self) { try S3URI(parsing: "s3://a/b") }
        #expect(throws: S3Error.self) { try S3URI(parsing: "https://bucket/key") }
    }

    @Test("addressing: auto picks path style for IPs, localhost and dotted buckets")
    func addressing() throws {
        let local = try S3Endpoint(url: "http://127.0.0.1:8333")
        #expect(local.url(bucket: "b-1", key: "a b+").url == "http://127.0.0.1:8333/b-1/a%20b%2B")
        let aws = S3Endpoint(region: "eu-west-1")
        #expect(aws.url(bucket: "my-bucket", key: "k").url == "https://my-bucket.s3.eu-west-1.amazonaws.com/k")
        #expect(aws.url(bucket: "my.bucket", key: "k").url == "https://s3.eu-west-1.amazonaws.com/my.bucket/k")
        var forced = aws
        forced.style = .path
        #expect(forced.url(bucket: "my-bucket", key: "x//y").url == "https://s3.eu-west-1.amazonaws.com/my-bucket/x//y")
    }

    @Test("S3 error bodies become clear messages with the manifest word", arguments: [
        ("NoSuchKey", 404, S3Error.Kind.notFound),
        ("AccessDenied", 403, .accessDenied),
        ("SignatureDoesNotMatch", 403, .signature),
        ("ExpiredToken", 400, .expired),
        ("RequestTimeTooSkewed", 403, .clockSkew),
        ("SlowDown", 503, .throttled),
    ])
    func errors(_ code: String, _ status: Int, _ kind: S3Error.Kind) {
        let body = Array("<?xml version=\"1.0\"?><Error><Code>\(code)</Code><Message>m &amp; n</Message></Error>".utf8)
        let error = S3Error.fromResponse(status: status, body: body, requestID: "REQ1", what: "GET s3://b/k")
        #expect(error.kind == kind)
        #expect(error.message.hasPrefix("GET s3://b/k: "))
        #expect(error.message.contains(code) && error.message.contains("REQ1"))
    }

    @Test("an expired presigned URL (403 AccessDenied, Request has expired) reads as expired")
    func expiredPresign() {
        let body = Array("<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>".utf8)
        #expect(S3Error.fromResponse(status: 403, body: body, requestID: nil, what: "GET").kind == .expired)
    }

    @Test("checksums match their check values for \"123456789\"")
    func checksums() {
        let input = Array("123456789".utf8)
        func value(_ algorithm: ChecksumAlgorithm) -> String {
            var running = RunningChecksum(algorithm)
            input.withUnsafeBytes { running.update($0) }
            return running.base64()
        }
        func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
        #expect(value(.crc32) == base64([0xCB, 0xF4, 0x39, 0x26]))
        #expect(value(.crc32c) == base64([0xE3, 0x06, 0x92, 0x83]))
        #expect(value(.crc64nvme) == base64([0xAE, 0x8B, 0x14, 0x86, 0x0A, 0x79, 0x98, 0x88]))
        #expect(value(.sha256) == "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=")
    }

    @Test("presigned URLs are redacted everywhere but presign")
    func redaction() {
        let url = "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F2026&X-Amz-Security-Token=tok&X-Amz-Signature=abc123"
        let shown = redactPresignedURL(url)
        #expect(shown.contains("X-Amz-Signature=REDACTED") && shown.contains("X-Amz-Credential=REDACTED") && shown.contains("X-Amz-Security-Token=REDACTED"))
        #expect(!shown.contains("abc123") && !shown.contains("tok&") && !shown.contains("AKID"))
        #expect(shown.contains("X-Amz-Algorithm=AWS4-HMAC-SHA256"))
    }

    @Test("settings resolve as the SDKs do: option, environment, profile, default")
    func settings() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-settings-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("config")
        try "[profile dev]\nregion = ap-south-1\ns3 =\n  addressing_style = path\n".write(to: config, atomically: true, encoding: .utf8)
        let environment = ["AWS_CONFIG_FILE": config.path, "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "HOME": folder.path]
        let fromProfile = try AWSSettings.resolve(.init(profile: "dev"), environment: environment)
        #expect(fromProfile.region == "ap-south-1")
        #expect(fromProfile.addressing == .path)
        let fromEnvironment = try AWSSettings.resolve(.init(profile: "dev"), environment: environment.merging(["AWS_REGION": "eu-north-1"]) { _, new in new })
        #expect(fromEnvironment.region == "eu-north-1")
        let fromOption = try AWSSettings.resolve(.init(region: "us-west-2", profile: "dev"), environment: environment.merging(["AWS_REGION": "eu-north-1"]) { _, new in new })
        #expect(fromOption.region == "us-west-2")
        #expect(try AWSSettings.resolve(.init(), environment: ["AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"]).region == "us-east-1")
    }
}
