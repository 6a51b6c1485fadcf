import Collector
import Crypto
import Foundation
import HTTPTransport
import S3
import Testing

/// `fetch` and `presign` against the local S3 (SeaweedFS, signatures checked
/// for real), started by `scripts/test`. Without it these tests fail.
@Suite("fetch and presign on the local S3", .serialized)
struct FetchTests {
    static let environment = ProcessInfo.processInfo.environment

    /// The stack's settings, or a failure naming what is missing.
    static func stack() throws -> [String: String] {
        let names = ["EC_S3_ENDPOINT", "EC_S3_ACCESS_KEY", "EC_S3_SECRET_KEY", "EC_S3_BUCKET", "EC_S3_REGION"]
        let values = names.compactMap { name in environment[name].map { (name, $0) } }
        guard values.count == names.count else {
            throw StackMissing(description: "the local S3 is not running (EC_S3_* unset): run the tests with scripts/test")
        }
        return Dictionary(uniqueKeysWithValues: values)
    }

    struct StackMissing: Error, CustomStringConvertible {
        var description: String
    }

    /// Environment for the binary: the stack's keys as the standard variables.
    static func clientEnvironment(secret: String? = nil) throws -> [String: String] {
        let stack = try stack()
        var environment = Self.environment
        environment["AWS_ACCESS_KEY_ID"] = stack["EC_S3_ACCESS_KEY"]
        environment["AWS_SECRET_ACCESS_KEY"] = secret ?? stack["EC_S3_SECRET_KEY"]
        environment["AWS_ENDPOINT_URL_S3"] = stack["EC_S3_ENDPOINT"]
        environment["AWS_REGION"] = stack["EC_S3_REGION"]
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        return environment
    }

    static func fixture(_ arguments: [String]) throws -> [String: Any] {
        let script = CommandLineTests.repositoryRoot.appendingPathComponent("scripts/testing/s3_fixture.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        process.environment = Self.environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw StackMissing(description: "s3_fixture.py \(arguments.joined(separator: " ")) failed")
        }
        return object
    }

    static func fetch(_ source: String, to path: String, environment: [String: String], extra: [String] = []) throws -> CommandLineTests.Run {
        try CommandLineTests.run(["fetch", source, "-o", path, "--json", "--log-level", "warning"] + extra, environment: environment)
    }

