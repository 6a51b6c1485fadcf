import Dispatch
import OrderedJSON
import Synchronization

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
        let selected = ReportFormat.allCases.filter(formats.contains)
        // The files are independent: written on every core at once (the CSV
        // and JSON Lines of 500,000 entries take a second each).
        let failures = Mutex([ReportError?](repeating: nil, count: selected.count))
        DispatchQueue.concurrentPerform(iterations: selected.count) { index in
            do throws(ReportError) {
                try write(selected[index], run: run, sessions: sessions, to: folder + selected[index].fileName)
            } catch {
                failures.withLock { $0[index] = error }
            }
        }
        // The first failure in format order, whichever thread met it first.
        if let failure = failures.withLock({ $0.compactMap { $0 }.first }) { throw failure }
    }

    private static func write(_ format: ReportFormat, run: JSONValue, sessions: [ReportSession], to path: String) throws(ReportError) {
        switch format {
        case .html: try HTMLReport.write(run: run, sessions: sessions, to: path)
        case .markdown: try ReportFile.write(MarkdownSummary.render(run: run, sessions: sessions), to: path)
        case .csv: try EntryTables.writeCSV(sessions, to: path)
        case .jsonl: try EntryTables.writeJSONLines(sessions, to: path)
        }
    }
}
