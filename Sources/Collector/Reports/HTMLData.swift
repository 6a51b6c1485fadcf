import OrderedJSON

/// The data the page's script renders, embedded as two
/// `<script type="application/json">` blocks: the sessions (parsed on load)
/// and their entries (parsed on the first expanded row only, so opening a
/// report of 500,000 entries costs one `JSON.parse` when it is needed).
///
/// `<`, `>` and `&` are written as `\u003c`, `\u003e`, `\u0026`: JSON.parse
/// reads them back unchanged, and no entry name can close the script element
/// (`</script>`) or open a comment (`<!--`) in it. These bytes occur in JSON
/// only inside strings, so replacing them after serialising is exact; so
/// do the hidden characters of ``ReportText/isHidden(_:)``.
enum HTMLData {
    /// Entries embedded per session at most, and in all: beyond these the
    /// expanded row says how many more `entries.csv` holds (failed entries
    /// are kept first), so a session of 200,000 entries cannot make the page huge.
    static let entriesPerSession = 2000
    static let entriesInAll = 1_000_000
    /// Findings listed per session (the run manifest has the count).
    static let findingsPerSession = 100

    static func appendScriptSafe(_ value: JSONValue, into out: inout [UInt8]) {
        var json: [UInt8] = []
        value.write(into: &json, pretty: false, depth: 0)
        appendScriptSafe(bytes: json, into: &out)
    }

    static func appendScriptSafe(bytes json: [UInt8], into out: inout [UInt8]) {
        // Hidden characters (bidi overrides, zero-width, line separators) are
        // escaped too: the page's source stays readable and cannot be
        // reordered in an editor or a code review ("Trojan Source").
        guard json.contains(where: { $0 >= 0x80 }) else {
            for byte in json { appendEscaped(byte, into: &out) }
            return
        }
        for scalar in String(decoding: json, as: UTF8.self).unicodeScalars {
            if scalar.isASCII {
                appendEscaped(UInt8(scalar.value), into: &out)
            } else if ReportText.isHidden(scalar) {
                // All hidden characters are in the Basic Multilingual Plane.
                let digits = String(scalar.value, radix: 16)
                out.append(contentsOf: Array("\\u\(String(repeating: "0", count: max(0, 4 - digits.count)))\(digits)".utf8))
            } else {
                UTF8.encode(scalar) { out.append($0) }
            }
        }
    }

