/// How requests name the bucket (CONTRACTS.md `--s3-addressing-style`).
package enum S3AddressingStyle: String, Sendable, CaseIterable {
    /// Path style for IP-address or `localhost` endpoints and for bucket names
    /// that cannot be a DNS label (dots, uppercase, underscores); virtual-hosted otherwise.
    case auto
    case path
    case virtual
}

/// Where S3 requests go: the region's endpoint or an override
/// (`--endpoint-url`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`).
package struct S3Endpoint: Sendable, Equatable {
    package var scheme: String
    package var host: String
    package var port: Int?
    /// A path prefix of the endpoint URL, without a trailing slash (usually empty).
    package var basePath: String
    package var style: S3AddressingStyle

    /// The AWS endpoint of `region`.
    package init(region: String, style: S3AddressingStyle = .auto) {
        scheme = "https"
        host = "s3.\(region).amazonaws.com"
        port = nil
        basePath = ""
        self.style = style
    }

    /// - Throws: `S3Error` `invalidURI` when the URL is not http(s)://host[:port][/path].
    package init(url: String, style: S3AddressingStyle = .auto) throws(S3Error) {
        let parsed = try EndpointURL(url)
        scheme = parsed.scheme
        host = parsed.host
        port = parsed.port
        basePath = parsed.path
        self.style = style
    }

    /// Whether `bucket` goes in the path for this endpoint.
    package func usesPathStyle(for bucket: String) -> Bool {
        switch style {
        case .path: return true
        case .virtual: return false
        case .auto:
            let location = S3URI(bucket: bucket, key: "")
            return host == "localhost" || isIPAddress(host) || !location.isDNSCompatible
        }
    }

    /// The request URL of `key` in `bucket`, with `query` already encoded
    /// (`list-type=2&prefix=…`), and the Host header value it implies.
    package func url(bucket: String, key: String, query: String = "") -> (url: String, host: String) {
        let authority = port.map { "\(host):\($0)" } ?? host
        let encodedKey = S3Endpoint.encodePath(key)
        let path: String
        let hostHeader: String
        if usesPathStyle(for: bucket) {
            path = "\(basePath)/\(S3Endpoint.encodePath(bucket))/\(encodedKey)"
            hostHeader = authority
        } else {
            path = "\(basePath)/\(encodedKey)"
            hostHeader = "\(bucket).\(authority)"
        }
        let url = "\(scheme)://\(hostHeader)\(path)" + (query.isEmpty ? "" : "?\(query)")
        return (url, hostHeader)
    }

    /// Percent-encodes an S3 key for the request path, once: every byte except
    /// RFC 3986 unreserved characters and `/` (SigV4's S3 rule: not normalised,
    /// not encoded twice; `//` stays `//`).
    package static func encodePath(_ key: String) -> String {
        percentEncode(key, keeping: "/")
    }

    /// Percent-encodes a query value (everything but unreserved characters).
    package static func encodeQuery(_ value: String) -> String {
        percentEncode(value, keeping: "")
    }

    private static func percentEncode(_ text: String, keeping extra: String) -> String {
        let keep = Set(extra.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "a") ... UInt8(ascii: "z"),
                 UInt8(ascii: "0") ... UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(byte)
            default:
                if keep.contains(byte) {
                    out.append(byte)
                } else {
                    out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// `scheme://host[:port][/path]`, strictly: endpoints come from configuration.
struct EndpointURL {
    var scheme: String
    var host: String
    var port: Int?
    var path: String

    init(_ text: String) throws(S3Error) {
        guard let separator = text.firstRange(of: "://") else {
            throw S3Error(.invalidURI, "endpoint \(text): expected http:// or https://")
        }
        scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            throw S3Error(.invalidURI, "endpoint \(text): only http and https are supported")
        }
        var rest = text[separator.upperBound...]
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<query] }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        var trimmedPath = String(rest[slash...])
        while trimmedPath.hasSuffix("/") { trimmedPath.removeLast() }
        path = trimmedPath
        if authority.contains("@") {
            throw S3Error(.invalidURI, "endpoint must not carry credentials in its URL")
        }
        port = nil
        if authority.hasPrefix("[") {
            // IPv6 literal: [::1]:8333
            guard let end = authority.firstIndex(of: "]") else { throw S3Error(.invalidURI, "endpoint \(text): bad IPv6 address") }
            let after = authority[authority.index(after: end)...]
            if after.hasPrefix(":") {
                guard let number = Int(after.dropFirst()), (1 ... 65535).contains(number) else {
                    throw S3Error(.invalidURI, "endpoint \(text): bad port")
                }
                port = number
            }
            authority = authority[...end]
        } else if let colon = authority.lastIndex(of: ":") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1 ... 65535).contains(number) else {
                throw S3Error(.invalidURI, "endpoint \(text): bad port")
            }
            port = number
            authority = authority[..<colon]
        }
        guard !authority.isEmpty else { throw S3Error(.invalidURI, "endpoint \(text): no host") }
        host = authority.lowercased()
    }
}
