import Foundation
import GameLiftStreams
import HTTPTransport
import OrderedJSON
import Testing
@testable import Collector

/// `export-collector list` and the GameLift Streams client against the local
/// emulator, with boto3's paginator on the same emulator as the referee.
@Suite("export-collector list", .serialized)
struct ListTests {
    /// Rate limit out of the way for tests that are not about it.
    static let fast = ["--requests-per-second", "100000"]

    static func list(_ arguments: [String], _ emulator: Emulator, secret: String = Emulator.secretKey) throws -> CommandLineTests.Run {
        try CommandLineTests.run(["list"] + arguments, environment: emulator.environment(secret: secret), timeout: 120)
    }

    static func json(_ text: String) throws -> JSONValue {
        try JSONParser.parse(text)
    }

    @Test("list --json equals boto3's paginator over filters and PaginationConfig values (~1,000 sessions, 3 groups)")
    func matrix() throws {
        let emulator = try Emulator(sessions: 1000, groups: 3)
        defer { emulator.stop() }
        let groups = emulator.streamGroupIDs
        try #require(groups.count == 3)
        let arn = "arn:aws:gameliftstreams:us-west-2:111122223333:streamgroup/\(groups[1])"
        let cases: [[String]] = [
            ["--stream-group", groups[0]],
            ["--stream-group", groups[0], "--export-files-status", "SUCCEEDED"],
            ["--stream-group", groups[1], "--status", "TERMINATED", "--page-size", "7"],
            ["--stream-group", groups[2], "--export-files-status", "FAILED", "--page-size", "3"],
            ["--stream-group", groups[2], "--status", "TERMINATED", "--export-files-status", "SUCCEEDED", "--page-size", "100"],
            ["--stream-group", arn, "--max-items", "10", "--page-size", "4"],
            ["--stream-group", groups[0], "--max-items", "50", "--page-size", "25"],
            ["--stream-group", groups[0], "--max-items", "5000"],
            ["--stream-group", groups[1], "--max-items", "7", "--export-files-status", "PENDING", "--page-size", "5"],
            ["--all"],
            ["--all", "--export-files-status", "SUCCEEDED", "--max-items", "100", "--page-size", "30"],
            ["--all", "--status", "ERROR", "--page-size", "9"],
            ["--stream-group", groups[0], "--stream-group", groups[1], "--stream-group", groups[2], "--export-files-status", "SUCCEEDED"],
        ]
        let expected = try emulator.boto3Listings(cases)
        var sawResumeToken = false
        for (arguments, reference) in zip(cases, expected) {
            let label = arguments.joined(separator: " ")
            #expect(reference.status == 0, "boto3 failed for \(label): \(reference.stderr)")
            let ours = try Self.list(arguments + ["--json"] + Self.fast, emulator)
            #expect(ours.status == 0, "\(label): \(ours.stderr)")
            #expect(ours.stderr.isEmpty, "\(label): \(ours.stderr)")
            let mine = try Self.json(ours.stdout)
            let theirs = try Self.json(reference.stdout)
            #expect(mine == theirs, "list --json differs from boto3 for \(label)")
            #expect((mine["Items"]?.arrayValue?.count ?? 0) == (theirs["Items"]?.arrayValue?.count ?? -1), "\(label)")
            if mine["NextToken"] != nil { sawResumeToken = true }
        }
        #expect(sawResumeToken)
        // The listings really covered the seed: every session of group 0, in order.
        let all = try Self.json(try Self.list(["--stream-group", groups[0], "--json"] + Self.fast, emulator).stdout)
        let seeded = (emulator.seed["sessions"]?.arrayValue ?? []).filter { $0["StreamGroupId"]?.stringValue == groups[0] }
        #expect(all["Items"]?.arrayValue?.compactMap { $0["Arn"]?.stringValue } == seeded.compactMap { $0["Arn"]?.stringValue })
    }

