import AWSCredentials
import Foundation
import S3

/// Region, profile, endpoints and addressing, resolved as the AWS SDKs do:
/// command line, then environment, then (later) `pipeline.json`, then the
/// shared config file's profile, then defaults (CONTRACTS.md).
package struct AWSSettings: Sendable {
    package var region: String
    /// The profile named on the command line (`--profile`), if any.
    package var explicitProfile: String?
    package var profile: String
    package var s3Endpoint: S3Endpoint?
    package var gameLiftStreamsEndpoint: String?
    package var addressing: S3AddressingStyle
    package var environment: [String: String]

    package struct CommandLine: Sendable {
        package var region: String?
        package var profile: String?
        package var endpointURL: String?
        package var addressingStyle: S3AddressingStyle?

        package init(region: String? = nil, profile: String? = nil, endpointURL: String? = nil,
                     addressingStyle: S3AddressingStyle? = nil) {
            self.region = region
            self.profile = profile
            self.endpointURL = endpointURL
            self.addressingStyle = addressingStyle
        }
    }

    /// What `pipeline.json` says (`region`, `profile`, `endpoints`): below the
    /// command line and the environment, above the shared config file.
    package struct FileLayer: Sendable {
        package var region: String?
        package var profile: String?
        package var gameLiftStreamsEndpoint: String?
        package var s3Endpoint: String?
        package var addressingStyle: S3AddressingStyle?

        package init(region: String? = nil, profile: String? = nil, gameLiftStreamsEndpoint: String? = nil,
                     s3Endpoint: String? = nil, addressingStyle: S3AddressingStyle? = nil) {
            self.region = region
            self.profile = profile
            self.gameLiftStreamsEndpoint = gameLiftStreamsEndpoint
            self.s3Endpoint = s3Endpoint
            self.addressingStyle = addressingStyle
        }
    }

    /// - Throws: `S3Error` `invalidURI` for an endpoint that is not http(s)://host[:port].
    package static func resolve(_ options: CommandLine, environment: [String: String],
                                file: FileLayer = FileLayer()) throws(S3Error) -> AWSSettings {
        func env(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let profile = options.profile ?? env("AWS_PROFILE") ?? file.profile ?? "default"
        let settings = SharedConfigFiles(environment: environment).settings(of: profile)
        let region = options.region ?? env("AWS_REGION") ?? env("AWS_DEFAULT_REGION") ?? file.region ?? settings["region"] ?? "us-east-1"
        let s3URL = options.endpointURL ?? env("AWS_ENDPOINT_URL_S3") ?? env("AWS_ENDPOINT_URL") ?? file.s3Endpoint
            ?? settings["s3.endpoint_url"] ?? settings["endpoint_url"]
        let addressing = options.addressingStyle ?? file.addressingStyle
            ?? settings["s3.addressing_style"].flatMap(S3AddressingStyle.init(rawValue:)) ?? .auto
        let gameLift = options.endpointURL ?? env("AWS_ENDPOINT_URL_GAMELIFTSTREAMS") ?? env("AWS_ENDPOINT_URL")
            ?? file.gameLiftStreamsEndpoint ?? settings["gameliftstreams.endpoint_url"] ?? settings["endpoint_url"]
        // A profile named by pipeline.json counts as explicit, as --profile does:
        // the file chose it on purpose.
        let explicitProfile = options.profile ?? (env("AWS_PROFILE") == nil ? file.profile : nil)
        return AWSSettings(
            region: region, explicitProfile: explicitProfile, profile: profile,
            s3Endpoint: try s3URL.map { url throws(S3Error) in try S3Endpoint(url: url, style: addressing) },
            gameLiftStreamsEndpoint: gameLift, addressing: addressing, environment: environment)
    }
}

/// Replaces the secret parts of a presigned URL (`X-Amz-Signature`,
/// `X-Amz-Credential`, `X-Amz-Security-Token`) with `REDACTED`, for logs,
/// manifests and messages. Only `presign` prints a URL whole.
package func redactPresignedURL(_ url: String) -> String {
    guard let question = url.firstIndex(of: "?") else { return url }
    let secret: Set<String> = ["x-amz-signature", "x-amz-credential", "x-amz-security-token"]
    let query = url[url.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
        let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? String(pair)
        return secret.contains(name.lowercased()) ? "\(name)=REDACTED" : String(pair)
    }
    return String(url[...question]) + query.joined(separator: "&")
}

/// This process's environment, read once per call.
package enum ProcessEnvironment {
    package static func current() -> [String: String] {
        ProcessInfo.processInfo.environment
    }
}
