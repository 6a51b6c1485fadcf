import OrderedJSON

/// Writes the reports of a run into its output folder: `report.html`,
/// `summary.md`, `entries.csv`, `entries.jsonl` (see ``ReportFormat``). The
/// pipeline calls it after writing the run manifest; `export-collector
/// report` after rebuilding it. Each file is written atomically, so a report
/// is either the previous one or the new one, never half of either.
package enum ReportWriter {
    /// - Parameters:
    ///   - run: the run manifest (``RunManifest/build(sessions:generatedAt:)``);
    ///     its totals and `generatedAt` head the reports.
    ///   - sessions: the session manifests, in any order (rows are sorted by
    ///     session id); members may be missing or null.
    ///   - directory: the output folder, which must exist.
    package static func write(run: JSONValue, sessions: [JSONValue], to directory: String, formats: Set<ReportFormat>) throws(ReportError) {
        try write(run: run, sorted: ReportSession.sorted(sessions), to: directory, formats: formats)
    }

    static func write(run: JSONValue, sorted sessions: [ReportSession], to directory: String, formats: Set<ReportFormat>) throws(ReportError) {
        let folder = directory.hasSuffix("/") || directory.isEmpty ? directory : directory + "/"
        // A fixed order, so which file failed first does not depend on hashing.
        for format in ReportFormat.allCases where formats.contains(format) {
            let path = folder + format.fileName
            switch format {
            case .html: try HTMLReport.write(run: run, sessions: sessions, to: path)
            case .markdown: try ReportFile.write(MarkdownSummary.render(run: run, sessions: sessions), to: path)
            case .csv: try EntryTables.writeCSV(sessions, to: path)
            case .jsonl: try EntryTables.writeJSONLines(sessions, to: path)
            }
        }
    }
}
