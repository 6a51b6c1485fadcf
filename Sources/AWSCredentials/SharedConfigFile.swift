/// The AWS shared `config` and `credentials` files: INI sections of
/// `key = value` lines, with indented sub-sections (`s3 =` then
/// `  addressing_style = path`) flattened to `s3.addressing_style`.
///
/// In `config`, profiles are `[default]` and `[profile NAME]`; in
/// `credentials`, `[NAME]`. Other section kinds (`[sso-session x]`,
/// `[services x]`) are kept under their full title.
package struct SharedConfigFile: Sendable, Equatable {
    package enum Kind: Sendable {
        case config
        case credentials
    }

    /// Profile name → settings.
    package private(set) var profiles: [String: [String: String]] = [:]
    /// Other sections by their title.
    package private(set) var sections: [String: [String: String]] = [:]

    package init(text: String, kind: Kind) {
        var current: (isProfile: Bool, name: String)?
        var parentKey: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                parentKey = nil
                guard line.hasSuffix("]") else {
                    current = nil
                    continue
                }
                let title = line.dropFirst().dropLast().trimmingWhitespace()
                current = SharedConfigFile.section(title, kind: kind)
                if let current {
                    if current.isProfile {
                        profiles[current.name, default: [:]] = profiles[current.name] ?? [:]
                    } else {
                        sections[current.name, default: [:]] = sections[current.name] ?? [:]
                    }
                }
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingWhitespace().lowercased()
            let value = SharedConfigFile.stripInlineComment(line[line.index(after: equals)...]).trimmingWhitespace()
            let indented = rawLine.first == " " || rawLine.first == "\t"
            let fullKey: String
            if indented, let parentKey {
                fullKey = "\(parentKey).\(key)"
            } else {
                parentKey = value.isEmpty ? key : nil
                fullKey = key
                if value.isEmpty { continue }
            }
            if current.isProfile {
                profiles[current.name, default: [:]][fullKey] = value
            } else {
                sections[current.name, default: [:]][fullKey] = value
            }
        }
    }

    private static func section(_ title: String, kind: Kind) -> (isProfile: Bool, name: String)? {
        switch kind {
        case .credentials:
            return (true, title)
        case .config:
            if title == "default" { return (true, "default") }
            if title.hasPrefix("profile ") || title.hasPrefix("profile\t") {
                return (true, String(title.dropFirst("profile".count)).trimmingWhitespace())
            }
            return (false, title)
        }
    }

    /// botocore treats ` #` and ` ;` (after whitespace) as starting a comment.
    private static func stripInlineComment(_ value: Substring) -> Substring {
        var previous: Character = " "
        for index in value.indices {
            let character = value[index]
            if (character == "#" || character == ";") && (previous == " " || previous == "\t") && index != value.startIndex {
                return value[..<index]
            }
            previous = character
        }
        return value
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
