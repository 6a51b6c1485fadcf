import Foundation
import HTTPTransport
import OrderedJSON
import Testing
@testable import GameLiftStreams

@Suite("GameLift Streams units")
struct GameLiftStreamsUnitTests {
    @Test("timestamps print as ISO 8601 UTC with a fraction only when the value has one")
    func timestamps() throws {
        #expect(APITimestamp(epochSeconds: 0)?.iso8601 == "1970-01-01T00:00:00Z")
        #expect(APITimestamp(epochSeconds: 1_796_000_645)?.iso8601 == "2026-11-30T01:04:05Z")
        #expect(APITimestamp(epochSeconds: 1_796_000_645.5)?.iso8601 == "2026-11-30T01:04:05.5Z")
        #expect(APITimestamp(epochSeconds: 1_796_000_645.123)?.iso8601 == "2026-11-30T01:04:05.123Z")
        #expect(APITimestamp(epochSeconds: 1_796_000_645.000_001)?.iso8601 == "2026-11-30T01:04:05.000001Z")
        #expect(APITimestamp(epochSeconds: 951_782_400)?.iso8601 == "2000-02-29T00:00:00Z")
        #expect(APITimestamp(epochSeconds: -1)?.iso8601 == "1969-12-31T23:59:59Z")
        #expect(APITimestamp(epochSeconds: .nan) == nil)
        // Strings too (forward compatibility): ISO 8601 with an offset, or epoch seconds.
        #expect(APITimestamp(json: .string("2026-11-30T03:04:05.25+02:00"))?.iso8601 == "2026-11-30T01:04:05.25Z")
        #expect(APITimestamp(json: .string("1796000645"))?.iso8601 == "2026-11-30T01:04:05Z")
        #expect(APITimestamp(json: .string("yesterday")) == nil)
        #expect(APITimestamp(json: .bool(true)) == nil)
        // Every day of four centuries round-trips through the civil calendar.
        for day in stride(from: Int64(-146_097), through: 146_097, by: 1) {
            let (year, month, dayOfMonth) = APITimestamp.civil(fromDays: day)
            #expect(APITimestamp.days(year: year, month: month, day: dayOfMonth) == day)
        }
    }

    @Test("ARNs of sessions and groups give the ids")
    func arns() {
        let session = GameLiftStreamsARN(parsing: "arn:aws:gameliftstreams:us-west-2:111122223333:streamsession/sg-1AB2C3De4/ABC123def4567")
        #expect(session?.resourceID == "ABC123def4567")
        #expect(session?.parentID == "sg-1AB2C3De4")
        #expect(session?.region == "us-west-2")
        let group = GameLiftStreamsARN(parsing: "arn:aws-cn:gameliftstreams:cn-north-1:111122223333:streamgroup/sg-1AB2C3De4")
        #expect(group?.resourceID == "sg-1AB2C3De4")
        #expect(group?.parentID == nil)
        #expect(group?.partition == "aws-cn")
        #expect(GameLiftStreamsARN(parsing: "sg-1AB2C3De4") == nil)
        #expect(GameLiftStreamsARN(parsing: "arn:aws:s3:::bucket/key") == nil)
        #expect(GameLiftStreamsARN(parsing: "arn:aws:gameliftstreams:us-west-2:1:streamsession//x") == nil)
        #expect(StreamSession(arn: "arn:aws:gameliftstreams:us-west-2:1:streamsession/sg-1/S1").sessionID == "S1")
    }

    @Test("resume tokens are byte for byte what boto3's TokenEncoder writes")
    func tokensMatchPython() throws {
        let cases: [PaginationToken] = [
            PaginationToken(serviceToken: nil, truncateAmount: 5),
            PaginationToken(serviceToken: "v1+/abc=="),
            PaginationToken(serviceToken: "v1+/abc==", truncateAmount: 0),
            PaginationToken(serviceToken: "quote\" back\\slash\nnew é 😀 /"),
        ]
        let script = """
            import base64, json, sys
            for line in sys.stdin:
                case = json.loads(line)
                token = {"NextToken": case["t"]}
                if case["n"] is not None: token["boto_truncate_amount"] = case["n"]
                print(base64.b64encode(json.dumps(token).encode("utf-8")).decode("utf-8"))
            """
        let input = cases.map { token in
            JSONValue.object([("t", .optional(token.serviceToken)), ("n", token.truncateAmount.map { .int(Int64($0)) } ?? .null)])
                .serialized(pretty: false)
        }.joined(separator: "\n") + "\n"
        let expected = try runPython(script, input: input).split(separator: "\n").map(String.init)
        #expect(expected.count == cases.count)
        for (token, python) in zip(cases, expected) {
            #expect(token.encoded == python)
            #expect(PaginationToken(decoding: python) == token)
        }
    }

