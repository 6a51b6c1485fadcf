import ArgumentParser
import Collector
import S3

/// `--region`, `--profile`, `--endpoint-url`, `--s3-addressing-style`: the
/// options every command that talks to AWS takes (CONTRACTS.md).
struct AWSOptions: ParsableArguments {
    @Option(help: "AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1).")
    var region: String?

    @Option(help: "Profile of the shared config and credentials files (else AWS_PROFILE, default).")
    var profile: String?

    @Option(help: ArgumentHelp("Endpoint for both services (else AWS_ENDPOINT_URL_S3 / _GAMELIFTSTREAMS, AWS_ENDPOINT_URL).", valueName: "url"))
    var endpointURL: String?

    @Option(help: "auto, path or virtual: auto uses path style for IP or localhost endpoints and dotted bucket names.")
    var s3AddressingStyle: S3AddressingStyle?

    /// The options as the settings' command-line layer.
    var commandLine: AWSSettings.CommandLine {
        .init(region: region, profile: profile, endpointURL: endpointURL, addressingStyle: s3AddressingStyle)
    }

    func settings() throws -> AWSSettings {
        do throws(S3Error) {
            return try AWSSettings.resolve(
                .init(region: region, profile: profile, endpointURL: endpointURL, addressingStyle: s3AddressingStyle),
                environment: ProcessEnvironment.current())
        } catch {
            throw ValidationError(error.message)
        }
    }
}

extension S3AddressingStyle: ExpressibleByArgument {}
