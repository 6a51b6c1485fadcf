import Crypto
import Foundation
import OrderedJSON
import Testing
@testable import Collector

/// `output.dir` / `--output` / `merge -o` as `s3://bucket/prefix/` on
/// SeaweedFS (which checks every signature), read back with boto3
/// (`scripts/testing/s3_prefix.py`) and compared with local output.
@Suite("output to S3 (end to end on the local stack)", .serialized)
struct S3OutputTests {
    static func bucket() throws -> String {
        try #require(try FetchTests.stack()["EC_S3_BUCKET"])
    }

    /// Runs `s3_prefix.py` with the stack's EC_S3_* variables.
    static func prefixTool(_ arguments: [String]) throws -> JSONValue {
        let result = try CommandLineTests.run(["python3", PipelineStack.script("s3_prefix.py")] + arguments,
                                              executable: "/usr/bin/env", environment: ProcessInfo.processInfo.environment)
        guard result.status == 0 else { throw EmulatorError(description: "s3_prefix.py \(arguments): \(result.stderr)") }
        return try JSONParser.parse(Array(result.stdout.utf8))
    }

    /// Every object under `prefix` into `folder`; their ETags by relative path.
    static func download(_ prefix: String, into folder: URL) throws -> [String: String] {
        let answer = try prefixTool(["download", prefix, folder.path])
        var etags: [String: String] = [:]
        for (key, etag) in answer["objects"]?.objectMembers ?? [] { etags[key] = etag.stringValue }
        return etags
    }

    static func pendingUploads(_ prefix: String) throws -> [JSONValue] {
        try prefixTool(["uploads", prefix])["uploads"]?.arrayValue ?? []
    }

    /// An output folder in a form two runs of the same sessions share: session
    /// manifests without times and download facts, request ids taken out;
    /// `generatedAt` and the HTML page's nonce and title time ignored;
    /// archives and extracted files byte for byte.
    static func comparable(_ folder: URL) throws -> [String: String] {
        var result: [String: String] = [:]
        for (path, data) in snapshot(folder) where path != OutputFolder.lockName {
            if path.hasPrefix("sessions/") {
                result[path] = try JSONParser.parse(Array(data)).comparableManifest.withoutRequestIDs.serialized()
            } else if path == "manifest.json" {
                guard case .object(let members) = try JSONParser.parse(Array(data)).withoutRequestIDs else { continue }
                result[path] = JSONValue.object(members.filter { $0.0 != "generatedAt" }).serialized()
            } else if path == "report.html" || path == "summary.md" {
                result[path] = "present" // times and a per-page nonce; the data blocks come from the same manifests
            } else if path.hasSuffix(".csv") || path.hasSuffix(".jsonl") {
                result[path] = String(decoding: data, as: UTF8.self)
                    .replacingOccurrences(of: ", request id [^)]*", with: "", options: .regularExpression)
            } else {
                result[path] = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            }
        }
        return result
    }

    static func summary(_ run: CommandLineTests.Run) throws -> JSONValue {
        try JSONParser.parse(Array(run.stdout.utf8))
    }