    @Test("starting tokens in botocore's older forms, and raw service tokens, are read as botocore reads them")
    func tokenForms() {
        #expect(PaginationToken(decoding: "abc___3") == PaginationToken(serviceToken: "abc", truncateAmount: 3))
        #expect(PaginationToken(decoding: "None___2") == PaginationToken(serviceToken: nil, truncateAmount: 2))
        #expect(PaginationToken(decoding: "v1+/raw=") == PaginationToken(serviceToken: "v1+/raw="))
        #expect(PaginationToken(decoding: "a___b") == PaginationToken(serviceToken: "a___b"))
        // Base64 of JSON without NextToken is not one of boto3's: taken as a raw token.
        let other = Base64.encode(Array("{\"x\": 1}".utf8))
        #expect(PaginationToken(decoding: other) == PaginationToken(serviceToken: other))
        #expect(Base64.decode("YQ=") == nil)
        #expect(Base64.decode("Y===") == nil)
        #expect(Base64.decode("YWJj") == Array("abc".utf8))
        #expect(Base64.decode("YQ==") == Array("a".utf8))
    }

    @Test("error responses are decoded from x-amzn-ErrorType and the body")
    func errorDecoding() {
        func decode(_ status: Int, header: String?, body: String) -> GameLiftStreamsError {
            let head = HTTPResponseHead(status: status, headers: header.map { [("x-amzn-ErrorType", $0), ("x-amzn-RequestId", "req-1")] } ?? [])
            return GameLiftStreamsError.fromResponse(status: status, head: head, body: Array(body.utf8),
                                                     operation: "ListStreamSessions", subject: "sg-1")
        }
        let notFound = decode(404, header: "ResourceNotFoundException:http://internal.amazon.com/coral/", body: #"{"message":"Stream group sg-1 not found"}"#)
        #expect(notFound.kind == .notFound)
        #expect(notFound.code == "ResourceNotFoundException")
        #expect(notFound.description == "GameLift Streams ListStreamSessions (sg-1): ResourceNotFoundException: Stream group sg-1 not found (HTTP 404, request id req-1)")
        let throttled = decode(400, header: nil, body: #"{"__type":"com.amazon.coral#ThrottlingException","Message":"Rate exceeded"}"#)
        #expect(throttled.kind == .throttled)
        #expect(throttled.retryClass == .throttling)
        #expect(throttled.message == "Rate exceeded")
        #expect(decode(403, header: "InvalidSignatureException", body: "{}").kind == .authentication)
        #expect(decode(403, header: "AccessDeniedException", body: "{}").kind == .accessDenied)
        #expect(decode(400, header: "ValidationException", body: #"{"message":"bad"}"#).retryClass == .notRetryable)
        let server = decode(502, header: nil, body: "<html>Bad Gateway</html>")
        #expect(server.kind == .server)
        #expect(server.retryClass == .transient)
        #expect(server.message.contains("not JSON"))
        #expect(decode(418, header: nil, body: "").kind == .service)
        // A throttled answer's Retry-After reaches the retry loop.
        let head = HTTPResponseHead(status: 429, headers: [("x-amzn-ErrorType", "ThrottlingException"), ("Retry-After", "7")])
        let slowDown = GameLiftStreamsError.fromResponse(status: 429, head: head, body: Array("{}".utf8), operation: "x", subject: nil)
        #expect(slowDown.retryAfter == .seconds(7))
        #expect(throttled.retryAfter == nil)
    }

    @Test("the endpoint is the region's unless overridden, and an override must be http(s)://host")
    func endpoints() throws {
        #expect(try GameLiftStreamsClient.endpoint(override: nil, region: "eu-west-1") == "https://gameliftstreams.eu-west-1.api.aws")
        #expect(try GameLiftStreamsClient.endpoint(override: "http://127.0.0.1:9000/", region: "x") == "http://127.0.0.1:9000")
        #expect(try GameLiftStreamsClient.endpoint(override: "https://proxy.example/gls", region: "x") == "https://proxy.example/gls")
        for bad in ["ftp://host", "https://", "127.0.0.1:9000", "https:///path", "https://h?x=1"] {
            #expect(throws: GameLiftStreamsError.self) { try GameLiftStreamsClient.endpoint(override: bad, region: "x") }
        }
        #expect(try GameLiftStreamsClient.pathSegment("arn:aws:gameliftstreams:us-west-2:1:streamgroup/sg-1", operation: "x", what: "y")
            == "arn%3Aaws%3Agameliftstreams%3Aus-west-2%3A1%3Astreamgroup%2Fsg-1")
        #expect(throws: GameLiftStreamsError.self) { try GameLiftStreamsClient.pathSegment("", operation: "x", what: "y") }
    }

    @Test("items keep unknown values, drop unknown members, and print in the model's member order")
    func sessionItems() throws {
        let item = try JSONParser.parse("""
            {"Location":"us-east-1","ExportFilesMetadata":{"OutputUri":"s3://b/k.zip","Status":"SUCCEEDED"},
             "Status":"HIBERNATING","NewField":{"a":1},"CreatedAt":1796000645.25,"Arn":"arn:aws:gameliftstreams:us-west-2:1:streamsession/sg-1/S1"}
            """)
        let session = StreamSession(json: item)
        #expect(session.status == "HIBERNATING")
        #expect(session.exportFiles?.outputURI == "s3://b/k.zip")
        #expect(session.json.serialized(pretty: false)
            == #"{"Arn":"arn:aws:gameliftstreams:us-west-2:1:streamsession/sg-1/S1","Status":"HIBERNATING","CreatedAt":"2026-11-30T01:04:05.25Z","ExportFilesMetadata":{"Status":"SUCCEEDED","OutputUri":"s3://b/k.zip"},"Location":"us-east-1"}"#)
        // Wrong types are dropped, not fatal; a page without Items is empty.
        let odd = StreamSession(json: try JSONParser.parse(#"{"Status":7,"ExportFilesMetadata":"x"}"#))
        #expect(odd.status == nil && odd.exportFiles == nil)
        let page = try GameLiftStreamsClient.page(try JSONParser.parse(#"{"NextToken":""}"#), operation: "x", subject: nil, item: StreamSession.init(json:))
        #expect(page.items.isEmpty && page.nextToken == nil)
        #expect(throws: GameLiftStreamsError.self) {
            try GameLiftStreamsClient.page(try JSONParser.parse(#"{"Items":{}}"#), operation: "x", subject: nil, item: StreamSession.init(json:))
        }
    }

    @Test("the rate limiter paces callers to the rate after the burst, and halves the rate when throttled")
    func rateLimiter() async throws {
        let limiter = RequestRateLimiter(requestsPerSecond: 40, burst: 4)
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0 ..< 24 { group.addTask { try await limiter.acquire() } }
            try await group.waitForAll()
        }
        let elapsed = started.duration(to: clock.now)
        // 4 at once, then 20 more at 40 per second: at least half a second.
        #expect(elapsed >= .milliseconds(480))
        limiter.recordThrottle()
        #expect(limiter.currentRate == 20)
        limiter.recordThrottle()
        #expect(limiter.currentRate == 10)
        for _ in 0 ..< 100 { limiter.recordSuccess() }
        #expect(limiter.currentRate == 40)
        #expect(limiter.throttleCount == 2)
        let unlimited = RequestRateLimiter(requestsPerSecond: .infinity)
        let quick = clock.now
        for _ in 0 ..< 1000 { try await unlimited.acquire() }
        #expect(quick.duration(to: clock.now) < .seconds(1))
    }
}

@Suite("OrderedJSON parser")
struct JSONParserTests {
    @Test("keeps member order and exact integers; round-trips through the writer")
    func roundTrip() throws {
        let text = #"{"b":1,"a":[true,false,null,-0.5,2.5e-1,"x\"\\\/\u00e9\ud83d\ude00"],"n":18446744073709551615,"m":-9223372036854775808}"#
        let value = try JSONParser.parse(text)
        #expect(value.objectMembers?.map(\.0) == ["b", "a", "n", "m"])
        #expect(value["n"] == .uint(18_446_744_073_709_551_615))
        #expect(value["m"] == .int(Int64.min))
        #expect(value["a"]?.arrayValue?[5] == .string("x\"\\/é😀"))
        #expect(try JSONParser.parse(value.serialized(pretty: true)) == value)
    }

    @Test("malformed documents fail with a line and column, never a trap")
    func errors() {
        let bad = ["", "{", "{\"a\" 1}", "[1,]", "{\"a\":1,}", "01", "1.", "-", "\"\\x\"", "\"\\ud800\"", "\"a\nb\"",
                   "tru", "[1] 2", "{\"a\":\"\u{1}\"}", String(repeating: "[", count: 10_000), "1e999", "\u{FEFF}"]
        for text in bad {
            #expect(throws: JSONParseError.self, "\(text.prefix(20))") { try JSONParser.parse(text) }
        }
        do {
            _ = try JSONParser.parse("{\n  \"a\": 1,\n  \"b\": ]\n}")
            Issue.record("accepted")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 8)
        }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
    }
}

/// Runs a Python snippet (the venv's `python3` comes first on PATH in
/// `scripts/test`) and returns its standard output.
func runPython(_ script: String, input: String = "", arguments: [String] = []) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let stdin = Pipe()
    let stdout = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    try process.run()
    stdin.fileHandleForWriting.write(Data(input.utf8))
    try stdin.fileHandleForWriting.close()
    let data = stdout.fileHandleForReading.readDataToEndOfFile()
    let deadline = Date().addingTimeInterval(30)
    while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    #expect(process.terminationStatus == 0, "python3 failed")
    return String(decoding: data, as: UTF8.self)
}
