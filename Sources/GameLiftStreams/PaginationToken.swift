import OrderedJSON

/// boto3's `PaginationConfig`: `MaxItems`, `PageSize`, `StartingToken`.
package struct PaginationConfig: Sendable, Equatable {
    package var maxItems: Int?
    /// `MaxResults` sent with each request (the service's default is 25).
    package var pageSize: Int?
    package var startingToken: String?

    package init(maxItems: Int? = nil, pageSize: Int? = nil, startingToken: String? = nil) {
        self.maxItems = maxItems
        self.pageSize = pageSize
        self.startingToken = startingToken
    }
}

/// The resume token boto3's paginator hands out and accepts, byte for byte:
/// base64 of Python's `json.dumps({"NextToken": …, "boto_truncate_amount": n})`.
/// `NextToken` is the service token of the page to request (`null` for the
/// first page) and `boto_truncate_amount` how many of that page's items were
/// already returned. Tokens from `list --json` and from a boto3 script are
/// interchangeable.
package struct PaginationToken: Sendable, Equatable {
    package var serviceToken: String?
    package var truncateAmount: Int?

    package init(serviceToken: String?, truncateAmount: Int? = nil) {
        self.serviceToken = serviceToken
        self.truncateAmount = truncateAmount
    }

    package var encoded: String {
        var json = "{\"NextToken\": " + (serviceToken.map(Self.pythonJSONString) ?? "null")
        if let truncateAmount { json += ", \"boto_truncate_amount\": \(truncateAmount)" }
        json += "}"
        return Base64.encode(Array(json.utf8))
    }

    /// Reads a token as botocore does: base64 JSON first; else the old
    /// `TOKEN___N` form; else the whole string is taken as the service's own
    /// token (a `NextToken` copied from a raw API response).
    package init(decoding text: String) {
        if let bytes = Base64.decode(text), let document = try? JSONParser.parse(bytes), let members = document.objectMembers,
           members.contains(where: { $0.0 == "NextToken" }) {
            let next = document["NextToken"]
            serviceToken = next?.stringValue.flatMap { $0 == "None" || $0.isEmpty ? nil : $0 }
            truncateAmount = document["boto_truncate_amount"]?.intValue
            return
        }
        let parts = text.split(separator: "___", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2, let amount = Int(parts[1]) {
            serviceToken = parts[0] == "None" ? nil : parts[0]
            truncateAmount = amount
        } else {
            serviceToken = text
            truncateAmount = nil
        }
    }

    /// Python's `json.dumps` of a string: `ensure_ascii`, so every non-ASCII
    /// code unit becomes `\uXXXX` (UTF-16), and `/` stays as it is.
    static func pythonJSONString(_ value: String) -> String {
        var out = "\""
        for unit in value.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x08: out += "\\b"
            case 0x0C: out += "\\f"
            case 0x20 ..< 0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\""
    }
}

/// Standard base64 with padding (RFC 4648 section 4), as Python's `b64encode`.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let b0 = bytes[index]
            let b1 = index + 1 < bytes.count ? bytes[index + 1] : 0
            let b2 = index + 2 < bytes.count ? bytes[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(index + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(index + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Strict decoding: `nil` for anything but whole, padded groups of the alphabet.
    static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard !input.isEmpty, input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            var values: [UInt8] = []
            var padding = 0
            for offset in 0 ..< 4 {
                let byte = input[index + offset]
                if byte == UInt8(ascii: "=") {
                    guard index + 4 == input.count, offset >= 2 else { return nil }
                    padding += 1
                    values.append(0)
                } else {
                    guard padding == 0, let value = value(of: byte) else { return nil }
                    values.append(value)
                }
            }
            out.append(values[0] << 2 | values[1] >> 4)
            if padding < 2 { out.append(values[1] << 4 | values[2] >> 2) }
            if padding < 1 { out.append(values[2] << 6 | values[3]) }
            index += 4
        }
        return out
    }

    private static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A") ... UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a") ... UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0") ... UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
