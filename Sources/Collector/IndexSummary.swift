import ZipIndex

/// The human-readable form of an archive index: one line per entry, then the
/// findings, then a verdict.
enum IndexSummary {
    static func text(_ index: ArchiveIndex) -> String {
        var lines: [String] = []
        for entry in index.entries {
            // "listed": the directory shows nothing wrong, but the data was not read.
            let state = entry.error.map { "\($0.kind.rawValue.uppercased()) " } ?? (entry.verified ? "ok " : "listed ")
            let size = String(entry.bytes).leftPadded(to: 12)
            let detail = entry.error.map { "  (\($0.message))" } ?? ""
            lines.append("\(state.leftPadded(to: 19)) \(entry.method.description.leftPadded(to: 8)) \(size)  \(entry.path)\(detail)")
        }
        for finding in index.findings {
            let blocking = finding.kind.isBlocking ? "unsafe" : "note"
            let path = finding.path.isEmpty ? "" : " \(finding.path):"
            lines.append("\(blocking): \(finding.kind.rawValue):\(path) \(finding.message)")
        }
        let verdict = index.isOK ? "ok" : "ERROR"
        let failed = index.entries.filter { !$0.isOK }.count
        var summary = "\(index.path): \(verdict), \(index.entryCount) entries, \(index.bytes) bytes"
        if failed > 0 { summary += ", \(failed) failed" }
        if index.mode == .listing { summary += " (listing from the central directory; data not verified)" }
        if let error = index.error { summary += " — \(error.kind.rawValue): \(error.message)" }
        lines.append(summary)
        if let sha = index.sha256 { lines.append("sha256 \(sha)") }
        // Names and messages come from the archive: one line each, controls shown.
        return lines.map(\.withVisibleControls).joined(separator: "\n") + "\n"
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