    @Test("run to s3:// uploads what a local run writes; the next run reads the manifests from S3 and downloads no archive")
    func runToS3() async throws {
        let stack = try PipelineStack(sessions: 30)
        defer { stack.stop() }
        let bucket = try Self.bucket()
        let prefix = "s3out-\(UUID().uuidString.prefix(8))/"
        let local = stack.folder.appendingPathComponent("local")
        let config = try stack.config(output: local)

        let localRun = try stack.run(["--config", config, "--json"])
        let remoteRun = try stack.run(["--config", config, "--json", "--output", "s3://\(bucket)/\(prefix)"])
        #expect(localRun.status == 1 && remoteRun.status == 1, "\(localRun.stderr)\n\(remoteRun.stderr)")
        let first = try Self.summary(remoteRun)
        #expect(first["collected"] == (try Self.summary(localRun))["collected"])
        #expect((first["collected"]?.intValue ?? 0) > 10)
        #expect(first["outputDir"]?.stringValue == "s3://\(bucket)/\(prefix)")

        let downloaded = stack.folder.appendingPathComponent("downloaded")
        let etags = try Self.download(prefix, into: downloaded)
        let expected = try Self.comparable(local)
        let actual = try Self.comparable(downloaded)
        #expect(Set(actual.keys) == Set(expected.keys))
        for (path, value) in expected where actual[path] != value {
            Issue.record("\(path) differs between the local output and the S3 output")
        }
        #expect(expected.keys.contains("entries.csv") && expected.keys.contains { $0.hasPrefix("archives/") })
        // Incremental: through a proxy that sees every S3 request.
        let proxy = try FaultProxy(upstream: try #require(stack.s3["EC_S3_ENDPOINT"]))
        defer { proxy.stop() }
        var environment = stack.environment
        environment["AWS_ENDPOINT_URL_S3"] = proxy.url
        let again = try CommandLineTests.run(["run", "--no-progress", "--config", config, "--json", "--output", "s3://\(bucket)/\(prefix)"],
                                             environment: environment)
        #expect(again.status == 1, "\(again.stderr)")
        let second = try Self.summary(again)
        #expect(second["collected"]?.intValue == 0)
        #expect(second["unchanged"] == first["collected"])
        // Only the sessions that failed are fetched (and uploaded) again, as with a local folder.
        let firstFolder = try Self.comparable(downloaded)
        let retried = Set(try #require(stack.expected["sessions"]?.objectMembers).map(\.0).filter { id in
            firstFolder["sessions/\(id).json"].map { !$0.contains(#""status":"collected""#) && !$0.contains(#""status": "collected""#) } ?? false
        })
        let requests = try await proxy.requests()
        func sessionOf(_ request: JSONValue) -> String {
            (request["path"]?.stringValue ?? "").split(separator: "/").last.map { String($0.dropLast(4)) } ?? ""
        }
        let archiveGets = requests.filter { $0["method"]?.stringValue == "GET" && ($0["path"]?.stringValue ?? "").hasSuffix(".zip") }
        #expect(archiveGets.allSatisfy { retried.contains(sessionOf($0)) }, "an unchanged archive was downloaded again")
        #expect(archiveGets.count < (first["failed"]?.intValue ?? 0) + 1)
        let manifestGets = requests.filter { $0["method"]?.stringValue == "GET" && ($0["path"]?.stringValue ?? "").contains("/\(prefix)sessions/") }
        #expect(manifestGets.count == expected.keys.filter { $0.hasPrefix("sessions/") }.count, "the session manifests are read from S3")
        let archivePuts = requests.filter { $0["method"]?.stringValue == "PUT" && ($0["path"]?.stringValue ?? "").contains("/archives/") }
        #expect(archivePuts.allSatisfy { retried.contains(sessionOf($0)) }, "an unchanged archive was uploaded again")
        // Collected sessions' manifests were not rewritten: same ETags.
        let after = try Self.download(prefix, into: stack.folder.appendingPathComponent("downloaded-2"))
        for (id, session) in try #require(stack.expected["sessions"]?.objectMembers) where session["expect"]?.stringValue == "collected" {
            #expect(after["sessions/\(id).json"] == etags["sessions/\(id).json"], "\(id)'s manifest was rewritten")
        }
    }

    @Test("multipart above output.multipartThresholdBytes (ETag ends in -N, bytes intact); a failed part aborts the upload, none left pending")
    func multipart() async throws {
        let stack = try PipelineStack(sessions: 15, groups: 1, seed: 3, archiveMB: 6)
        defer { stack.stop() }
        let bucket = try Self.bucket()
        let threshold = 5 << 20
        let config = try stack.config(output: stack.folder.appendingPathComponent("unused"),
                                      [], download: [("maxAttempts", .int(2))])
        let withThreshold = try Self.setThreshold(config, threshold)

        let prefix = "s3out-mp-\(UUID().uuidString.prefix(8))/"
        let run = try stack.run(["--config", withThreshold, "--json", "--output", "s3://\(bucket)/\(prefix)"])
        #expect(run.status == 0 || run.status == 1, "\(run.stderr)")
        let folder = stack.folder.appendingPathComponent("mp")
        let etags = try Self.download(prefix, into: folder)
        var multipartSeen = 0
        for (id, session) in try #require(stack.expected["sessions"]?.objectMembers) where session["expect"]?.stringValue == "collected" {
            let manifest = try RunTests.manifest(folder, id)
            #expect(manifest["status"]?.stringValue == "collected", "\(id)")
            let bytes = try #require(manifest["source"]?["bytes"]?.intValue)
            let etag = try #require(etags["archives/\(id).zip"], "\(id): no archive uploaded")
            let parts = (bytes + threshold - 1) / threshold
            if bytes > threshold {
                #expect(etag.hasSuffix("-\(parts)\""), "\(id): \(bytes) bytes, ETag \(etag)")
                multipartSeen += 1
            } else {
                #expect(!etag.contains("-"), "\(id): \(etag)")
            }
            let data = try Data(contentsOf: folder.appendingPathComponent("archives/\(id).zip"))
            #expect(data.count == bytes)
            let sha = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            #expect(sha == manifest["archive"]?["archive"]?["sha256"]?.stringValue, "\(id): the uploaded archive is not the one verified")
        }
        #expect(multipartSeen > 0, "no archive was large enough for a multipart upload")
        #expect(try Self.pendingUploads(prefix).isEmpty)

        // The second part of every upload fails (500, on each retry too): each
        // multipart upload is aborted, the session fails at publish.
        let failing = "s3out-abort-\(UUID().uuidString.prefix(8))/"
        let rule = #"[{"method": "PUT", "query": "partNumber=2", "action": "status", "status": 500, "count": -1}]"#
        let proxy = try FaultProxy(upstream: try #require(stack.s3["EC_S3_ENDPOINT"]), rules: rule)
        defer { proxy.stop() }
        var environment = stack.environment
        environment["AWS_ENDPOINT_URL_S3"] = proxy.url
        let broken = try CommandLineTests.run(["run", "--no-progress", "--config", withThreshold, "--json", "--output", "s3://\(bucket)/\(failing)"],
                                              environment: environment)
        #expect(broken.status == 1, "\(broken.stderr)")
        let requests = try await proxy.requests()
        let aborts = requests.filter { $0["method"]?.stringValue == "DELETE" && ($0["path"]?.stringValue ?? "").contains("/archives/") }
        let creates = requests.filter { $0["method"]?.stringValue == "POST" && ($0["path"]?.stringValue ?? "").contains("/archives/") }
        // Every upload that started (failed sessions keep their archives too) was aborted, and S3 said so.
        #expect(aborts.count == creates.count && aborts.count >= multipartSeen, "\(aborts.count) aborts for \(creates.count) uploads")
        #expect(aborts.allSatisfy { $0["status"]?.intValue == 204 })
        #expect(try Self.pendingUploads(failing).isEmpty, "parts left behind")
        let brokenFolder = stack.folder.appendingPathComponent("broken")
        let brokenObjects = try Self.download(failing, into: brokenFolder)
        for (id, session) in try #require(stack.expected["sessions"]?.objectMembers) where session["expect"]?.stringValue == "collected" {
            let manifest = try RunTests.manifest(brokenFolder, id)
            let bytes = manifest["source"]?["bytes"]?.intValue ?? 0
            guard bytes > threshold else { continue }
            #expect(manifest["status"]?.stringValue == "failed", "\(id)")
            #expect(manifest["error"]?["stage"]?.stringValue == "publish", "\(id)")
            #expect(brokenObjects["archives/\(id).zip"] == nil, "\(id)")
            #expect(broken.stderr.contains("session \(id) failed (publish)"), "\(broken.stderr)")
        }
    }

