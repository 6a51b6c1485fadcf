/// The percent-encoding SigV4 uses (RFC 3986 section 2), written out here so
/// that no Foundation URL quirk (which characters `addingPercentEncoding`
/// leaves alone, how `URLComponents` treats `+` or `;`) leaks into a signature.
///
/// SigV4, "Create a canonical request": every byte except the unreserved
/// characters `A-Z a-z 0-9 - . _ ~` is written as `%XY` with upper-case hex.
package enum PercentEncoding {
    /// Whether `byte` is an RFC 3986 unreserved character.
    package static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Encodes every byte that is not unreserved; with `keepingSlash`, `/` stays
    /// literal too (the path form).
    package static func encode(_ bytes: some Sequence<UInt8>, keepingSlash: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 3)
        for byte in bytes {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Encodes the UTF-8 bytes of `string`.
    package static func encode(_ string: String, keepingSlash: Bool = false) -> String {
        encode(string.utf8, keepingSlash: keepingSlash)
    }

    /// Decodes `%XY` escapes into bytes. A `%` not followed by two hex digits is
    /// kept as a literal `%`; `+` is kept as `+` (it is not a space in SigV4).
    package static func decode(_ string: Substring) -> [UInt8] {
        let bytes = Array(string.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%"), index + 2 < bytes.count,
               let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(byte)
                index += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
