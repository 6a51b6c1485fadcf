import ArgumentParser
import Collector

struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download one archive (stage 3 alone): s3://bucket/key signed, or an http(s) URL as is.",
        discussion: """
            Streams to FILE.part and renames it to FILE only when complete and verified (length, \
            S3's full-object checksum, the MD5 of a single-part ETag). An interrupted download resumes \
            from FILE.part with Range and If-Match; an object replaced meanwhile restarts cleanly. \
            Exit status: 0 fetched, 1 missing or damaged object, 2 usage error, 3 credentials, access, \
            network or output folder.
            """
    )

    @Argument(help: "s3://bucket/key, or an http(s):// URL (presigned or public).")
    var source: String

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Where to write the object.", valueName: "file"))
    var output: String

    @Flag(help: "Report bytes, SHA-256, ETag, attempts and resumed bytes as JSON.")
    var json = false

    @Option(help: "Most attempts per download (standard retry mode).")
    var maxAttempts: Int = 5

    @Flag(help: "Do not compute the object's SHA-256 (length and S3's checksum or MD5 are still verified).")
    var noSha256 = false

    @OptionGroup var aws: AWSOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (1 ... 100).contains(maxAttempts) else { throw ValidationError("--max-attempts must be 1…100") }
    }

    func run() async throws {
        logging.bootstrap()
        var job = FetchJob(source: source, output: output, json: json, settings: try aws.settings(), maxAttempts: maxAttempts)
        job.sha256 = !noSha256
        let outcome = await job.run { Console.out(bytes: $0) }
        for line in outcome.errors { Console.error(line) }
        if outcome.status != .success { throw ExitCode(outcome.status.rawValue) }
    }
}

struct PresignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presign",
        abstract: "Print a SigV4 presigned GET URL for s3://bucket/key."
    )

    @Argument(help: "s3://bucket/key")
    var uri: String

    @Option(help: "Lifetime of the URL in seconds, at most 604800 (seven days).")
    var expires: Int = 900

    @OptionGroup var aws: AWSOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (1 ... 604_800).contains(expires) else { throw ValidationError("--expires must be 1…604800 seconds") }
    }

    func run() async throws {
        logging.bootstrap()
        let result = await PresignJob(uri: uri, expires: expires, settings: try aws.settings()).run()
        if let output = result.output { Console.out(output) }
        if let error = result.error { Console.error(error) }
        if result.status != .success { throw ExitCode(result.status.rawValue) }
    }
}
