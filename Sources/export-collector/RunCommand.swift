import ArgumentParser
import Collector
import Logging

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Collect the exported files of every listed session: list, resolve, fetch, index, publish.",
        discussion: """
            Reads pipeline.json (or --config FILE; JSON Schema: pipeline.schema.json). Writes \
            <output.dir>/sessions/<sessionId>.json for each session, archives/, files/ when index.extract \
            is set, manifest.json and the reports. Incremental: a session collected earlier from the same \
            object (ETag) is not downloaded again; --force collects everything again. A lock keeps two runs \
            out of one folder; a killed run leaves no half-written file and the next run finishes its work. \
            Exit status: 0 all collected and verified, 1 a session failed (details in its manifest), \
            2 configuration or usage error, 3 the run could not proceed (credentials, listing, output folder).
            """
    )

    @Option(help: ArgumentHelp("The pipeline configuration.", valueName: "file"))
    var config = "pipeline.json"

    @Flag(help: "List and resolve what would be collected and its size; download and write nothing.")
    var dryRun = false

    @Flag(help: "Collect every session again, even those collected earlier from the same object.")
    var force = false

    @Option(help: ArgumentHelp("Write here instead of output.dir.", valueName: "dir"))
    var output: String?

    @Flag(help: "Print the run summary as JSON on standard output.")
    var json = false

    @Option(help: ArgumentHelp(
        "Collect only shard I of N (0-based): the sessions whose FNV-1a 64-bit hash of the ARN, mod N, is I. "
            + "auto/N takes I from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch "
            + "array job). Writes <output>/shard-I-of-N/ at requestsPerSecond / N; 'merge' combines the shards.",
        valueName: "I/N"))
    var shard: String?

    @Option(help: ArgumentHelp("This process's GameLift Streams request rate (default source.requestsPerSecond, divided by N with --shard).",
                               valueName: "rate"))
    var requestsPerSecond: Double?

    // AWS Batch starts a dependent job (the merge) only after every child
    // succeeded, and a Kubernetes Job retries or fails a pod that exits 1;
    // a shard whose sessions failed has still done its part.
    @Flag(help: ArgumentHelp("Exit 0, not 1, when the run reached its end but sessions failed (their manifests, shard.json and --json still say 1); for job engines that treat any other status as a crash."))
    var allowFailedSessions = false

    @OptionGroup var aws: AWSOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let shard {
            do throws(ShardError) {
                _ = try ShardRequest.parse(shard)
            } catch {
                // Not "--shard ..." first: the one-line error printer trims leading dashes.
                throw ValidationError("invalid --shard \(shard): \(error.message)")
            }
        }
        if let requestsPerSecond, !(requestsPerSecond >= RunPlan.minimumRequestsPerSecond && requestsPerSecond.isFinite) {
            throw ValidationError("invalid --requests-per-second: must be at least \(RunPlan.minimumRequestsPerSecond)")
        }
    }

    func run() async throws {
        logging.bootstrap()
        let pipeline: PipelineConfig
        var plan: RunPlan
        do throws(ConfigError) {
            pipeline = try PipelineConfig.load(path: config)
            plan = try RunPlan.make(config: pipeline, configFile: config, commandLine: aws.commandLine,
                                    environment: ProcessEnvironment.current())
        } catch {
            // Every problem at once, but not 300,000 lines for a file of bad ids.
            for problem in error.problems.prefix(20) { Console.error("error: invalid configuration (\(error.file)): \(problem)") }
            if error.problems.count > 20 {
                Console.error("error: invalid configuration (\(error.file)): and \(error.problems.count - 20) more problems")
            }
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        if let output { plan.outputDirectory = output }
        if let requestsPerSecond { plan.requestsPerSecond = requestsPerSecond }
        if let shard { try restrict(&plan, shard: shard) }
        plan.collect.force = force
        plan.collect.dryRun = dryRun
        plan.json = json
        plan.progress = !logging.noProgress
        let outcome = await RunJob(plan: plan).run { Console.out(bytes: $0) }
        for line in outcome.errors { Console.error(line) }
        if outcome.status == .failures, allowFailedSessions { return }
        if outcome.status != .success { throw ExitCode(outcome.status.rawValue) }
    }
}

extension RunCommand {
    /// `--shard`: the shard (from the environment for `auto/N`), its folder
    /// and its share of the request rate; a shard that cannot be placed is
    /// one line and exit 2.
    private func restrict(_ plan: inout RunPlan, shard text: String) throws {
        let logger = Logger(label: "export-collector.run")
        do throws(ShardError) {
            let (shard, source) = try ShardRequest.parse(text).resolve(environment: ProcessEnvironment.current())
            plan.restrict(to: shard, requestsPerSecond: requestsPerSecond)
            if let source {
                logger.info("shard \(shard) from \(source.name) (\(source.engine))", metadata: ["output": "\(plan.outputDirectory)"])
            }
            if plan.requestsPerSecond < RunPlan.minimumRequestsPerSecond {
                logger.warning("\(shard.count) shards leave each less than \(RunPlan.minimumRequestsPerSecond) requests per second, the rate limiter's floor: together they will exceed source.requestsPerSecond")
            }
        } catch {
            Console.error("error: \(error.message)")
            throw ExitCode(ExitStatus.usage.rawValue)
        }
    }
}
