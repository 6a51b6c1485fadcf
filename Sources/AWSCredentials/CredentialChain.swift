import AWSSigning
import Foundation

/// The standard chain, in the AWS SDKs' order: environment; web identity from
/// the environment; the profile of the shared files; container credentials;
/// EC2 instance metadata. With an explicit `--profile`, environment keys are
/// not used (as the AWS CLI does).
package struct CredentialChain: CredentialProvider {
    package let providers: [any CredentialProvider]
    package var name: String { "credential chain" }

    package init(providers: [any CredentialProvider]) {
        self.providers = providers
    }

    /// The chain for this process's environment.
    /// - Parameter profile: `--profile`, which wins over `AWS_PROFILE`.
    package static func standard(environment: [String: String], profile: String?, region: String?, http: any CredentialsHTTP) -> CredentialChain {
        let files = SharedConfigFiles(environment: environment)
        let explicitProfile = profile ?? environment["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
        let profileName = explicitProfile ?? "default"
        var providers: [any CredentialProvider] = []
        if profile == nil { providers.append(EnvironmentCredentials(environment: environment)) }
        if let tokenFile = environment["AWS_WEB_IDENTITY_TOKEN_FILE"], let role = environment["AWS_ROLE_ARN"],
           !tokenFile.isEmpty, !role.isEmpty {
            let stsRegion = region ?? files.settings(of: profileName)["region"] ?? "us-east-1"
            let sts = STSClient(http: http, region: stsRegion,
                                endpoint: environment["AWS_ENDPOINT_URL_STS"] ?? environment["AWS_ENDPOINT_URL"])
            providers.append(WebIdentityCredentials(tokenFile: tokenFile, roleARN: role,
                                                    sessionName: environment["AWS_ROLE_SESSION_NAME"], sts: sts))
        }
        providers.append(ProfileCredentials(profile: profileName, explicit: explicitProfile != nil, files: files,
                                            environment: environment, http: http))
        providers.append(ContainerCredentials(environment: environment, http: http))
        providers.append(InstanceMetadataCredentials(environment: environment, http: http))
        return CredentialChain(providers: providers)
    }

    package func credentials() async throws(CredentialsError) -> Credentials? {
        for provider in providers {
            if let credentials = try await provider.credentials() { return credentials }
        }
        return nil
    }
}

/// Caches the chain's credentials and refreshes them shortly before they
/// expire, one refresh at a time however many requests ask at once (the actor
/// holds the in-flight refresh, as Soto's `ExpiringValue` does).
package actor CachedCredentials {
    private let provider: any CredentialProvider
    private let refreshMargin: TimeInterval
    private let clock: @Sendable () -> Date
    private var current: Credentials?
    private var refreshing: Task<Credentials, any Error>?

    /// - Parameter refreshMargin: refresh this long before expiry (5 minutes, as the SDKs).
    package init(_ provider: any CredentialProvider, refreshMargin: TimeInterval = 300,
                 clock: @escaping @Sendable () -> Date = { Date() }) {
        self.provider = provider
        self.refreshMargin = refreshMargin
        self.clock = clock
    }

    package func credentials() async throws(CredentialsError) -> Credentials {
        if let current, !current.isExpired(at: clock(), margin: refreshMargin) { return current }
        let task: Task<Credentials, any Error>
        if let refreshing {
            task = refreshing
        } else {
            let provider = provider
            task = Task {
                guard let credentials = try await provider.credentials() else {
                    throw CredentialsError(.notFound, "no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE, ~/.aws/credentials), web identity, or run where container or instance credentials exist")
                }
                return credentials
            }
            refreshing = task
        }
        defer { refreshing = nil }
        do {
            let fresh = try await task.value
            current = fresh
            return fresh
        } catch let error as CredentialsError {
            throw error
        } catch {
            throw CredentialsError(.providerFailed, "\(error)")
        }
    }

    /// Forgets the cached credentials (the service said they expired).
    package func invalidate() {
        current = nil
    }
}
