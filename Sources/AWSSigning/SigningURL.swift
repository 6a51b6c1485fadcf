/// An absolute `http`/`https` URL taken apart the way a SigV4 signer needs it.
///
/// The path and the query items are kept exactly as they go on the wire
/// ("as sent"): the signer decides, per service, whether to normalise or
/// encode them again (see ``SigningRules``). No Foundation `URL` is involved,
/// so nothing is silently re-encoded, decoded or dropped on the way.
package struct SigningURL: Sendable, Hashable, CustomStringConvertible {
    /// One `name[=value]` item of the query, as sent.
    package struct QueryItem: Sendable, Hashable {
        /// The name as it appears in the URL (normally percent-encoded).
        package var name: String
        /// The value as it appears in the URL; `nil` for an item without `=`
        /// (`?acl`), which signs like an empty value.
        package var value: String?

        /// An item from its wire form, taken as is.
        package init(name: String, value: String?) {
            self.name = name
            self.value = value
        }

        /// An item from plain text, percent-encoded with the strict SigV4
        /// (RFC 3986 unreserved) rule.
        package static func encoding(name: String, value: String?) -> QueryItem {
            QueryItem(name: PercentEncoding.encode(name), value: value.map { PercentEncoding.encode($0) })
        }

        /// `name=value`, or `name` alone when there is no value.
        var wireForm: String { value.map { "\(name)=\($0)" } ?? name }
    }

    /// `http` or `https`, lower case.
    package var scheme: String
    /// The host name or bracketed IPv6 literal, as given.
    package var host: String
    /// The port when one was given.
    package var port: Int?
    /// The path as sent (may be empty, which means `/`).
    package var path: String
    /// The query items in their order, duplicates allowed.
    package var query: [QueryItem]

    package init(scheme: String, host: String, port: Int? = nil, path: String, query: [QueryItem] = []) {
        self.scheme = scheme.lowercased()
        self.host = host
        self.port = port
        self.path = path
        self.query = query
    }

    /// `host` or `host:port`; the port is left out when it is the scheme's
    /// default, as HTTP clients write the `Host` header.
    package var authority: String {
        guard let port, port != Self.defaultPort(for: scheme) else { return host }
        return "\(host):\(port)"
    }

    /// The query as sent, without the `?`; `nil` when there are no items.
    package var queryString: String? {
        query.isEmpty ? nil : query.map(\.wireForm).joined(separator: "&")
    }

    /// What goes on the HTTP request line: the path (or `/`) and the query.
    package var requestTarget: String {
        let path = path.isEmpty ? "/" : path
        return queryString.map { "\(path)?\($0)" } ?? path
    }

    /// The whole URL, `scheme://authority/path?query`.
    package var description: String { "\(scheme)://\(authority)\(requestTarget)" }

    static func defaultPort(for scheme: String) -> Int? {
        switch scheme {
        case "http": 80
        case "https": 443
        default: nil
        }
    }
}

extension SigningURL {
    /// Parses an absolute `http`/`https` URL without changing its path or query.
    ///
    /// A fragment is dropped (it is never sent). User information, spaces and
    /// control characters are rejected.
    ///
    /// - Throws: ``SigningError`` with code ``SigningError/Code/invalidURL``.
    package init(parsing string: String) throws(SigningError) {
        func fail(_ why: String) -> SigningError {
            SigningError(.invalidURL, "\(why): \(string)")
        }
        if string.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            throw fail("spaces or control characters in URL")
        }
        guard let schemeEnd = string.firstRange(of: "://") else { throw fail("not an absolute URL") }
        let scheme = string[..<schemeEnd.lowerBound].lowercased()
        guard Self.defaultPort(for: scheme) != nil else { throw fail("scheme is not http or https") }

        var rest = string[schemeEnd.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let pathAndQuery = rest[authorityEnd...]
        if authority.contains("@") { throw fail("user information in URL") }

        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw fail("unterminated IPv6 literal") }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("bad authority") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw fail("no host") }
        var port: Int?
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCIIDigit),
                  let value = Int(portText), value <= 65535 else { throw fail("bad port") }
            port = value
        }

        let path: Substring
        var items: [QueryItem] = []
        if let question = pathAndQuery.firstIndex(of: "?") {
            path = pathAndQuery[..<question]
            items = Self.queryItems(pathAndQuery[pathAndQuery.index(after: question)...])
        } else {
            path = pathAndQuery
        }
        self.init(scheme: scheme, host: String(host), port: port, path: String(path), query: items)
    }

    /// Splits a raw query string into items, dropping empty pieces (`a=1&&b=2`).
    package static func queryItems(_ query: Substring) -> [QueryItem] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { piece in
            if let equals = piece.firstIndex(of: "=") {
                return QueryItem(name: String(piece[..<equals]), value: String(piece[piece.index(after: equals)...]))
            }
            return QueryItem(name: String(piece), value: nil)
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