    @Test("--max-items walks resume: chained tokens give the whole listing, and boto3's tokens and ours are interchangeable")
    func resumeChain() throws {
        let emulator = try Emulator(sessions: 300, groups: 2, seedNumber: 7)
        defer { emulator.stop() }
        let group = emulator.streamGroupIDs[0]
        let filter = ["--export-files-status", "SUCCEEDED"]
        let whole = try Self.json(try Self.list(["--stream-group", group, "--json"] + filter + Self.fast, emulator).stdout)
        let wholeItems = try #require(whole["Items"]?.arrayValue)
        try #require(wholeItems.count > 20)
        var collected: [JSONValue] = []
        var token: String?
        var rounds = 0
        repeat {
            var arguments = ["--stream-group", group, "--json", "--max-items", "13", "--page-size", "5"] + filter + Self.fast
            if let token { arguments += ["--starting-token", token] }
            let page = try Self.json(try Self.list(arguments, emulator).stdout)
            collected += page["Items"]?.arrayValue ?? []
            token = page["NextToken"]?.stringValue
            rounds += 1
        } while token != nil && rounds < 100
        #expect(collected == wholeItems)
        #expect(rounds == (wholeItems.count + 12) / 13)

        // boto3 → us and us → boto3: the same next items either way.
        let first = try emulator.boto3Listings([["--stream-group", group, "--max-items", "6", "--page-size", "4"] + filter])[0]
        let boto3Token = try #require(try Self.json(first.stdout)["NextToken"]?.stringValue)
        let oursFromBoto3 = try Self.json(try Self.list(["--stream-group", group, "--json", "--max-items", "6", "--page-size", "4",
                                                         "--starting-token", boto3Token] + filter + Self.fast, emulator).stdout)
        let ourToken = try #require(oursFromBoto3["NextToken"]?.stringValue)
        let boto3FromOurs = try emulator.boto3Listings([["--stream-group", group, "--max-items", "6", "--page-size", "4",
                                                         "--starting-token", ourToken] + filter])[0]
        #expect(oursFromBoto3["Items"]?.arrayValue.map { Array($0) } == Array(wholeItems[6 ..< 12]))
        #expect(try Self.json(boto3FromOurs.stdout)["Items"]?.arrayValue.map { Array($0) } == Array(wholeItems[12 ..< 18]))
    }

