import ArgumentParser
import Collector
import GameLiftStreams

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List stream sessions (stage 1 alone), as boto3's paginator returns them.",
        discussion: """
            With --stream-group (repeatable; an id such as sg-1AB2C3De4 or an ARN) the sessions of each \
            group are listed in the order given (ListStreamSessions); with --all, every session of the \
            account and region (ListStreamSessionsByAccount, whose items carry only the export status, \
            not its OutputUri). --max-items, --page-size and --starting-token behave as boto3's \
            PaginationConfig; when --max-items stops early, --json prints the NextToken to resume from. \
            Exit status: 0 listed, 2 usage error, 3 the listing failed (credentials, access, a missing \
            stream group, throttling or the network after retries).
            """
    )

    @Option(name: .customLong("stream-group"), help: ArgumentHelp("A stream group id or ARN (repeatable).", valueName: "id"))
    var streamGroups: [String] = []

    @Flag(help: "Every session of the account and region (ListStreamSessionsByAccount).")
    var all = false

    @Option(help: ArgumentHelp("Only sessions in this status: \(StreamSessionFilterValues.status.joined(separator: ", ")).", valueName: "status"))
    var status: String?

    @Option(help: ArgumentHelp("Only sessions whose export is \(StreamSessionFilterValues.exportFilesStatus.joined(separator: ", ")).", valueName: "status"))
    var exportFilesStatus: String?

    @Option(help: ArgumentHelp("Stop after this many sessions and print a NextToken.", valueName: "n"))
    var maxItems: Int?

    @Option(help: ArgumentHelp("Sessions per request (MaxResults, 1…100; the service's default is 25).", valueName: "n"))
    var pageSize: Int?

    @Option(help: ArgumentHelp("Resume from a NextToken printed by an earlier --max-items listing (or by boto3).", valueName: "token"))
    var startingToken: String?

    @Flag(help: "Print {\"Items\": [...], \"NextToken\": ...} as boto3's paginator does.")
    var json = false

    @Option(help: ArgumentHelp("Client-side limit on API requests per second, shared by every call (the service allows about 20).", valueName: "n"))
    var requestsPerSecond: Double = 20

    @Option(help: "Most attempts per request (standard retry mode).")
    var maxAttempts: Int = 5

    @OptionGroup var aws: AWSOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if all && !streamGroups.isEmpty { throw ValidationError("give --stream-group or --all, not both") }
        if !all && streamGroups.isEmpty { throw ValidationError("give --stream-group ID (repeatable) or --all") }
        if let empty = streamGroups.first(where: { $0.allSatisfy(\.isWhitespace) }) {
            throw ValidationError("--stream-group '\(empty)' is empty")
        }
        if let status, !StreamSessionFilterValues.status.contains(status) {
            throw ValidationError("--status \(status) is not one of \(StreamSessionFilterValues.status.joined(separator: ", "))")
        }
        if let exportFilesStatus, !StreamSessionFilterValues.exportFilesStatus.contains(exportFilesStatus) {
            throw ValidationError("--export-files-status \(exportFilesStatus) is not one of \(StreamSessionFilterValues.exportFilesStatus.joined(separator: ", "))")
        }
        if let pageSize, !(1 ... GameLiftStreamsClient.maximumPageSize).contains(pageSize) {
            throw ValidationError("--page-size must be 1…\(GameLiftStreamsClient.maximumPageSize), not \(pageSize)")
        }
        if let maxItems, maxItems < 1 { throw ValidationError("--max-items must be at least 1, not \(maxItems)") }
        if let startingToken, startingToken.isEmpty { throw ValidationError("--starting-token is empty") }
        if streamGroups.count > 1, maxItems != nil || startingToken != nil {
            throw ValidationError("--max-items and --starting-token resume one listing: give one --stream-group (or --all)")
        }
        guard requestsPerSecond > 0 else {
            throw ValidationError("--requests-per-second must be positive")
        }
        guard (1 ... 100).contains(maxAttempts) else { throw ValidationError("--max-attempts must be 1…100") }
    }

    func run() async throws {
        logging.bootstrap()
        let scopes: [SessionListingScope] = all ? [.account] : streamGroups.map { .streamGroup($0) }
        let job = ListJob(
            scopes: scopes,
            filters: SessionFilters(status: status, exportFilesStatus: exportFilesStatus),
            pagination: PaginationConfig(maxItems: maxItems, pageSize: pageSize, startingToken: startingToken),
            json: json, settings: try aws.settings(), requestsPerSecond: requestsPerSecond, maxAttempts: maxAttempts)
        let outcome = await job.run { Console.out(bytes: $0) }
        for line in outcome.errors { Console.error(line) }
        if outcome.status != .success { throw ExitCode(outcome.status.rawValue) }
    }
}
