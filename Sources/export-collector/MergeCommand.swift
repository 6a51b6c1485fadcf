import ArgumentParser
import Collector

struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the output folders of shards (run --shard I/N) into one.",
        discussion: """
            Places every input's sessions/*.json, archives/ and files/ in the target (hard links on one \
            filesystem, else copies; each through a temp name and a rename) and rebuilds manifest.json and \
            the reports, as 'report' does. A session in two inputs keeps the manifest with the newer \
            collectedAt, with a warning. Nothing in the target is deleted. A shard folder without shard.json \
            (its run did not finish) or a shard missing from the set is a warning. Inputs that a run is \
            still writing are refused. Exit status: 0 merged and complete, 1 a session manifest was \
            malformed or the shards are incomplete (each named on stderr), 2 usage error, 3 an input \
            unreadable or the target not writable. Inputs and the target may be s3://bucket/prefix/ \
            (downloaded to a local work folder, merged, the target's changed sessions uploaded).
            """
    )

    @Argument(help: ArgumentHelp("Output folders of the shards (each holding sessions/).", valueName: "dir"))
    var inputs: [String]

    @Option(name: [.customShort("o"), .long], help: ArgumentHelp("The merged output folder (created if missing).", valueName: "dir"))
    var output: String

    @Option(help: ArgumentHelp("Reports to write, comma-separated: html, markdown, csv, jsonl (default: all).", valueName: "list"))
    var formats: String?

    @Flag(help: "Print the merge's counts and the run manifest's totals as JSON.")
    var json = false

    @Option(help: ArgumentHelp("With an s3:// target: objects larger than this go up in parts (5 MiB to 5 GiB).", valueName: "bytes"))
    var multipartThresholdBytes: UInt64 = 16 << 20

    @OptionGroup var aws: AWSOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("merge needs at least one input folder") }
        for path in inputs + [output] {
            if let problem = S3OutputLocation.problem(path) { throw ValidationError("cannot merge \(path): \(problem)") }
        }
        if let formats, case .failure(let error) = ReportFormat.parseList(formats) {
            throw ValidationError("--formats: \(error)")
        }
    }

    func run() async throws {
        logging.bootstrap()
        var selected = Set(ReportFormat.allCases)
        if let formats, case .success(let parsed) = ReportFormat.parseList(formats) { selected = parsed }
        let job = MergeJob(inputs: inputs, output: output, formats: selected, json: json)
        let outcome = RemoteMergeJob.involvesS3(inputs: inputs, output: output)
            ? await RemoteMergeJob(merge: job, settings: try aws.settings(),
                                   multipartThresholdBytes: multipartThresholdBytes).run { Console.out(bytes: $0) }
            : job.run { Console.out(bytes: $0) }
        for line in outcome.messages { Console.error(line) }
        if outcome.status != .success { throw ExitCode(outcome.status.rawValue) }
    }
}
