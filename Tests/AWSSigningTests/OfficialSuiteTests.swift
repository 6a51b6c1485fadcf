import AWSSigning
import Foundation
import Testing

/// The official SigV4 test suite (aws-c-auth `tests/aws-signing-test-suite/v4`):
/// every case folder, header and query forms, byte for byte.
@Suite("Official SigV4 test suite")
struct OfficialSuiteTests {
    struct Context: Decodable {
        struct Keys: Decodable {
            var access_key_id: String
            var secret_access_key: String
            var token: String?
        }

        var credentials: Keys
        var expiration_in_seconds: Int
        var normalize: Bool
        var region: String
        var service: String
        var sign_body: Bool
        var timestamp: String
        var omit_session_token: Bool?
    }

    @Test("the corpus holds all 38 cases")
    func complete() throws {
        #expect(try Corpus.officialCaseNames().count == 38)
    }

    @Test("canonical request, string to sign, signature and signed request match", arguments: try Corpus.officialCaseNames())
    func officialCase(_ name: String) throws {
        let context = try JSONDecoder().decode(Context.self, from: Corpus.data("\(name)/context.json"))
        let raw = try RawRequest(Corpus.data("\(name)/request.txt"))
        let date = try #require(ISO8601DateFormatter().date(from: context.timestamp))
        let signer = AWSSigner(
            credentials: Credentials(
                accessKeyID: context.credentials.access_key_id,
                secretAccessKey: context.credentials.secret_access_key,
                sessionToken: context.credentials.token
            ),
            region: context.region,
            service: context.service,
            // The suite's runner: double encoding always on, the rest per case.
            rules: SigningRules(
                normalizesPath: context.normalize,
                encodesPathAgain: true,
                addsContentSHA256Header: context.sign_body,
                presignsUnsignedPayload: false,
                signsSessionToken: !(context.omit_session_token ?? false)
            ),
            clock: { Date(timeIntervalSince1970: 0) }  // never used: each call gives the date
        )
        let request = try raw.signingRequest()

        // Header form.
        let signed = try signer.signHeaders(request, date: date)
        #expect(signed.canonicalRequest.text == (try Corpus.text("\(name)/header-canonical-request.txt")))
        #expect(signed.stringToSign == (try Corpus.text("\(name)/header-string-to-sign.txt")))
        #expect(signed.signature == (try Corpus.text("\(name)/header-signature.txt")).trimmingTrailingWhitespace)
        #expect(raw.rendered(target: raw.target, extraHeaders: signed.headers)
            == (try Corpus.text("\(name)/header-signed-request.txt")))

        // Query (presigned) form.
        let presigned = try signer.presign(request, expires: context.expiration_in_seconds, date: date)
        #expect(presigned.canonicalRequest.text == (try Corpus.text("\(name)/query-canonical-request.txt")))
        #expect(presigned.stringToSign == (try Corpus.text("\(name)/query-string-to-sign.txt")))
        #expect(presigned.signature == (try Corpus.text("\(name)/query-signature.txt")).trimmingTrailingWhitespace)
        #expect(raw.rendered(target: presigned.url.requestTarget, extraHeaders: [])
            == (try Corpus.text("\(name)/query-signed-request.txt")))
    }
}

/// A `request.txt` of the suite: request line, `Name:value` lines (a line that
/// starts with whitespace continues the previous value, obsolete line
/// folding), a blank line and the body. The target is as given to the signer:
/// unencoded, with raw spaces and UTF-8.
struct RawRequest {
    var method: String
    var target: String
    var version: String
    var headers: [SigningRequest.Header]
    var body: [UInt8]

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    init(_ data: Data) throws {
        let bytes = Array(data)
        // The head ends at the first blank line; without one, the whole file is head.
        var headEnd = bytes.count
        var bodyStart = bytes.count
        for index in bytes.indices.dropLast() where bytes[index] == 0x0A && bytes[index + 1] == 0x0A {
            headEnd = index
            bodyStart = index + 2
            break
        }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self)
        var lines = head.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard let requestLine = lines.first,
              let firstSpace = requestLine.firstIndex(of: " "),
              let lastSpace = requestLine.lastIndex(of: " "), firstSpace < lastSpace else {
            throw Malformed(description: "bad request line")
        }
        method = String(requestLine[..<firstSpace])
        target = String(requestLine[requestLine.index(after: firstSpace)..<lastSpace])
        version = String(requestLine[requestLine.index(after: lastSpace)...])
        headers = []
        for line in lines.dropFirst() {
            if line.first == " " || line.first == "\t" {
                guard !headers.isEmpty else { throw Malformed(description: "continuation before any header") }
                headers[headers.count - 1].value += "\n" + line
            } else {
                guard let colon = line.firstIndex(of: ":") else { throw Malformed(description: "bad header line \(line)") }
                headers.append(.init(String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        body = Array(bytes[bodyStart...])
    }

    /// The request for the signer: https, the `Host` header's host, the target's
    /// path and query as given.
    func signingRequest() throws -> SigningRequest {
        guard let host = headers.first(where: { $0.name.lowercased() == "host" })?.value else {
            throw Malformed(description: "no Host header")
        }
        let path: Substring
        var query: [SigningURL.QueryItem] = []
        if let question = target.firstIndex(of: "?") {
            path = target[..<question]
            query = SigningURL.queryItems(target[target.index(after: question)...])
        } else {
            path = target[...]
        }
        let url = SigningURL(scheme: "https", host: host, path: String(path), query: query)
        return SigningRequest(method: method, url: url, headers: headers, payload: .bytes(body))
    }

    /// The request written back in the suite's format, with another target and
    /// the signer's headers after the request's own.
    func rendered(target: String, extraHeaders: [SigningRequest.Header]) -> String {
        var text = "\(method) \(target) \(version)\n"
        for header in headers + extraHeaders {
            text += "\(header.name):\(header.value)\n"
        }
        return text + "\n" + String(decoding: body, as: UTF8.self)
    }
}

extension String {
    var trimmingTrailingWhitespace: String {
        var copy = self
        while let last = copy.last, last.isWhitespace { copy.removeLast() }
        return copy
    }
}
