/// The report files `ReportWriter` can write (`output.reports` in
/// pipeline.json, `--formats` of `export-collector report`).
package enum ReportFormat: String, Sendable, CaseIterable, Hashable {
    /// `report.html`: one self-contained page for people.
    case html
    /// `summary.md`: a short summary for CI step summaries and chat.
    case markdown
    /// `entries.csv`: one row per entry, for spreadsheets.
    case csv
    /// `entries.jsonl`: one JSON object per entry, for scripts.
    case jsonl

    /// The file each format writes, relative to the output folder.
    package var fileName: String {
        switch self {
        case .html: "report.html"
        case .markdown: "summary.md"
        case .csv: "entries.csv"
        case .jsonl: "entries.jsonl"
        }
    }

    /// Parses a comma-separated list such as `html,csv` (the `--formats` and
    /// `output.reports` spelling); a failure names the first unknown format.
    package static func parseList(_ text: String) -> Result<Set<ReportFormat>, ReportError> {
        var formats = Set<ReportFormat>()
        for name in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = name.trimmingReportWhitespace()
            guard let format = ReportFormat(rawValue: trimmed) else {
                return .failure(.usage("'\(trimmed)' is not a report format (\(allCases.map(\.rawValue).joined(separator: ", ")))"))
            }
            formats.insert(format)
        }
        return .success(formats)
    }
}

/// Why a report, the run manifest or an output folder could not be read or written.
package enum ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A file or folder could not be written (the output is not writable).
    case write(path: String, reason: String)
    /// The output folder or its `sessions` folder could not be read.
    case read(path: String, reason: String)
    /// A bad option value (an unknown report format).
    case usage(String)

    package var description: String {
        switch self {
        case .write(let path, let reason): "cannot write (\(path)): \(reason)"
        case .read(let path, let reason): "cannot read the output folder (\(path)): \(reason)"
        case .usage(let message): message
        }
    }
}

extension Substring {
    /// Spaces around list items are forgiven (`html, csv`).
    func trimmingReportWhitespace() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
