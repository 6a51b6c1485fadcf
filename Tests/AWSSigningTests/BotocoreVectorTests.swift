import AWSSigning
import Foundation
import Testing

/// The 45 botocore 1.43.11 vectors for S3 and GameLift Streams
/// (`s3-and-gameliftstreams-botocore.json`), signed with each service's
/// default rules.
@Suite("botocore S3 and GameLift Streams vectors")
struct BotocoreVectorTests {
    struct File: Decodable {
        var count: Int
        var vectors: [Vector]
    }

    struct Vector: Decodable, CustomTestStringConvertible, Sendable {
        struct Keys: Decodable, Sendable {
            var access_key_id: String
            var secret_access_key: String
            var session_token: String?
        }

        struct Flags: Decodable, Sendable {
            var normalize_path: Bool
            var double_uri_encode: Bool
            var payload_hash: String
            var add_x_amz_content_sha256_header: Bool
        }

        struct Expected: Decodable, Sendable {
            var canonical_request: String
            var string_to_sign: String
            var signature: String
            var authorization: String?
            var signed_request_headers: [[String]]?
            var presigned_url: String?
        }

        var name: String
        var service: String
        var region: String
        var signing_mode: String
        var method: String
        var url: String
        var headers: [[String]]
        var body: String
        var credentials: Keys
        var amz_date: String
        var expires: Int?
        var flags: Flags
        var expected: Expected

        var testDescription: String { name }
    }

    static func vectors() throws -> [Vector] {
        let file = try JSONDecoder().decode(File.self, from: Corpus.data("s3-and-gameliftstreams-botocore.json"))
        guard file.count == file.vectors.count, !file.vectors.isEmpty else {
            throw Corpus.Missing(path: Corpus.folder.appendingPathComponent("s3-and-gameliftstreams-botocore.json").path)
        }
        return file.vectors
    }

    @Test("the file holds all 45 vectors")
    func complete() throws {
        #expect(try Self.vectors().count == 45)
    }

    @Test("canonical request, string to sign, signature and the signed form match", arguments: try vectors())
    func vector(_ vector: Vector) throws {
        let signer = AWSSigner(
            credentials: Credentials(
                accessKeyID: vector.credentials.access_key_id,
                secretAccessKey: vector.credentials.secret_access_key,
                sessionToken: vector.credentials.session_token
            ),
            region: vector.region,
            service: vector.service,
            clock: { Date(timeIntervalSince1970: 0) }
        )
        // The service's default rules are the ones botocore applied.
        #expect(signer.rules.normalizesPath == vector.flags.normalize_path)
        #expect(signer.rules.encodesPathAgain == vector.flags.double_uri_encode)

        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let date = try #require(formatter.date(from: vector.amz_date))
        #expect(SigningTime(date).amzDate == vector.amz_date)

        let body = SigningRequest.Payload.bytes(Array(vector.body.utf8))
        let headers = vector.headers.map { SigningRequest.Header($0[0], $0[1]) }
        let payload: SigningRequest.Payload = vector.flags.payload_hash == "UNSIGNED-PAYLOAD" && vector.signing_mode == "header"
            ? .unsigned : body
        let request = try SigningRequest(method: vector.method, url: vector.url, headers: headers, payload: payload)
        let expected = vector.expected

        if vector.signing_mode == "header" {
            #expect(signer.rules.addsContentSHA256Header == vector.flags.add_x_amz_content_sha256_header)
            #expect(payload.hash == vector.flags.payload_hash)
            let signed = try signer.signHeaders(request, date: date)
            #expect(signed.canonicalRequest.text == expected.canonical_request)
            #expect(signed.stringToSign == expected.string_to_sign)
            #expect(signed.signature == expected.signature)
            #expect(signed.authorization == expected.authorization)
            // The whole header list after signing. Names compare case-insensitively and
            // fields of different names in any order (RFC 9110 section 5.3): botocore adds
            // X-Amz-Date before the token, aws-c-auth after it; same-name order is kept.
            let expectedHeaders = try #require(expected.signed_request_headers).map { SigningRequest.Header($0[0], $0[1]) }
            #expect(Self.fieldSet(request.headers + signed.headers) == Self.fieldSet(expectedHeaders))
        } else {
            let expires = try #require(vector.expires)
            #expect((signer.rules.presignsUnsignedPayload ? "UNSIGNED-PAYLOAD" : body.hash) == vector.flags.payload_hash)
            let presigned = try signer.presign(request, expires: expires, date: date)
            #expect(presigned.canonicalRequest.text == expected.canonical_request)
            #expect(presigned.stringToSign == expected.string_to_sign)
            #expect(presigned.signature == expected.signature)
            // Same URL up to the `?`, the request's own parameters first and in order,
            // X-Amz-Signature last; botocore puts X-Amz-Expires before
            // X-Amz-SignedHeaders, aws-c-auth after it, which the server ignores.
            let mine = presigned.url.description
            let theirs = try #require(expected.presigned_url)
            #expect(mine.split(separator: "?").first == theirs.split(separator: "?").first)
            let myParameters = mine.split(separator: "?", maxSplits: 1).last?.split(separator: "&") ?? []
            let theirParameters = theirs.split(separator: "?", maxSplits: 1).last?.split(separator: "&") ?? []
            #expect(myParameters.sorted() == theirParameters.sorted())
            #expect(myParameters.last == theirParameters.last)
            let own = request.url.query.count
            #expect(Array(myParameters.prefix(own)) == Array(theirParameters.prefix(own)))
        }
    }

    /// Header fields as `name: value` with lower-case names, grouped by name,
    /// keeping the order of fields that share a name.
    static func fieldSet(_ headers: [SigningRequest.Header]) -> [String] {
        struct Field {
            var name: String
            var value: String
            var offset: Int
        }
        var fields: [Field] = []
        for (offset, header) in headers.enumerated() {
            fields.append(Field(name: header.name.lowercased(), value: header.value, offset: offset))
        }
        fields.sort { lhs, rhs in lhs.name == rhs.name ? lhs.offset < rhs.offset : lhs.name < rhs.name }
        return fields.map { "\($0.name): \($0.value)" }
    }
}