    @Test("throttling, a 500 and a dropped connection are retried; the listing still completes whole")
    func faultsAreRetried() async throws {
        let emulator = try Emulator(sessions: 200, groups: 1, seedNumber: 3)
        defer { emulator.stop() }
        let group = emulator.streamGroupIDs[0]
        let clean = try Self.json(try Self.list(["--stream-group", group, "--json", "--page-size", "20"] + Self.fast, emulator).stdout)
        try await emulator.injectFaults("""
            [{"operation": "ListStreamSessions", "fault": "throttle", "count": 3, "after": 1},
             {"operation": "ListStreamSessions", "fault": "error500", "count": 1, "after": 3},
             {"operation": "ListStreamSessions", "fault": "drop", "count": 1, "after": 5}]
            """)
        try await emulator.control("POST", "/_emulator/reset-stats")
        let result = try Self.list(["--stream-group", group, "--json", "--page-size", "20"] + Self.fast, emulator)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.json(result.stdout) == clean)
        let stats = try await emulator.stats()
        #expect(stats["faultsServed"]?.intValue == 5)
    }

    @Test("a listing that keeps failing ends with exit 3 and one clear line; nothing on stdout")
    func persistentFailure() async throws {
        let emulator = try Emulator(sessions: 50, groups: 1, seedNumber: 4)
        defer { emulator.stop() }
        try await emulator.injectFaults(#"[{"operation": "*", "fault": "error500", "count": 100}]"#)
        let result = try Self.list(["--stream-group", emulator.streamGroupIDs[0], "--json", "--max-attempts", "2"] + Self.fast, emulator)
        #expect(result.status == 3)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.stderr.hasPrefix("error: cannot list stream sessions (ListStreamSessions \(emulator.streamGroupIDs[0])): InternalServerException"))
        #expect(result.stderr.contains("2 attempts"))
    }

    @Test("a wrong secret: exit 3, the service's reason, and no secret in the message")
    func wrongSecret() throws {
        let emulator = try Emulator(sessions: 10, groups: 1, seedNumber: 5)
        defer { emulator.stop() }
        let wrong = "wrongSecretKeyValue0123456789abcdefABCDEF"
        let result = try Self.list(["--stream-group", emulator.streamGroupIDs[0]] + Self.fast, emulator, secret: wrong)
        #expect(result.status == 3)
        #expect(result.stderr.contains("InvalidSignatureException"))
        #expect(result.stderr.split(separator: "\n").count == 1)
        #expect(!result.stderr.contains(wrong))
        #expect(!result.stderr.contains(Emulator.secretKey))
    }

    @Test("a missing stream group and a token the service rejects: exit 3 with the service's words")
    func serviceErrors() throws {
        let emulator = try Emulator(sessions: 10, groups: 1, seedNumber: 6)
        defer { emulator.stop() }
        let missing = try Self.list(["--stream-group", "sg-000000000"] + Self.fast, emulator)
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("ResourceNotFoundException"))
        #expect(missing.stderr.contains("HTTP 404"))
        let badToken = try Self.list(["--stream-group", emulator.streamGroupIDs[0], "--starting-token", "v1+/not-a-token="] + Self.fast, emulator)
        #expect(badToken.status == 3)
        #expect(badToken.stderr.contains("ValidationException"))
        #expect(badToken.stdout.isEmpty)
    }

    @Test("bad options: exit 2 with one line, before any request")
    func usageErrors() async throws {
        let emulator = try Emulator(sessions: 5, groups: 1, seedNumber: 8)
        defer { emulator.stop() }
        let group = emulator.streamGroupIDs[0]
        let cases: [[String]] = [
            ["--stream-group", group, "--page-size", "0"],
            ["--stream-group", group, "--page-size", "101"],
            ["--stream-group", group, "--status", "SLEEPING"],
            ["--stream-group", group, "--export-files-status", "DONE"],
            ["--stream-group", group, "--max-items", "0"],
            ["--all", "--stream-group", group],
            [],
            ["--stream-group", group, "--stream-group", group, "--max-items", "3"],
            ["--stream-group", group, "--endpoint-url", "ftp://nowhere"],
        ]
        try await emulator.control("POST", "/_emulator/reset-stats")
        for arguments in cases {
            let result = try Self.list(arguments, emulator)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("error: "), "\(arguments)")
        }
        #expect(try await emulator.stats()["total"]?.intValue == 0)
    }

    @Test("without --json, a table with one row per session and the resume hint")
    func table() throws {
        let emulator = try Emulator(sessions: 40, groups: 1, seedNumber: 9)
        defer { emulator.stop() }
        let result = try Self.list(["--stream-group", emulator.streamGroupIDs[0], "--max-items", "5"] + Self.fast, emulator)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 7)
        #expect(lines.first?.hasPrefix("SESSION") == true)
        #expect(lines.last?.hasPrefix("5 sessions; more with --starting-token ") == true)
    }

    @Test("--all lists every group; GetStreamSession fills in the OutputUri the account listing leaves out")
    func accountListingAndOutputURIs() async throws {
        let emulator = try Emulator(sessions: 120, groups: 3, seedNumber: 10)
        defer { emulator.stop() }
        let listed = try Self.json(try Self.list(["--all", "--json", "--export-files-status", "SUCCEEDED"] + Self.fast, emulator).stdout)
        let items = try #require(listed["Items"]?.arrayValue)
        try #require(!items.isEmpty)
        #expect(items.allSatisfy { $0["ExportFilesMetadata"]?["OutputUri"] == nil })

        let settings = try AWSSettings.resolve(.init(), environment: emulator.environment())
        let client = try makeGameLiftStreamsClient(settings, requestsPerSecond: 50, maxAttempts: 3)
        defer { client.http.shutdown() }
        var sessions: [StreamSession] = []
        for try await session in client.sessions(.account, filters: SessionFilters(exportFilesStatus: "SUCCEEDED")) {
            sessions.append(session)
        }
        let completed = await client.completingExportMetadata(sessions, concurrency: 6)
        let seeded = Dictionary((emulator.seed["sessions"]?.arrayValue ?? []).compactMap { session -> (String, String)? in
            guard let arn = session["Arn"]?.stringValue, let uri = session["ExportFilesMetadata"]?["OutputUri"]?.stringValue else { return nil }
            return (arn, uri)
        }, uniquingKeysWith: { first, _ in first })
        #expect(completed.count == sessions.count)
        for result in completed {
            let session = try result.get()
            #expect(session.exportFiles?.outputURI != nil)
            #expect(session.exportFiles?.outputURI == seeded[session.arn ?? ""])
        }
        let stats = try await emulator.stats()
        #expect(stats["byOperation"]?["GetStreamSession"]?.intValue == sessions.count)
    }

    @Test("the client-side rate limit holds: no second has more requests than the rate plus the burst")
    func rateLimitHolds() async throws {
        let emulator = try Emulator(sessions: 150, groups: 1, seedNumber: 11)
        defer { emulator.stop() }
        try await emulator.control("POST", "/_emulator/reset-stats")
        let rate = 10.0
        let started = Date()
        let result = try Self.list(["--stream-group", emulator.streamGroupIDs[0], "--page-size", "5", "--requests-per-second", "10"], emulator)
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 0)
        let times = try #require(try await emulator.stats()["requestTimes"]?.arrayValue?.compactMap(\.doubleValue)).sorted()
        #expect(times.count == 30)
        // Burst 5, then 10 per second: 30 requests need at least 2.5 s.
        #expect(elapsed >= 2.4)
        var most = 0
        for (index, start) in times.enumerated() {
            most = max(most, times[index...].prefix { $0 < start + 1.0 }.count)
        }
        #expect(Double(most) <= rate + 5 + 1, "\(most) requests within one second")
    }

    @Test("the emulator conforms to botocore: boto3 drives every operation, paginator, error and fault")
    func emulatorConformance() throws {
        let script = CommandLineTests.repositoryRoot.appendingPathComponent("scripts/testing/gamelift_conformance.py").path
        let result = try CommandLineTests.run(["python3", script, "--self-test"], executable: "/usr/bin/env", timeout: 180)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
    }
}
