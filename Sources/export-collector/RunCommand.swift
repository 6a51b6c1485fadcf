import ArgumentParser
import Collector

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

    @OptionGroup var aws: AWSOptions
    @OptionGroup var logging: LoggingOptions

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
        plan.collect.force = force
        plan.collect.dryRun = dryRun
        plan.json = json
        plan.progress = !logging.noProgress
        let outcome = await RunJob(plan: plan).run { Console.out(bytes: $0) }
        for line in outcome.errors { Console.error(line) }
        if outcome.status != .success { throw ExitCode(outcome.status.rawValue) }
    }
}