    @Test("merge of 3 shard prefixes in S3 into an S3 prefix equals the merge of the same shards' local folders")
    func mergeS3() throws {
        let stack = try PipelineStack(sessions: 30, seed: 2)
        defer { stack.stop() }
        let bucket = try Self.bucket()
        let base = "s3out-shards-\(UUID().uuidString.prefix(8))/"
        let local = stack.folder.appendingPathComponent("shards")
        let config = try stack.config(output: local)
        for index in 0 ..< 3 {
            let localRun = try stack.run(["--config", config, "--shard", "\(index)/3"])
            let remoteRun = try stack.run(["--config", config, "--shard", "\(index)/3", "--output", "s3://\(bucket)/\(base)"])
            #expect(localRun.status == remoteRun.status, "\(localRun.stderr)\n\(remoteRun.stderr)")
        }
        let merged = stack.folder.appendingPathComponent("merged")
        let localMerge = try CommandLineTests.run(["merge"] + (0 ..< 3).map { local.appendingPathComponent("shard-\($0)-of-3").path }
            + ["-o", merged.path, "--json"], environment: stack.environment)
        #expect(localMerge.status == 0, "\(localMerge.stderr)")
        let target = "s3out-merged-\(UUID().uuidString.prefix(8))/"
        let remoteMerge = try CommandLineTests.run(["merge"] + (0 ..< 3).map { "s3://\(bucket)/\(base)shard-\($0)-of-3/" }
            + ["-o", "s3://\(bucket)/\(target)", "--json"], environment: stack.environment)
        #expect(remoteMerge.status == 0, "\(remoteMerge.stderr)")
        let summary = try JSONParser.parse(Array(remoteMerge.stdout.utf8))
        #expect(summary["output"]?.stringValue == "s3://\(bucket)/\(target)")
        #expect(summary["sessions"] == (try JSONParser.parse(Array(localMerge.stdout.utf8)))["sessions"])
        #expect(summary["complete"] == .bool(true))

        let downloaded = stack.folder.appendingPathComponent("merged-s3")
        _ = try Self.download(target, into: downloaded)
        let expected = try Self.comparable(merged)
        let actual = try Self.comparable(downloaded)
        #expect(Set(actual.keys) == Set(expected.keys))
        for (path, value) in expected where actual[path] != value {
            Issue.record("\(path) differs between the local merge and the S3 merge")
        }

        // A shard prefix that is missing its shard.json is named, as a folder would be.
        let partial = try CommandLineTests.run(["merge", "s3://\(bucket)/\(base)shard-0-of-3/", "s3://\(bucket)/\(base)shard-1-of-3/",
                                                "-o", "s3://\(bucket)/\(target)"], environment: stack.environment)
        #expect(partial.status == 1)
        #expect(partial.stderr.contains("shard 2/3 is not among the inputs"), "\(partial.stderr)")
        #expect(!partial.stderr.contains("export-collector-staging"), "a local stand-in path leaked: \(partial.stderr)")
    }

    /// The config at `path` with `output.multipartThresholdBytes` set.
    static func setThreshold(_ path: String, _ bytes: Int) throws -> String {
        let document = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        guard case .object(var members) = document, let index = members.firstIndex(where: { $0.0 == "output" }),
              case .object(var output) = members[index].1 else { throw EmulatorError(description: "no output in \(path)") }
        output.append(("multipartThresholdBytes", .int(Int64(bytes))))
        members[index].1 = .object(output)
        let changed = path + ".threshold.json"
        try JSONValue.object(members).serialized().write(toFile: changed, atomically: true, encoding: .utf8)
        return changed
    }
}
