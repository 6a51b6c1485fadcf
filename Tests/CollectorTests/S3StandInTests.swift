import Collector
import Foundation
import HTTPTransport
import S3
import Testing

/// A bucket in another region: the client re-signs for the region the answer
/// names (301 + x-amz-bucket-region, or 400 AuthorizationHeaderMalformed with
/// `<Region>`) and remembers it for the bucket.
@Suite("S3 behaviours SeaweedFS cannot show: region redirects, a cut transfer")
struct S3StandInTests {
    final class Server: @unchecked Sendable {
        let process = Process()
        let input = Pipe()
        let port: Int

        init() throws {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", CommandLineTests.repositoryRoot.appendingPathComponent("scripts/testing/s3_standin.py").path]
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            var line = Data()
            while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
                line += byte
            }
            guard let port = Int(String(decoding: line, as: UTF8.self)) else {
                process.terminate()
                throw CocoaError(.fileReadCorruptFile)
            }
            self.port = port
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            if process.isRunning { process.terminate() }
        }
    }

    @Test(arguments: [("moved-bucket", "eu-west-1"), ("malformed-bucket", "ap-south-1")])
    func resignsForTheBucketsRegion(_ bucket: String, _ home: String) async throws {
        let server = try Server()
        defer { server.stop() }
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDREDIRECT", "AWS_SECRET_ACCESS_KEY": "redirect-secret",
                           "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"]
        let settings = try AWSSettings.resolve(.init(region: "us-east-1", endpointURL: "http://127.0.0.1:\(server.port)"), environment: environment)
        let client = try makeS3Client(settings)
        defer { client.http.shutdown() }
        let retry = S3Client.retryDecision(policy: RetryPolicy(maxAttempts: 1), quota: RetryQuota())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-redirect-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        let report = try await client.download(.object(S3URI(bucket: bucket, key: "session.zip")),
                                               to: folder.appendingPathComponent("session.zip").path, retry: retry)
        #expect(report.bytes == 28)
        #expect(report.attempts == 1, "a redirect is not a failed attempt")
        #expect(client.region(of: bucket) == home)
        // Remembered: the next request is signed for the home region at once.
        let head = try await client.headObject(S3URI(bucket: bucket, key: "session.zip"), retry: retry)
        #expect(head.size == 28)
    }

    @Test("a transfer cut halfway is resumed from the bytes received, with Range and If-Match")
    func resumesAfterACut() async throws {
        let server = try Server()
        defer { server.stop() }
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDCUT", "AWS_SECRET_ACCESS_KEY": "cut-secret",
                           "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"]
        let settings = try AWSSettings.resolve(.init(region: "us-east-1", endpointURL: "http://127.0.0.1:\(server.port)"), environment: environment)
        let client = try makeS3Client(settings)
        defer { client.http.shutdown() }
        let retry = S3Client.retryDecision(policy: RetryPolicy(maxAttempts: 3, base: .milliseconds(10)), quota: RetryQuota())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-cut-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("session.zip")
        let report = try await client.download(.object(S3URI(bucket: "cut-bucket", key: "session.zip")), to: target.path, retry: retry)
        #expect(report.attempts == 2)
        #expect(report.resumedBytes == 1_000_000, "the first half was not fetched again")
        let expected = Data((0 ..< 2_000_000).map { UInt8(($0 * 7 + 3) % 251) })
        #expect(try Data(contentsOf: target) == expected)
        #expect(!FileManager.default.fileExists(atPath: target.path + ".part"))
    }
}
