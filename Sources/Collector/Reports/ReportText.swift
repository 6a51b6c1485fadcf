/// Text as the reports show it. Entry names and messages come from archives
/// and APIs nobody vetted: they may hold markup, quotes, NUL and other
/// control characters, or bidirectional overrides that make `evil\u{202E}gpj.exe`
/// display as `evilexe.jpg`. Every string from a manifest passes through here
/// (or, in the page's script, through its `textContent` twin of ``visible(_:)``).
enum ReportText {
    /// Characters that hide or disguise text: C0 and C1 controls, DEL, the
    /// bidirectional controls, zero-width and invisible format characters, line
    /// and paragraph separators. The page's script carries the same set.
    static func isHidden(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00 ... 0x1F, 0x7F ... 0x9F, 0xAD, 0x061C, 0x180E, 0x200B, 0x200E, 0x200F,
             0x2028 ... 0x202E, 0x2060 ... 0x2064, 0x2066 ... 0x2069, 0xFEFF, 0xFFF9 ... 0xFFFB:
            true
        default:
            false
        }
    }

    /// The stand-in shown for a hidden character: the Control Pictures block
    /// for C0 controls and DEL (`␀`, `␊`), else `⟦U+202E⟧`.
    static func marker(_ scalar: Unicode.Scalar) -> String {
        switch scalar.value {
        case 0x00 ... 0x1F: String(Character(Unicode.Scalar(0x2400 + scalar.value) ?? "?"))
        case 0x7F: "\u{2421}"
        default: "⟦U+\(hex4(scalar.value))⟧"
        }
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// `text` with every hidden character replaced by its marker.
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isHidden) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isHidden(scalar) { out += marker(scalar) } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// Escapes for HTML text and attribute values (both quote styles), hidden
    /// characters shown as markers in a highlighted span when `mark` is set
    /// (text content), as plain markers otherwise (attributes such as `title`).
    static func html(_ text: String, mark: Bool = true) -> String {
        let special = text.utf8.contains { byte in
            byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
                || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte < 0x20 || byte >= 0x7F
        }
        guard special else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if isHidden(scalar) {
                    out += mark ? "<span class=\"ctl\">\(marker(scalar))</span>" : marker(scalar)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// One GitHub-flavoured Markdown table cell: `|` and the characters that
    /// start emphasis, code, links, HTML, strikethrough or math are
    /// backslash-escaped; newlines and other hidden characters become markers,
    /// so a message cannot end the row. Long text is cut at `limit` characters.
    static func markdownCell(_ text: String, limit: Int = 160) -> String {
        var shown = visible(text)
        if shown.count > limit { shown = String(shown.prefix(limit - 1)) + "…" }
        var out = ""
        out.reserveCapacity(shown.utf8.count + 8)
        for character in shown {
            if "\\`*_[]<>|~&$#!".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// `10,000`.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (position, digit) in digits.enumerated() {
            if position > 0, (digits.count - position) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }

    /// `1.5 MiB`: binary units, three significant digits at most.
    static func bytes(_ value: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var scaled = Double(value)
        var unit = 0
        while scaled >= 1024, unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        if unit == 0 { return "\(value) B" }
        return "\(decimal(scaled, places: scaled < 10 ? 2 : scaled < 100 ? 1 : 0)) \(units[unit])"
    }

    /// A number with at most `places` decimals, trailing zeros dropped (`40.2`, `80`).
    static func decimal(_ value: Double, places: Int = 1) -> String {
        guard value.isFinite else { return "–" }
        var factor = 1.0
        for _ in 0 ..< places { factor *= 10 }
        let rounded = (value * factor).rounded() / factor
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
        var text = String(rounded)
        // String(Double) may print 1e-05 or 0.30000000000000004: cut to `places`.
        if let dot = text.firstIndex(of: "."), !text.contains("e") {
            let end = text.index(dot, offsetBy: places + 1, limitedBy: text.endIndex) ?? text.endIndex
            text = String(text[..<end])
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
