import OrderedJSON

/// `entries.csv` and `entries.jsonl`: one row per entry with its session's
/// columns, rendered per session while the manifests are read and streamed to
/// disk (see ``ReportStream``; 500,000 entries never make one string). A
/// session without entries (failed, skipped, export failed) still gets one
/// row, its entry columns empty, so every session appears.
enum EntryTables {
    static let columns = [
        "sessionId", "streamGroupId", "sessionStatus", "createdAt",
        "path", "type", "method", "compressedBytes", "bytes", "crc32", "sha256",
        "modified", "mode", "status", "errorKind", "errorMessage",
    ]

    static let sessionColumns = 4

    /// The session's columns, the same for each of its rows.
    static func sessionValues(_ session: ReportSession) -> [JSONValue] {
        [.string(session.sessionId), .optional(session.streamGroupId), .string(session.status), .optional(session.createdAt)]
    }

    /// The entry's columns, typed as in the manifest (a member of another type
    /// reads as null), in one pass over its members: 500,000 entries make
    /// sixteen lookups each add up.
    static func entryValues(_ entry: JSONValue?) -> [JSONValue] {
        var values = [JSONValue](repeating: .null, count: columns.count - sessionColumns)
        guard let members = entry?.objectMembers else { return values }
        for (key, value) in members {
            switch key {
            case "path": values[0] = text(value)
            case "type": values[1] = text(value)
            case "method": values[2] = text(value)
            case "compressedBytes": values[3] = number(value)
            case "bytes": values[4] = number(value)
            case "crc32": values[5] = text(value)
            case "sha256": values[6] = text(value)
            case "modified": values[7] = text(value)
            case "mode": values[8] = text(value)
            case "status": values[9] = text(value)
            case "error":
                values[10] = text(value["kind"] ?? .null)
                values[11] = text(value["message"] ?? .null)
            default: continue
            }
        }
        return values
    }

    private static func text(_ value: JSONValue) -> JSONValue {
        if case .string = value { return value }
        return .null
    }

    private static func number(_ value: JSONValue) -> JSONValue {
        switch value {
        case .int, .uint: value
        default: .null
        }
    }

    // MARK: CSV

    /// RFC 4180: UTF-8 without a byte order mark, CRLF line ends, a header
    /// row, fields quoted when they hold `"`, `,`, CR or LF.
    ///
    /// Spreadsheet formula injection: a text cell starting with `=`, `+`, `-`,
    /// `@`, tab or CR would be run as a formula by Excel, LibreOffice or Google
    /// Sheets (`=HYPERLINK(...)` in an entry name), so such a cell gets a
    /// leading `'`, which spreadsheets show as text and do not display. Scripts
    /// that need the exact value read `entries.jsonl`. NUL, which spreadsheet
    /// programs cut text at, is written as `␀` (U+2400); nothing else changes.
    static let csvHeader = Array((columns.joined(separator: ",") + "\r\n").utf8)

    /// The CSV rows of one session (one row when it has no entries).
    static func appendCSVRows(_ session: ReportSession, entries: [JSONValue], into out: inout [UInt8]) {
        // The session's four cells are written once and copied per row.
        var prefix: [UInt8] = []
        for value in sessionValues(session) {
            appendCSVCell(value, into: &prefix)
            prefix.append(UInt8(ascii: ","))
        }
        func row(_ entry: JSONValue?) {
            out.append(contentsOf: prefix)
            for (position, value) in entryValues(entry).enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                appendCSVCell(value, into: &out)
            }
            out.append(contentsOf: [0x0D, 0x0A])
        }
        if entries.isEmpty { row(nil) }
        for entry in entries { row(entry) }
    }

    static func appendCSVCell(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .string(let text): appendCSVText(text, into: &out)
        case .null: break
        default: value.write(into: &out, pretty: false, depth: 0)
        }
    }

    static func appendCSVText(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var quote = false
            var nul = false
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: ","), 0x0D, 0x0A: quote = true
                case 0: nul = true
                default: continue
                }
            }
            if quote { out.append(UInt8(ascii: "\"")) }
            if let first = bytes.first, [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D].contains(first) {
                out.append(UInt8(ascii: "'"))
            }
            if !quote && !nul {
                out.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [byte, byte])
                case 0: out.append(contentsOf: [0xE2, 0x90, 0x80])
                default: out.append(byte)
                }
            }
            if quote { out.append(UInt8(ascii: "\"")) }
        }
    }

    // MARK: JSON Lines

    /// One compact JSON object per line, the CSV's columns as members with
    /// their manifest types (numbers as numbers, absent as null) and exact text.
    /// `,"path":` and the like, serialised once.
    static let jsonKeys: [[UInt8]] = columns.map { name in
        var key: [UInt8] = [UInt8(ascii: ",")]
        JSONValue.writeString(name, into: &key)
        key.append(UInt8(ascii: ":"))
        return key
    }

    /// The JSON Lines of one session (one line when it has no entries).
    static func appendJSONLines(_ session: ReportSession, entries: [JSONValue], into out: inout [UInt8]) {
        let keys = jsonKeys
        var prefix: [UInt8] = [UInt8(ascii: "{")]
        for (position, value) in sessionValues(session).enumerated() {
            prefix.append(contentsOf: position == 0 ? keys[position].dropFirst() : keys[position][...])
            value.write(into: &prefix, pretty: false, depth: 0)
        }
        func line(_ entry: JSONValue?) {
            out.append(contentsOf: prefix)
            for (position, value) in entryValues(entry).enumerated() {
                out.append(contentsOf: keys[sessionColumns + position])
                value.write(into: &out, pretty: false, depth: 0)
            }
            out.append(contentsOf: [UInt8(ascii: "}"), 0x0A])
        }
        if entries.isEmpty { line(nil) }
        for entry in entries { line(entry) }
    }
}
