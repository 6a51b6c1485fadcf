import OrderedJSON

/// `entries.csv` and `entries.jsonl`: one row per entry with its session's
/// columns, streamed to disk (500,000 entries never make one string). A
/// session without entries (failed, skipped, export failed) still gets one
/// row, its entry columns empty, so every session appears.
enum EntryTables {
    static let columns = [
        "sessionId", "streamGroupId", "sessionStatus", "createdAt",
        "path", "type", "method", "compressedBytes", "bytes", "crc32", "sha256",
        "modified", "mode", "status", "errorKind", "errorMessage",
    ]

    /// The row's values, typed as in the manifest; a member of the wrong type reads as null.
    static func values(_ session: ReportSession, _ entry: JSONValue?) -> [JSONValue] {
        func text(_ key: String) -> JSONValue { .optional(entry?[key]?.stringValue) }
        func number(_ key: String) -> JSONValue {
            switch entry?[key] {
            case .int(let value)?: .int(value)
            case .uint(let value)?: .uint(value)
            default: .null
            }
        }
        let error = entry?["error"]
        return [
            .string(session.sessionId), .optional(session.streamGroupId), .string(session.status), .optional(session.createdAt),
            text("path"), text("type"), text("method"), number("compressedBytes"), number("bytes"), text("crc32"), text("sha256"),
            text("modified"), text("mode"), text("status"), .optional(error?["kind"]?.stringValue), .optional(error?["message"]?.stringValue),
        ]
    }

    static func forEachRow(_ sessions: [ReportSession], _ body: ([JSONValue]) throws(ReportError) -> Void) throws(ReportError) {
        for session in sessions {
            let entries = session.entries
            if entries.isEmpty {
                try body(values(session, nil))
                continue
            }
            for entry in entries { try body(values(session, entry)) }
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
    static func writeCSV(_ sessions: [ReportSession], to path: String) throws(ReportError) {
        let file = try ReportFile(path: path)
        try file.write(columns.joined(separator: ",") + "\r\n")
        try forEachRow(sessions) { values throws(ReportError) in
            try file.append { out in
                for (position, value) in values.enumerated() {
                    if position > 0 { out.append(UInt8(ascii: ",")) }
                    switch value {
                    case .string(let text): appendCSVText(text, into: &out)
                    case .null: break
                    default: value.write(into: &out, pretty: false, depth: 0)
                    }
                }
                out.append(contentsOf: [0x0D, 0x0A])
            }
        }
        try file.commit()
    }

    static func appendCSVText(_ text: String, into out: inout [UInt8]) {
        var cell = Array(text.utf8)
        if let first = cell.first, [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D].contains(first) {
            cell.insert(UInt8(ascii: "'"), at: 0)
        }
        if cell.contains(0) {
            cell = cell.flatMap { $0 == 0 ? [0xE2, 0x90, 0x80] : [$0] }
        }
        guard cell.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: ",") || $0 == 0x0D || $0 == 0x0A }) else {
            out.append(contentsOf: cell)
            return
        }
        out.append(UInt8(ascii: "\""))
        for byte in cell {
            if byte == UInt8(ascii: "\"") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }

    // MARK: JSON Lines

    /// One compact JSON object per line, the CSV's columns as members with
    /// their manifest types (numbers as numbers, absent as null) and exact text.
    static func writeJSONLines(_ sessions: [ReportSession], to path: String) throws(ReportError) {
        let file = try ReportFile(path: path)
        try forEachRow(sessions) { values throws(ReportError) in
            try file.append { out in
                JSONValue.object(Array(zip(columns, values))).write(into: &out, pretty: false, depth: 0)
                out.append(0x0A)
            }
        }
        try file.commit()
    }
}
