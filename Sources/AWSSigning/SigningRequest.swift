import Crypto

/// The request the signer takes: method, URL, headers and payload.
///
/// Headers keep their order and may repeat (SigV4 joins repeated names with
/// commas, in order). Values are kept as given; the signer trims them for the
/// canonical request only.
package struct SigningRequest: Sendable, Hashable {
    /// One header field, as given.
    package struct Header: Sendable, Hashable, CustomStringConvertible {
        package var name: String
        package var value: String

        package init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }

        package var description: String { "\(name): \(value)" }
    }

    /// What the last line of the canonical request says about the body.
    package enum Payload: Sendable, Hashable {
        /// No body: the SHA-256 of the empty string.
        case empty
        /// The body bytes; the signer hashes them.
        case bytes([UInt8])
        /// The lower-case hex SHA-256 of a body hashed elsewhere (streamed from disk).
        case sha256(String)
        /// The body is not signed: the literal `UNSIGNED-PAYLOAD` (S3 only).
        case unsigned

        /// The SHA-256 of the empty string.
        package static let emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        /// The payload hash S3 accepts for a body that is not signed.
        package static let unsignedPayload = "UNSIGNED-PAYLOAD"

        /// The `HashedPayload` line of the canonical request.
        package var hash: String {
            switch self {
            case .empty: Self.emptySHA256
            case .bytes(let bytes): Hex.encode(SHA256.hash(data: bytes))
            case .sha256(let hex): hex.lowercased()
            case .unsigned: Self.unsignedPayload
            }
        }
    }

    package var method: String
    package var url: SigningURL
    package var headers: [Header]
    package var payload: Payload

    package init(method: String, url: SigningURL, headers: [Header] = [], payload: Payload = .empty) {
        self.method = method
        self.url = url
        self.headers = headers
        self.payload = payload
    }

    /// Parses `url` with ``SigningURL/init(parsing:)``.
    /// - Throws: ``SigningError`` when the URL cannot be taken apart.
    package init(method: String, url: String, headers: [Header] = [], payload: Payload = .empty) throws(SigningError) {
        self.init(method: method, url: try SigningURL(parsing: url), headers: headers, payload: payload)
    }
}

/// Lower-case hexadecimal, as every SigV4 digest and signature is written.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