    private static func appendEscaped(_ byte: UInt8, into out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "<"): out.append(contentsOf: Array("\\u003c".utf8))
        case UInt8(ascii: ">"): out.append(contentsOf: Array("\\u003e".utf8))
        case UInt8(ascii: "&"): out.append(contentsOf: Array("\\u0026".utf8))
        default: out.append(byte)
        }
    }

    /// `{"meta": {...}, "sessions": [{...}, ...]}` with short member names
    /// (10,000 sessions repeat them 10,000 times).
    static func writeSessions(_ sessions: [ReportSession], totals: ReportTotals, to file: ReportFile) throws(ReportError) {
        let categories = ReportPerf.Category.allCases.filter { category in
            sessions.contains { $0.perf.contains { $0.category == category } }
        }
        let meta: JSONValue = .object([
            ("generatedAt", .string(totals.generatedAt)),
            ("statuses", .array(totals.byStatus.map { .array([.string($0.0), .string(ReportTotals.label($0.0)), .int(Int64($0.1))]) })),
            ("perf", .array(categories.map { .array([.string($0.rawValue), .string("\($0.label) \($0.statName)")]) })),
        ])
        try file.write("<script type=\"application/json\" id=\"ec-sessions\">{\"meta\":")
        try file.append { appendScriptSafe(meta, into: &$0) }
        try file.write(",\"sessions\":[")
        for (position, session) in sessions.enumerated() {
            try file.append { out in
                if position > 0 { out.append(UInt8(ascii: ",")) }
                appendScriptSafe(row(session), into: &out)
                out.append(0x0A)
            }
        }
        try file.write("]}</script>\n")
    }

    static func row(_ session: ReportSession) -> JSONValue {
        let problem = session.headline
        var members: [(String, JSONValue)] = [
            ("i", .string(session.sessionId)),
            ("s", .string(session.status)),
            ("r", .int(Int64(session.rank))),
            ("g", .optional(session.streamGroupId)),
            ("a", .optional(session.applicationId)),
            ("l", .optional(session.location)),
            ("u", .optional(session.userId)),
            ("c", .optional(session.createdAt)),
            ("t", session.createdEpoch.map(JSONValue.double) ?? .null),
            ("b", session.archiveBytes.map(RunManifest.number) ?? .null),
            ("n", session.entryCount.map { .int(Int64($0)) } ?? .null),
        ]
        if let sha = session.archiveSha256 { members.append(("h", .string(sha))) }
        if let problem {
            members.append(("p", .array([.optional(problem.stage), .optional(problem.kind), .optional(problem.message)])))
        }
        if let status = session.apiStatus {
            members.append(("as", .array([.string(status), .optional(session.apiStatusReason)])))
        }
        if session.findingCount > 0 {
            members.append(("fn", .int(Int64(session.findingCount))))
            members.append(("f", .array(session.findings.prefix(findingsPerSession).map {
                .array([.string($0.kind), .string($0.path), .string($0.message)])
            })))
        }
        if session.failedEntries > 0 { members.append(("fe", .int(Int64(session.failedEntries)))) }
        if !session.perf.isEmpty {
            members.append(("pf", .object(session.perf.map { highlight in
                (highlight.category.rawValue, .array([.string(highlight.column), number(highlight.mean), number(highlight.p95), number(highlight.max), number(highlight.key)]))
            })))
        }
        return .object(members)
    }

    static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .double((value * 1000).rounded() / 1000)
    }

    /// Entries embedded per session for a page of `count` sessions.
    static func perSession(sessions count: Int) -> Int {
        min(entriesPerSession, max(50, entriesInAll / max(1, count)))
    }

    /// One embedded entry before its text is interned: `[path, type, method,
    /// bytes, crc32, sha256 prefix, error kind, error message]`.
    struct EntryCells: Sendable {
        var path: String?
        var type: String?
        var method: String?
        var bytes: JSONValue
        var crc32: String?
        var sha256: String?
        var errorKind: String?
        var errorMessage: String?
    }

    /// The entries of one session the page embeds, at most `perSession`
    /// (failed entries first, so what needs a look is always shown), and how
    /// many are left out. Runs on the thread that parsed the manifest.
    static func selectEntries(_ all: [JSONValue], perSession: Int) -> (cells: [EntryCells], more: Int) {
        var entries = all
        var left = 0
        if entries.count > perSession {
            let failed = entries.filter { $0["status"]?.stringValue != "ok" }
            let fine = entries.filter { $0["status"]?.stringValue == "ok" }
            left = entries.count - perSession
            entries = Array((failed + fine).prefix(perSession))
        }
        let cells = entries.map { entry in
            EntryCells(path: entry["path"]?.stringValue, type: entry["type"]?.stringValue, method: entry["method"]?.stringValue,
                       bytes: entry["bytes"].flatMap(ReportSession.unsigned).map(RunManifest.number) ?? .null,
                       crc32: entry["crc32"]?.stringValue, sha256: entry["sha256"]?.stringValue.map { String($0.prefix(10)) },
                       errorKind: entry["error"]?["kind"]?.stringValue ?? (entry["status"]?.stringValue == "ok" ? nil : entry["status"]?.stringValue),
                       errorMessage: entry["error"]?["message"]?.stringValue)
        }
        return (cells, left)
    }

    /// The second block, `{"sessions": [[entry, ...], ...], "more": [...],
    /// "strings": [...]}`: one array of entries per session in the order of
    /// the sessions block, the text members as indexes into `strings` (paths,
    /// types and methods repeat across sessions), trailing nulls left out;
    /// `more[i]` counts the entries of session i left out.
    ///
    /// Built while the manifests are read: each session's array goes to a
    /// spool file, so only the strings table and the counts stay in memory;
    /// ``write(to:)`` copies it into the page.
    final class EntriesBlock {
        private let spool: SpoolFile
        private var strings: [String] = []
        private var indexes: [String: Int] = [:]
        private var more: [Int] = []

        init(for path: String) throws(ReportError) {
            spool = try SpoolFile(for: path)
        }

        private func intern(_ text: String?) -> JSONValue {
            guard let text else { return .null }
            if let index = indexes[text] { return .int(Int64(index)) }
            indexes[text] = strings.count
            strings.append(text)
            return .int(Int64(strings.count - 1))
        }

        /// The next session's entries, in the order of the sessions block.
        func add(_ cells: [EntryCells], more left: Int) throws(ReportError) {
            let position = more.count
            more.append(left)
            var rows: [JSONValue] = []
            rows.reserveCapacity(cells.count)
            for entry in cells {
                var row: [JSONValue] = [
                    intern(entry.path), intern(entry.type), intern(entry.method), entry.bytes,
                    .optional(entry.crc32), .optional(entry.sha256), intern(entry.errorKind), .optional(entry.errorMessage),
                ]
                while row.last == .null { row.removeLast() }
                rows.append(.array(row))
            }
            try spool.append { out in
                if position > 0 { out.append(UInt8(ascii: ",")) }
                appendScriptSafe(.array(rows), into: &out)
                out.append(0x0A)
            }
        }

        func write(to file: ReportFile) throws(ReportError) {
            try file.write("<script type=\"application/json\" id=\"ec-entries\">{\"sessions\":[")
            try spool.copy(to: file)
            try file.write("],\"more\":")
            try file.append { appendScriptSafe(.array(more.map { .int(Int64($0)) }), into: &$0) }
            try file.write(",\"strings\":")
            try file.append { appendScriptSafe(.array(strings.map(JSONValue.string)), into: &$0) }
            try file.write("}</script>\n")
        }
    }
}
