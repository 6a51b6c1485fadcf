/// Just enough XML for S3's REST responses: flat `<Error>` documents and
/// `ListBucketResult` with repeated `<Contents>` groups. Elements are found by
/// local name; text is entity-decoded. Not a general XML parser: S3 sends no
/// DTDs, and CDATA and comments are skipped.
package struct XMLFields: Sendable {
    /// (element path, text) for every element that holds text, in document order,
    /// the path joined with "/" (`ListBucketResult/Contents/Key`).
    package private(set) var values: [(path: String, text: String)] = []

    package init(_ bytes: [UInt8]) {
        var stack: [String] = []
        var text: [UInt8] = []
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "<") else {
                text.append(byte)
                index += 1
                continue
            }
            guard let close = bytes[index...].firstIndex(of: UInt8(ascii: ">")) else { break }
            let tag = bytes[(index + 1) ..< close]
            index = close + 1
            guard let first = tag.first else { continue }
            if first == UInt8(ascii: "?") || first == UInt8(ascii: "!") {
                if tag.starts(with: Array("![CDATA[".utf8)) {
                    // <![CDATA[ ... ]]> : keep its content as text.
                    let body = tag.dropFirst(8)
                    text.append(contentsOf: body.hasSuffix("]]") ? body.dropLast(2) : body)
                }
                continue
            }
            if first == UInt8(ascii: "/") {
                if !stack.isEmpty {
                    let decoded = XMLFields.decodeEntities(text)
                    if !decoded.allSatisfy(\.isWhitespace) || text.isEmpty {
                        values.append((stack.joined(separator: "/"), decoded))
                    }
                    stack.removeLast()
                }
                text.removeAll(keepingCapacity: true)
                continue
            }
            let selfClosing = tag.last == UInt8(ascii: "/")
            let nameEnd = tag.firstIndex { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\n") } ?? tag.endIndex
            var name = String(decoding: tag[tag.startIndex ..< nameEnd], as: UTF8.self)
            if let colon = name.lastIndex(of: ":") { name = String(name[name.index(after: colon)...]) }
            text.removeAll(keepingCapacity: true)
            if selfClosing {
                values.append(((stack + [name]).joined(separator: "/"), ""))
            } else {
                stack.append(name)
            }
        }
    }

    /// The text of the first element with this local name, anywhere.
    package func first(_ name: String) -> String? {
        values.first { $0.path == name || $0.path.hasSuffix("/" + name) }?.text
    }

    /// Texts of `field` inside each repeated `group` element, one dictionary per group.
    package func groups(_ group: String, fields: Set<String>) -> [[String: String]] {
        var result: [[String: String]] = []
        var current: [String: String] = [:]
        var open = false
        for (path, text) in values {
            let parts = path.split(separator: "/")
            guard let groupIndex = parts.lastIndex(where: { $0 == group }), groupIndex + 1 < parts.count else { continue }
            let field = String(parts[groupIndex + 1])
            guard fields.contains(field) else { continue }
            if open, current[field] != nil {
                result.append(current)
                current = [:]
            }
            current[field] = text
            open = true
        }
        if open { result.append(current) }
        return result
    }

    static func decodeEntities(_ raw: [UInt8]) -> String {
        let text = String(decoding: raw, as: UTF8.self)
        guard text.contains("&") else { return text }
        var out = ""
        var rest = text[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                out += "&"
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let entity = rest[rest.index(after: amp) ..< semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                var scalar: Unicode.Scalar?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    scalar = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
                } else if entity.hasPrefix("#") {
                    scalar = UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init)
                }
                if let scalar { out.unicodeScalars.append(scalar) } else { out += "&\(entity);" }
            }
            rest = rest[rest.index(after: semi)...]
        }
        out += rest
        return out
    }
}

private extension ArraySlice where Element == UInt8 {
    func hasSuffix(_ suffix: String) -> Bool {
        let bytes = Array(suffix.utf8)
        return count >= bytes.count && self.suffix(bytes.count).elementsEqual(bytes)
    }
}
