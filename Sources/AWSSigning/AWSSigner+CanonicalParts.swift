// The parts of the canonical request (SigV4 step 1): URI, query string,
// headers. Each is a pure function of the request and the service rules.

extension AWSSigner {
    /// The canonical URI: the path as sent, normalised and encoded again when
    /// the service's rules say so (never for S3). An empty path is `/`.
    package func canonicalURI(_ path: String) -> String {
        var path = path.isEmpty ? "/" : path
        if rules.normalizesPath { path = Self.normalizedPath(path) }
        if rules.encodesPathAgain { path = PercentEncoding.encode(path.utf8, keepingSlash: true) }
        return path
    }

    /// Removes `.` and `..` segments (RFC 3986 section 5.2.4) and empty
    /// segments; a trailing `/` (or a final dot segment) is kept as `/`.
    static func normalizedPath(_ path: String) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        var kept: [Substring] = []
        for segment in segments {
            switch segment {
            case "", ".": continue
            case "..": _ = kept.popLast()
            default: kept.append(segment)
            }
        }
        var result = "/" + kept.joined(separator: "/")
        let last = segments.last ?? ""
        if !kept.isEmpty, last.isEmpty || last == "." || last == ".." { result += "/" }
        return result
    }

    /// The canonical query string: each name and value decoded from its wire
    /// form and encoded with the strict RFC 3986 rule, sorted by encoded name,
    /// then by encoded value, joined with `&`. An item without a value signs as
    /// `name=`.
    package static func canonicalQuery(_ items: [SigningURL.QueryItem]) -> String {
        items
            .map { item in
                (PercentEncoding.encode(PercentEncoding.decode(item.name[...])),
                 PercentEncoding.encode(PercentEncoding.decode((item.value ?? "")[...])))
            }
            .sorted { lhs, rhs in
                lhs.0 == rhs.0 ? lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
                    : lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8)
            }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// The canonical headers block (`name:value\n` per name, sorted) and the
    /// signed headers list: names lower-cased, repeated names joined with `,` in
    /// order, values trimmed with inner whitespace runs (and obsolete line
    /// folding) collapsed to one space. Unsigned headers are left out.
    package static func canonicalHeaders(_ headers: [SigningRequest.Header]) -> (block: String, signed: String) {
        var values: [String: [String]] = [:]
        for header in headers {
            let name = header.name.lowercased()
            guard !SigningRules.unsignedHeaders.contains(name) else { continue }
            values[name, default: []].append(canonicalValue(header.value))
        }
        let names = values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let block = names.map { "\($0):\(values[$0, default: []].joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    static func signedHeaderNames(_ headers: [SigningRequest.Header]) -> String {
        canonicalHeaders(headers).signed
    }

    /// Trims a value and collapses each inner run of spaces, tabs and line
    /// breaks to a single space.
    static func canonicalValue(_ value: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The headers plus `host` from the URL when the request has no `Host`.
    static func withHost(_ headers: [SigningRequest.Header], url: SigningURL) -> [SigningRequest.Header] {
        if headers.contains(where: { $0.name.lowercased() == "host" }) { return headers }
        return [SigningRequest.Header("host", url.authority)] + headers
    }

    /// Header names must be HTTP tokens; a line break in a value must be
    /// obsolete line folding (followed by a space or tab), never a new header.
    static func validate(_ headers: [SigningRequest.Header]) throws(SigningError) {
        for header in headers {
            guard !header.name.isEmpty, header.name.utf8.allSatisfy(isTokenByte) else {
                throw SigningError(.invalidHeader, "header name \"\(header.name)\" is not an HTTP token")
            }
            let bytes = Array(header.value.utf8)
            for (index, byte) in bytes.enumerated() where byte == 0x0A || byte == 0x0D || byte == 0 {
                let next = index + 1 < bytes.count ? bytes[index + 1] : 0
                let folded = byte == 0x0D ? next == 0x0A : (next == 0x20 || next == 0x09)
                guard folded, byte != 0 else {
                    throw SigningError(.invalidHeader, "header \(header.name) has a line break or NUL in its value")
                }
            }
        }
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
