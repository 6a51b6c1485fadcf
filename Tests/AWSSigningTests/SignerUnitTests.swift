import AWSSigning
import Foundation
import Testing

@Suite("AWSSigner units")
struct SignerUnitTests {
    static let credentials = Credentials(
        accessKeyID: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        sessionToken: "SESSIONTOKENEXAMPLE/+=",
        expiration: Date(timeIntervalSince1970: 1_748_781_296)
    )
    static let date = Date(timeIntervalSince1970: 1_748_781_296)  // 2025-06-01T12:34:56Z

    static func signer(_ service: String, clock: @escaping @Sendable () -> Date = { date }) -> AWSSigner {
        AWSSigner(credentials: credentials, region: "us-west-2", service: service, clock: clock)
    }

    @Test("X-Amz-Expires outside 1…604800 is rejected", arguments: [0, -1, 604_801, Int.max])
    func expiryOutOfRange(_ expires: Int) throws {
        let request = try SigningRequest(method: "GET", url: "https://bucket.s3.us-west-2.amazonaws.com/key")
        #expect(throws: SigningError(.invalidExpiration, "X-Amz-Expires must be 1…604800 seconds, not \(expires)")) {
            try Self.signer("s3").presign(request, expires: expires)
        }
    }

    @Test("X-Amz-Expires of 1 and 604800 are accepted", arguments: [1, 604_800])
    func expiryInRange(_ expires: Int) throws {
        let request = try SigningRequest(method: "GET", url: "https://bucket.s3.us-west-2.amazonaws.com/key")
        let presigned = try Self.signer("s3").presign(request, expires: expires)
        #expect(presigned.url.query.contains(.init(name: "X-Amz-Expires", value: String(expires))))
        #expect(presigned.url.query.last?.name == "X-Amz-Signature")
        #expect(presigned.url.query.contains(.encoding(name: "X-Amz-Security-Token", value: "SESSIONTOKENEXAMPLE/+=")))
        #expect(presigned.canonicalRequest.payloadHash == "UNSIGNED-PAYLOAD")
    }

    @Test("the derived key matches AWS's documented example and is cached per day, region and service")
    func keyCache() async throws {
        // "Examples of how to derive a signing key for Signature Version 4".
        let signer = AWSSigner(
            credentials: Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1", service: "iam"
        )
        let day = SigningTime(Date(timeIntervalSince1970: 1_329_264_000))  // 2012-02-15
        #expect(day.amzDate == "20120215T000000Z")
        #expect(signer.cachedKeyCount == 0)
        let first = signer.signingKey(time: day)
        #expect(first == Self.bytes(hex: "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"))
        #expect(signer.cachedKeyCount == 1)

        // Later the same day, and from many tasks at once: the same key, still one entry.
        let sameDay = SigningTime(Date(timeIntervalSince1970: 1_329_264_000 + 86_399))
        let keys = await withTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<32 { group.addTask { signer.signingKey(time: sameDay) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(keys.allSatisfy { $0 == first })
        #expect(signer.cachedKeyCount == 1)

        // A copy of the signer shares the cache; the next day derives a new key.
        let copy = signer
        let nextDay = copy.signingKey(time: SigningTime(Date(timeIntervalSince1970: 1_329_264_000 + 86_400)))
        #expect(nextDay != first)
        #expect(signer.cachedKeyCount == 2)
    }

    @Test("credentials never print the secret or the session token")
    func credentialsRedacted() {
        let credentials = Self.credentials
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [credentials.description, credentials.debugDescription, String(reflecting: credentials),
                     "\(credentials)", dumped, "\([credentials])"] {
            #expect(text.contains("AKIDEXAMPLE"))
            #expect(!text.contains("wJalrXUtnFEMI"), "secret in \(text)")
            #expect(!text.contains("SESSIONTOKENEXAMPLE"), "token in \(text)")
        }
        #expect(credentials.description.contains("<redacted>"))
        #expect(credentials.isExpired(at: Self.date))
        #expect(!credentials.isExpired(at: Self.date.addingTimeInterval(-600), margin: 300))
    }

    @Test("an ARN in the path: verbatim for S3, encoded twice for gameliftstreams")
    func arnPath() throws {
        let path = "/tags/arn%3Aaws%3Agameliftstreams%3Aus-west-2%3A111122223333%3Aapplication%2Fa-9ZY8X7Wv6"
        #expect(Self.signer("s3").canonicalURI(path) == path)
        #expect(Self.signer("gameliftstreams").canonicalURI(path)
            == "/tags/arn%253Aaws%253Agameliftstreams%253Aus-west-2%253A111122223333%253Aapplication%252Fa-9ZY8X7Wv6")
        // S3 keeps dot segments and double slashes; other services normalise them.
        #expect(Self.signer("s3").canonicalURI("/a/./b/../c//d") == "/a/./b/../c//d")
        #expect(Self.signer("gameliftstreams").canonicalURI("/a/./b/../c//d/") == "/a/c/d/")
        #expect(Self.signer("gameliftstreams").canonicalURI("") == "/")
    }

    @Test("header signing adds the token, the date, the S3 content hash and Authorization, in order")
    func headerSigning() throws {
        let request = try SigningRequest(
            method: "GET", url: "https://bucket.s3.us-west-2.amazonaws.com:443/key?acl",
            headers: [.init("X-Amz-Date", "stale"), .init("User-Agent", "test/1.0")]
        )
        let signed = try Self.signer("s3").signHeaders(request)
        #expect(signed.headers.map(\.name) == ["X-Amz-Security-Token", "X-Amz-Date", "x-amz-content-sha256", "Authorization"])
        #expect(signed.headers[1].value == "20250601T123456Z")
        #expect(signed.canonicalRequest.signedHeaders == "host;x-amz-content-sha256;x-amz-date;x-amz-security-token")
        #expect(signed.canonicalRequest.text.split(separator: "\n")[2] == "acl=")
        #expect(signed.canonicalRequest.text.contains("host:bucket.s3.us-west-2.amazonaws.com\n"))

        let other = try Self.signer("gameliftstreams").signHeaders(request)
        #expect(other.headers.map(\.name) == ["X-Amz-Security-Token", "X-Amz-Date", "Authorization"])
    }

    @Test("canonical query: strict encoding, sorted by encoded name then value")
    func canonicalQuery() {
        let items = SigningURL.queryItems("b=2&a=z&a=y&%E1%88%B4=x&c&d=a+b&e=%7e!*")
        #expect(AWSSigner.canonicalQuery(items) == "%E1%88%B4=x&a=y&a=z&b=2&c=&d=a%2Bb&e=~%21%2A")
    }

    @Test("headers that cannot be signed are errors, not crashes")
    func badHeaders() throws {
        for header in [SigningRequest.Header("Bad Name", "x"), .init("", "x"), .init("X-Test", "a\r\nInjected: yes"),
                       .init("X-Test", "a\nb")] {
            let request = try SigningRequest(method: "GET", url: "https://example.com/", headers: [header])
            #expect(throws: SigningError.self) { try Self.signer("s3").signHeaders(request) }
        }
    }

    @Test("URL parsing keeps the wire form and rejects what it cannot sign")
    func urlParsing() throws {
        let url = try SigningURL(parsing: "HTTPS://Host.example:8443/a%2Fb//c?x=1&y&=z#frag")
        #expect(url.scheme == "https")
        #expect(url.host == "Host.example")
        #expect(url.port == 8443)
        #expect(url.path == "/a%2Fb//c")
        #expect(url.query == [.init(name: "x", value: "1"), .init(name: "y", value: nil), .init(name: "", value: "z")])
        #expect(url.description == "https://Host.example:8443/a%2Fb//c?x=1&y&=z")
        #expect(try SigningURL(parsing: "http://[::1]:80").authority == "[::1]")
        #expect(try SigningURL(parsing: "http://[::1]:80").requestTarget == "/")
        for bad in ["", "example.com/a", "ftp://example.com/", "https://", "https://user@example.com/",
                    "https://example.com:99999/", "https://example.com:/", "https://exa mple.com/", "https://[::1/"] {
            #expect(throws: SigningError.self, "\(bad)") { try SigningURL(parsing: bad) }
        }
    }

    @Test("signing time is the UTC basic ISO 8601 form")
    func signingTime() {
        #expect(SigningTime(Date(timeIntervalSince1970: 1_440_938_160)).amzDate == "20150830T123600Z")
        #expect(SigningTime(Date(timeIntervalSince1970: 1_709_251_199.9)).amzDate == "20240229T235959Z")
        #expect(SigningTime(Date(timeIntervalSince1970: 0)).day == "19700101")
        #expect(SigningTime(Date(timeIntervalSince1970: -1)).amzDate == "19691231T235959Z")
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }
}