    static func sha256(_ path: String) throws -> String {
        SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: path))).map { String(format: "%02x", $0) }.joined()
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ec-fetch-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("odd keys, empty objects: signed fetch gives the bytes and their SHA-256", arguments: [
        "fetch tests/session one.zip", "fetch-tests/é—unicode/ß.zip", "a+b=c~d%25e.zip", "deep/x//y.zip", "empty.zip",
    ])
    func signedFetch(_ key: String) throws {
        let stack = try Self.stack()
        let size = key == "empty.zip" ? 0 : 300_000
        let put = try Self.fixture(["put", key, String(size), "11"])
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("out.zip").path
        let result = try Self.fetch("s3://\(stack["EC_S3_BUCKET"]!)/\(key)", to: target, environment: try Self.clientEnvironment())
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(report["bytes"] as? Int == size)
        #expect(report["sha256"] as? String == (try Self.sha256(target)))
        #expect(report["etag"] as? String == put["etag"] as? String)
        #expect(report["attempts"] as? Int == 1)
        // boto3 stores a CRC32 with the upload; S3 returns it with x-amz-checksum-mode.
        #expect(report["checksum"] as? String == "CRC32", "\(report)")
        #expect(!FileManager.default.fileExists(atPath: target + ".part"))
    }

    @Test("a 100 MB object, signed and through a presigned URL, MD5 of the ETag verified")
    func largeObject() throws {
        let stack = try Self.stack()
        _ = try Self.fixture(["put", "big/object.zip", String(100_000_000), "5"])
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let signed = try Self.fetch("s3://\(stack["EC_S3_BUCKET"]!)/big/object.zip", to: folder.appendingPathComponent("a").path,
                                    environment: try Self.clientEnvironment())
        #expect(signed.status == 0, "\(signed.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(signed.stdout.utf8)) as? [String: Any])
        #expect(report["bytes"] as? Int == 100_000_000)
        // One end-to-end check: S3's full-object checksum when it sends one, else the ETag's MD5.
        #expect(report["checksum"] as? String == "CRC32" || report["md5Verified"] as? Bool == true, "\(report)")

        // Our own presign, then fetch through the URL with no credentials at all.
        let presigned = try CommandLineTests.run(["presign", "s3://\(stack["EC_S3_BUCKET"]!)/big/object.zip", "--expires", "300"],
                                                 environment: try Self.clientEnvironment())
        #expect(presigned.status == 0, "\(presigned.stderr)")
        let url = presigned.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(url.contains("X-Amz-Signature="))
        var anonymous = Self.environment
        anonymous["AWS_EC2_METADATA_DISABLED"] = "true"
        let viaURL = try Self.fetch(url, to: folder.appendingPathComponent("b").path, environment: anonymous)
        #expect(viaURL.status == 0, "\(viaURL.stderr)")
        let second = try #require(try JSONSerialization.jsonObject(with: Data(viaURL.stdout.utf8)) as? [String: Any])
        #expect(second["sha256"] as? String == report["sha256"] as? String)
        #expect((second["source"] as? String)?.contains("X-Amz-Signature=REDACTED") == true, "the URL is redacted in the report")
        #expect(!(viaURL.stdout + viaURL.stderr).contains(url.components(separatedBy: "X-Amz-Signature=").last ?? "-"))
    }

    @Test("a transfer cut halfway resumes from the .part with Range and If-Match")
    func resume() throws {
        let stack = try Self.stack()
        let put = try Self.fixture(["put", "resume/object.zip", String(8_000_000), "9"])
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let reference = folder.appendingPathComponent("reference").path
        let source = "s3://\(stack["EC_S3_BUCKET"]!)/resume/object.zip"
        #expect(try Self.fetch(source, to: reference, environment: try Self.clientEnvironment()).status == 0)

        // What an interrupted run leaves: half the bytes and the ETag they belong to.
        let target = folder.appendingPathComponent("object.zip").path
        let whole = try Data(contentsOf: URL(fileURLWithPath: reference))
        try whole.prefix(4_000_000).write(to: URL(fileURLWithPath: target + ".part"))
        try Data((put["etag"] as! String).utf8).write(to: URL(fileURLWithPath: target + ".part.etag"))
        let resumed = try Self.fetch(source, to: target, environment: try Self.clientEnvironment())
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        #expect(report["resumedBytes"] as? Int == 4_000_000)
        #expect(report["sha256"] as? String == (try Self.sha256(reference)))
        #expect(try Self.sha256(target) == (try Self.sha256(reference)))

        // A .part of an object replaced since: If-Match fails (412), the download restarts cleanly.
        try whole.prefix(4_000_000).write(to: URL(fileURLWithPath: target + ".part"))
        try Data("\"0123456789abcdef0123456789abcdef\"".utf8).write(to: URL(fileURLWithPath: target + ".part.etag"))
        try FileManager.default.removeItem(atPath: target)
        let restarted = try Self.fetch(source, to: target, environment: try Self.clientEnvironment())
        #expect(restarted.status == 0, "\(restarted.stderr)")
        let second = try #require(try JSONSerialization.jsonObject(with: Data(restarted.stdout.utf8)) as? [String: Any])
        #expect(second["resumedBytes"] as? Int == 0)
        #expect(try Self.sha256(target) == (try Self.sha256(reference)))

        // A .part that already holds every byte (killed before the rename): S3
        // answers 416 to the range; the download starts again and completes.
        try whole.write(to: URL(fileURLWithPath: target + ".part"))
        try Data((put["etag"] as! String).utf8).write(to: URL(fileURLWithPath: target + ".part.etag"))
        try FileManager.default.removeItem(atPath: target)
        let complete = try Self.fetch(source, to: target, environment: try Self.clientEnvironment())
        #expect(complete.status == 0, "\(complete.stderr)")
        #expect(try Self.sha256(target) == (try Self.sha256(reference)))
        #expect(!FileManager.default.fileExists(atPath: target + ".part"))
    }

    @Test("a wrong secret: exit 3, one clear line, no secret in it")
    func wrongSecret() throws {
        let stack = try Self.stack()
        _ = try Self.fixture(["put", "secret/object.zip", "1000", "1"])
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let wrong = "wrongSecretKeyForTests0123456789abcdefXYZ"
        let result = try Self.fetch("s3://\(stack["EC_S3_BUCKET"]!)/secret/object.zip", to: folder.appendingPathComponent("x").path,
                                    environment: try Self.clientEnvironment(secret: wrong))
        #expect(result.status == 3)
        #expect(result.stderr.contains("SignatureDoesNotMatch"), "\(result.stderr)")
        #expect(!result.stderr.contains(wrong) && !result.stdout.contains(wrong))
        #expect(!result.stderr.contains(stack["EC_S3_SECRET_KEY"]!))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("a missing object: exit 1 and NoSuchKey")
    func missingObject() throws {
        let stack = try Self.stack()
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try Self.fetch("s3://\(stack["EC_S3_BUCKET"]!)/no/such/key.zip", to: folder.appendingPathComponent("x").path,
                                    environment: try Self.clientEnvironment())
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stderr.contains("no such object"))
    }

    @Test("an expired presigned URL: a clear error, exit 3")
    func expiredPresignedURL() throws {
        let stack = try Self.stack()
        _ = try Self.fixture(["put", "expiring/object.zip", "1000", "2"])
        let presigned = try CommandLineTests.run(["presign", "s3://\(stack["EC_S3_BUCKET"]!)/expiring/object.zip", "--expires", "1"],
                                                 environment: try Self.clientEnvironment())
        #expect(presigned.status == 0)
        Thread.sleep(forTimeInterval: 2.5)
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = presigned.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let result = try Self.fetch(url, to: folder.appendingPathComponent("x").path, environment: Self.environment)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("has expired"), "\(result.stderr)")
        let signature = try #require(url.components(separatedBy: "X-Amz-Signature=").last)
        #expect(!result.stderr.contains(signature), "no signature in the message")
        #expect(result.stderr.contains("X-Amz-Signature=REDACTED"))
    }

    @Test("HeadObject and ListObjectsV2 (paged) through the S3 client")
    func headAndList() async throws {
        let stack = try Self.stack()
        let bucket = stack["EC_S3_BUCKET"]!
        var keys: [String] = []
        for index in 0 ..< 3 {
            let key = "listing/session-\(index) é.zip"
            _ = try Self.fixture(["put", key, String(1000 + index), String(index)])
            keys.append(key)
        }
        let settings = try AWSSettings.resolve(.init(), environment: try Self.clientEnvironment())
        let client = try makeS3Client(settings)
        defer { client.http.shutdown() }
        let retry = S3Client.retryDecision(policy: RetryPolicy(maxAttempts: 2), quota: RetryQuota())
        let head = try await client.headObject(S3URI(bucket: bucket, key: keys[1]), retry: retry)
        #expect(head.size == 1001)
        #expect(head.etag?.hasPrefix("\"") == true)
        var listed: [String] = []
        for try await object in client.objects(bucket: bucket, prefix: "listing/", retry: retry) {
            listed.append(object.key)
        }
        #expect(listed.sorted() == keys.sorted())
        await #expect(throws: S3Error.self) {
            try await client.headObject(S3URI(bucket: bucket, key: "listing/none.zip"), retry: retry)
        }
    }

    @Test("presign rejects lifetimes beyond seven days")
    func presignBounds() throws {
        let result = try CommandLineTests.run(["presign", "s3://bucket/key", "--expires", "604801"], environment: try Self.clientEnvironment())
        #expect(result.status == 2)
    }
}
