import ArgumentParser
import Collector
import Logging
import ZipIndex

#if canImport(Glibc)
import Glibc
#endif

struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Verify and index one local ZIP archive (stage 4 alone), or list one in S3 from its tail.",
        discussion: """
            Reads the archive once: end of central directory (and ZIP64), central directory, \
            each local header, then inflates every entry with zlib, checking CRC-32 and sizes \
            and computing SHA-256. Unsafe names, symlinks and zip bombs are reported as findings.
            With s3://bucket/key the archive is not downloaded: one or two Range requests read \
            its end records and central directory, and the manifest lists the entries as stored \
            ("mode": "listing", each entry "sha256": null, "verified": false) with the findings \
            that need no data.
            Exit status: 0 verified (or listed), 1 archive or entry failed or unsafe, 2 usage error, \
            3 input unreadable (for s3://: credentials, access, network, no such object).
            """
    )

    @Argument(help: "The ZIP archive to verify, or s3://bucket/key to list without downloading.")
    var archive: String

    @Flag(help: "Print the archive manifest as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Extract safe, verified entries under this folder.", valueName: "dir"))
    var extract: String?

    @Option(help: ArgumentHelp("With --extract, only entries matching this glob (fnmatch, * crosses /). Repeatable.", valueName: "glob"))
    var include: [String] = []

    @Flag(help: "Skip SHA-256 of the archive and entries (CRC-32 is still checked).")
    var noSha256 = false

    @Option(help: "Most entries an archive may have.")
    var maxEntries: UInt64 = IndexOptions().maxEntries

    @Option(help: "Most uncompressed bytes all entries may declare together.")
    var maxUncompressedBytes: UInt64 = IndexOptions().maxUncompressedBytes

    @Option(help: "Highest uncompressed/compressed ratio of an entry that is inflated.")
    var maxCompressionRatio: Double = IndexOptions().maxCompressionRatio

    @Option(help: "Most attempts per request for s3:// (standard retry mode).")
    var maxAttempts: Int = 5

    @OptionGroup var aws: AWSOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if archive.hasPrefix("s3://"), extract != nil {
            throw ValidationError("--extract needs a local archive: an s3:// archive is only listed (fetch it first)")
        }
        guard (1 ... 100).contains(maxAttempts) else { throw ValidationError("--max-attempts must be 1…100") }
        guard maxCompressionRatio.isFinite, maxCompressionRatio >= 1 else {
            throw ValidationError("--max-compression-ratio must be a number of at least 1")
        }
        if !include.isEmpty, extract == nil {
            throw ValidationError("--include selects entries to extract; it needs --extract DIR")
        }
    }

    func run() async throws {
        logging.bootstrap()
        var options = IndexOptions()
        options.sha256 = !noSha256
        options.maxEntries = maxEntries
        options.maxUncompressedBytes = maxUncompressedBytes
        options.maxCompressionRatio = maxCompressionRatio
        let job = IndexJob(
            archivePath: archive,
            options: options,
            extraction: extract.map { ExtractionRequest(directory: $0, include: include) },
            json: json
        )
        let outcome: IndexJob.Outcome
        if job.isRemote {
            // AWS settings are resolved only for s3://: a local index never needs them.
            outcome = await job.run(settings: try aws.settings(), maxAttempts: maxAttempts) { Console.out(bytes: $0) }
        } else {
            outcome = job.run { Console.out(bytes: $0) }
        }
        for line in outcome.errors { Console.error(line) }
        if outcome.status != .success { throw ExitCode(outcome.status.rawValue) }
    }
}

/// `--log-level`, `--log-format`, `--no-progress`: common to every command.
/// Log lines go to standard error; standard output carries results only.
struct LoggingOptions: ParsableArguments {
    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "text or json (JSON Lines on standard error).")
    var logFormat: LogSetup.Format = .text

    @Flag(help: "Do not draw progress on the terminal (index draws none; accepted for scripts shared with run).")
    var noProgress = false

    func bootstrap() {
        LogSetup.bootstrap(level: logLevel, format: logFormat)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogSetup.Format: ExpressibleByArgument {}
