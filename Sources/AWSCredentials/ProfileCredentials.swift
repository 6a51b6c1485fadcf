import AWSSigning
import Foundation

/// Credentials named by a profile of the shared `credentials` and `config`
/// files: static keys, `credential_process`, `role_arn` with `source_profile`
/// or `credential_source` (STS `AssumeRole`), or `role_arn` with
/// `web_identity_token_file`.
package struct ProfileCredentials: CredentialProvider {
    package let profile: String
    /// The profile was asked for (`--profile`, `AWS_PROFILE`): its absence is an error.
    package let explicit: Bool
    package let files: SharedConfigFiles
    package let environment: [String: String]
    package let http: any CredentialsHTTP
    package var name: String { "profile \(profile)" }

    package init(profile: String, explicit: Bool, files: SharedConfigFiles, environment: [String: String], http: any CredentialsHTTP) {
        self.profile = profile
        self.explicit = explicit
        self.files = files
        self.environment = environment
        self.http = http
    }

    package func credentials() async throws(CredentialsError) -> Credentials? {
        guard files.hasProfile(profile) else {
            if explicit {
                throw CredentialsError(.invalidConfiguration, "profile \(profile) is in neither \(files.credentialsPath) nor \(files.configPath)")
            }
            return nil
        }
        return try await resolve(profile, visited: [])
    }

    private func resolve(_ name: String, visited: [String]) async throws(CredentialsError) -> Credentials {
        guard !visited.contains(name) else {
            throw CredentialsError(.invalidConfiguration, "profiles \((visited + [name]).joined(separator: " -> ")) form a source_profile loop")
        }
        let settings = files.settings(of: name)
        guard !settings.isEmpty || files.hasProfile(name) else {
            throw CredentialsError(.invalidConfiguration, "source profile \(name) is in neither \(files.credentialsPath) nor \(files.configPath)")
        }
        if let role = settings["role_arn"] {
            let sts = STSClient(http: http, region: settings["region"] ?? files.settings(of: profile)["region"] ?? "us-east-1",
                                endpoint: environment["AWS_ENDPOINT_URL_STS"] ?? settings["endpoint_url"] ?? environment["AWS_ENDPOINT_URL"])
            let sessionName = settings["role_session_name"] ?? "export-collector-\(Int(Date().timeIntervalSince1970))"
            if let tokenFile = settings["web_identity_token_file"] {
                let provider = WebIdentityCredentials(tokenFile: tokenFile, roleARN: role, sessionName: sessionName, sts: sts)
                guard let credentials = try await provider.credentials() else {
                    throw CredentialsError(.providerFailed, "profile \(name): web identity gave no credentials")
                }
                return credentials
            }
            let source: Credentials
            if let sourceProfile = settings["source_profile"] {
                // A source profile's own role_arn is followed, except the profile itself
                // holding static keys next to role_arn (the SDKs' rule).
                if sourceProfile == name, let keys = staticKeys(settings) {
                    source = keys
                } else {
                    source = try await resolve(sourceProfile, visited: visited + [name])
                }
            } else if let credentialSource = settings["credential_source"] {
                source = try await fromCredentialSource(credentialSource, profile: name)
            } else {
                throw CredentialsError(.invalidConfiguration, "profile \(name) has role_arn but neither source_profile, credential_source nor web_identity_token_file")
            }
            let duration = settings["duration_seconds"].flatMap(Int.init)
            return try await sts.assumeRole(roleARN: role, sessionName: sessionName, externalID: settings["external_id"],
                                            durationSeconds: duration, using: source)
        }
        if let keys = staticKeys(settings) { return keys }
        if settings["aws_access_key_id"] != nil || settings["aws_secret_access_key"] != nil {
            throw CredentialsError(.invalidConfiguration, "profile \(name) has only one of aws_access_key_id and aws_secret_access_key")
        }
        if let command = settings["credential_process"] {
            guard let credentials = try await ProcessCredentials(command: command, profile: name).credentials() else {
                throw CredentialsError(.providerFailed, "credential_process of profile \(name) gave no credentials")
            }
            return credentials
        }
        if settings["sso_session"] != nil || settings["sso_start_url"] != nil {
            throw CredentialsError(.invalidConfiguration, "profile \(name) uses IAM Identity Center (SSO), which export-collector does not read; export credentials with `aws configure export-credentials --profile \(name) --format env`")
        }
        throw CredentialsError(.invalidConfiguration, "profile \(name) holds no credentials (no keys, role_arn or credential_process)")
    }

    private func staticKeys(_ settings: [String: String]) -> Credentials? {
        guard let keyID = settings["aws_access_key_id"], let secret = settings["aws_secret_access_key"],
              !keyID.isEmpty, !secret.isEmpty else { return nil }
        return Credentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: settings["aws_session_token"])
    }

    private func fromCredentialSource(_ source: String, profile: String) async throws(CredentialsError) -> Credentials {
        let provider: any CredentialProvider
        switch source {
        case "Environment": provider = EnvironmentCredentials(environment: environment)
        case "Ec2InstanceMetadata": provider = InstanceMetadataCredentials(environment: environment, http: http)
        case "EcsContainer": provider = ContainerCredentials(environment: environment, http: http)
        default:
            throw CredentialsError(.invalidConfiguration, "profile \(profile): credential_source \(source) is not Environment, Ec2InstanceMetadata or EcsContainer")
        }
        guard let credentials = try await provider.credentials() else {
            throw CredentialsError(.providerFailed, "profile \(profile): credential_source \(source) has no credentials")
        }
        return credentials
    }
}

/// The shared `config` and `credentials` files as the SDKs find them
/// (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/…`).
package struct SharedConfigFiles: Sendable {
    package let configPath: String
    package let credentialsPath: String
    package let config: SharedConfigFile
    package let credentials: SharedConfigFile

    package init(environment: [String: String]) {
        let home = environment["HOME"] ?? NSHomeDirectory()
        func expand(_ path: String) -> String { path.hasPrefix("~/") ? home + path.dropFirst() : path }
        configPath = expand(environment["AWS_CONFIG_FILE"] ?? "~/.aws/config")
        credentialsPath = expand(environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials")
        func load(_ path: String, _ kind: SharedConfigFile.Kind) -> SharedConfigFile {
            let text = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
            return SharedConfigFile(text: text, kind: kind)
        }
        config = load(configPath, .config)
        credentials = load(credentialsPath, .credentials)
    }

    package func hasProfile(_ name: String) -> Bool {
        config.profiles[name] != nil || credentials.profiles[name] != nil
    }

    /// The profile's settings, the credentials file winning over the config file.
    package func settings(of name: String) -> [String: String] {
        (config.profiles[name] ?? [:]).merging(credentials.profiles[name] ?? [:]) { _, fromCredentials in fromCredentials }
    }
}
