import ArgumentParser
import Collector

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rebuild the run manifest and the reports of an output folder from its session manifests.",
        discussion: """
            Reads DIR/sessions/*.json and writes DIR/manifest.json and the reports: report.html (one \
            self-contained page: totals, charts, a sortable and filterable table of sessions that expand \
            to their entries), summary.md (for CI step summaries), entries.csv and entries.jsonl (one row \
            per entry, every session at least once). Every file is written atomically. In entries.csv a \
            text cell starting with =, +, -, @, tab or CR gets a leading ' so spreadsheets do not run it \
            as a formula, and NUL is written as U+2400; entries.jsonl keeps the exact values. \
            Exit status: 0 done, 1 some session manifests could not be read (each named on stderr, \
            the rest reported), 2 usage error, 3 DIR or DIR/sessions unreadable or a file not written.
            """
    )

    @Argument(help: ArgumentHelp("The output folder of a run (holding sessions/).", valueName: "dir"))
    var directory: String

    @Option(help: ArgumentHelp("Reports to write, comma-separated: html, markdown, csv, jsonl (default: all).", valueName: "list"))
    var formats: String?

    @Flag(help: "Print the run manifest's totals as JSON.")
    var json = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let formats, case .failure(let error) = ReportFormat.parseList(formats) {
            throw ValidationError("--formats: \(error)")
        }
    }

    func run() throws {
        logging.bootstrap()
        var selected = Set(ReportFormat.allCases)
        if let formats, case .success(let parsed) = ReportFormat.parseList(formats) { selected = parsed }
        let outcome = ReportJob(directory: directory, formats: selected, json: json).run { Console.out(bytes: $0) }
        for line in outcome.messages { Console.error(line) }
        if outcome.status != .success { throw ExitCode(outcome.status.rawValue) }
    }
}
