import OrderedJSON

/// `summary.md`: short enough for a CI step summary or a chat message —
/// totals, the sessions that need a look (failures first, at most 50 rows),
/// counts by status, the most frequent findings, perf highlights.
enum MarkdownSummary {
    static let problemRows = 50
    static let findingRows = 10

    static func render(run: JSONValue, sessions: [ReportSession]) -> String {
        let totals = ReportTotals(run: run, sessions: sessions)
        var lines: [String] = ["# GameLift Streams export report", ""]
        lines.append(totalsLine(totals))
        if !totals.skippedManifests.isEmpty {
            lines.append("")
            let files = totals.skippedManifests.prefix(5).map { ReportText.markdownCell($0, limit: 80) }.joined(separator: ", ")
            let more = totals.skippedManifests.count > 5 ? " and \(totals.skippedManifests.count - 5) more" : ""
            lines.append("> **Warning:** \(ReportText.count(totals.skippedManifests.count)) session manifest(s) could not be read and are not counted: \(files)\(more).")
        }
        lines += problems(sessions)
        lines += statusCounts(totals)
        lines += topFindings(sessions)
        lines += perfHighlights(sessions)
        return lines.joined(separator: "\n") + "\n"
    }

    static func totalsLine(_ totals: ReportTotals) -> String {
        var parts = ["\(ReportText.count(totals.collected)) collected"]
        if totals.failed > 0 { parts.append("\(ReportText.count(totals.failed)) failed") }
        if totals.exportFailed > 0 { parts.append("\(ReportText.count(totals.exportFailed)) export failed") }
        if totals.skipped > 0 { parts.append("\(ReportText.count(totals.skipped)) skipped") }
        var line = "**\(ReportText.count(totals.sessions)) sessions**: \(parts.joined(separator: ", "))"
        line += " · \(ReportText.bytes(totals.archiveBytes)) in \(ReportText.count(totals.entries)) entries"
        if totals.findings > 0 { line += " · \(ReportText.count(totals.findings)) findings" }
        if totals.failedEntries > 0 { line += " · \(ReportText.count(totals.failedEntries)) failed entries" }
        return line + " · generated \(ReportText.markdownCell(totals.generatedAt, limit: 40))"
    }

    static func problems(_ sessions: [ReportSession]) -> [String] {
        let flagged = sessions.filter(\.hasProblems).sorted { ($0.rank, $0.sessionId) < ($1.rank, $1.sessionId) }
        guard !flagged.isEmpty else { return ["", "No failures and no findings."] }
        var lines = ["", "## Problems (\(ReportText.count(flagged.count)))", "",
                     "| Session | Status | Stage | Kind | Message |", "|---|---|---|---|---|"]
        for session in flagged.prefix(problemRows) {
            let problem = session.headline
            let cells = [session.sessionId, session.status, problem?.stage ?? "", problem?.kind ?? "", problem?.message ?? ""]
            lines.append("| " + cells.map { ReportText.markdownCell($0) }.joined(separator: " | ") + " |")
        }
        if flagged.count > problemRows {
            lines.append("")
            lines.append("… and \(ReportText.count(flagged.count - problemRows)) more (see report.html or manifest.json).")
        }
        return lines
    }

    static func statusCounts(_ totals: ReportTotals) -> [String] {
        var lines = ["", "## Sessions by status", "", "| Status | Sessions |", "|---|---:|"]
        for (status, count) in totals.byStatus { lines.append("| \(ReportText.markdownCell(status)) | \(ReportText.count(count)) |") }
        return lines
    }

    static func topFindings(_ sessions: [ReportSession]) -> [String] {
        var counts: [String: (count: Int, sessions: Int)] = [:]
        for session in sessions {
            for (kind, count) in session.problemKinds {
                counts[kind, default: (0, 0)].count += count
                counts[kind, default: (0, 0)].sessions += 1
            }
        }
        guard !counts.isEmpty else { return [] }
        let top = counts.sorted { ($1.value.count, $0.key) < ($0.value.count, $1.key) }
        var lines = ["", "## Top findings", "", "| Finding | Count | Sessions |", "|---|---:|---:|"]
        for (kind, value) in top.prefix(findingRows) {
            lines.append("| \(ReportText.markdownCell(kind)) | \(ReportText.count(value.count)) | \(ReportText.count(value.sessions)) |")
        }
        if top.count > findingRows { lines += ["", "… and \(top.count - findingRows) more kinds."] }
        return lines
    }

    static func perfHighlights(_ sessions: [ReportSession]) -> [String] {
        var lines: [String] = []
        for category in ReportPerf.Category.allCases {
            let values = sessions.compactMap { session -> (ReportSession, ReportPerf.Highlight, Double)? in
                guard let highlight = session.perf.first(where: { $0.category == category }), let key = highlight.key else { return nil }
                return (session, highlight, key)
            }
            guard let highest = values.max(by: { $0.2 < $1.2 }) else { continue }
            let sorted = values.map(\.2).sorted()
            let median = sorted[sorted.count / 2]
            let columns = Set(values.map(\.1.column)).sorted().prefix(3).joined(separator: ", ")
            let metric = "\(category.label) \(category.statName) (\(columns))"
            lines.append("| \(ReportText.markdownCell(metric)) | \(ReportText.count(values.count)) | \(ReportText.decimal(median)) | \(ReportText.decimal(highest.2)) | \(ReportText.markdownCell(highest.0.sessionId)) |")
        }
        guard !lines.isEmpty else { return [] }
        return ["", "## Perf highlights", "", "| Metric | Sessions | Median | Highest | Session |", "|---|---:|---:|---:|---|"] + lines
    }
}
