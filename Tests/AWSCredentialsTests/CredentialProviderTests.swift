import AWSSigning
import Foundation
import HTTPTransport
import Testing
@testable import AWSCredentials

@Suite("Credential providers", .serialized)
struct CredentialProviderTests {
    let http: HTTPClient

    init() throws {
        http = try HTTPClient()
    }

    @Test func environmentKeys() async throws {
        let provider = EnvironmentCredentials(environment: ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret",
                                                            "AWS_SESSION_TOKEN": "env-token"])
        let credentials = try #require(try await provider.credentials())
        #expect(credentials.accessKeyID == "AKIDENV")
        #expect(credentials.sessionToken == "env-token")
        #expect(try await EnvironmentCredentials(environment: [:]).credentials() == nil)
        await #expect(throws: CredentialsError.self) {
            try await EnvironmentCredentials(environment: ["AWS_ACCESS_KEY_ID": "AKID"]).credentials()
        }
    }

    @Test func sharedFilesProfilesAndPrecedence() async throws {
        let home = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: home) }
        try """
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = default-secret
        [dev]
        aws_access_key_id = AKIDDEV
        aws_secret_access_key = dev-secret
        """.write(to: home.appendingPathComponent("credentials"), atomically: true, encoding: .utf8)
        try """
        [profile dev]
        region = eu-west-1
        [profile broken]
        aws_access_key_id = AKIDONLY
        """.write(to: home.appendingPathComponent("config"), atomically: true, encoding: .utf8)

        let envKeys = ["AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret"]
        // The environment wins over the default profile...
        let chain = CredentialChain.standard(environment: isolatedEnvironment(home: home, envKeys), profile: nil, region: nil, http: http)
        #expect(try await chain.credentials()?.accessKeyID == "AKIDENV")
        // ...but an explicit --profile skips the environment, as the AWS CLI does.
        let explicit = CredentialChain.standard(environment: isolatedEnvironment(home: home, envKeys), profile: "dev", region: nil, http: http)
        #expect(try await explicit.credentials()?.accessKeyID == "AKIDDEV")
        // AWS_PROFILE picks the profile when no keys are in the environment.
        let byVariable = CredentialChain.standard(environment: isolatedEnvironment(home: home, ["AWS_PROFILE": "dev"]), profile: nil, region: nil, http: http)
        #expect(try await byVariable.credentials()?.accessKeyID == "AKIDDEV")

        await #expect(throws: CredentialsError.self) {
            try await CredentialChain.standard(environment: isolatedEnvironment(home: home), profile: "missing", region: nil, http: http).credentials()
        }
        do {
            _ = try await CredentialChain.standard(environment: isolatedEnvironment(home: home), profile: "broken", region: nil, http: http).credentials()
            Issue.record("a profile with only an access key id must fail")
        } catch {
            #expect(error.message.contains("broken"))
            #expect(!error.message.contains("default-secret") && !error.message.contains("dev-secret"))
        }
    }

    @Test func credentialProcess() async throws {
        let home = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: home) }
        let script = home.appendingPathComponent("creds.sh")
        try """
        #!/bin/sh
        echo '{"Version": 1, "AccessKeyId": "AKIDPROCESS", "SecretAccessKey": "process-secret", "SessionToken": "process-token", "Expiration": "2099-01-01T00:00:00Z"}'
        """.write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        try "[profile tool]\ncredential_process = \(script.path)\n[profile failing]\ncredential_process = /bin/false\n"
            .write(to: home.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        let credentials = try #require(try await CredentialChain.standard(environment: isolatedEnvironment(home: home), profile: "tool", region: nil, http: http).credentials())
        #expect(credentials.accessKeyID == "AKIDPROCESS")
        #expect(credentials.sessionToken == "process-token")
        #expect(credentials.expiration != nil)
        await #expect(throws: CredentialsError.self) {
            try await CredentialChain.standard(environment: isolatedEnvironment(home: home), profile: "failing", region: nil, http: http).credentials()
        }
    }

    @Test("role_arn with source_profile goes through STS AssumeRole (moto)")
    func assumeRole() async throws {
        let moto = try motoServer()
        defer { moto.stop() }
        let home = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: home) }
        try """
        [profile base]
        aws_access_key_id = AKIDBASEEXAMPLE
        aws_secret_access_key = base-secret
        [profile collector]
        role_arn = arn:aws:iam::123456789012:role/collector
        source_profile = base
        role_session_name = nightly
        region = us-west-2
        """.write(to: home.appendingPathComponent("config"), atomically: true, encoding: .utf8)
        let environment = isolatedEnvironment(home: home, ["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:\(moto.port)"])
        let credentials = try #require(try await CredentialChain.standard(environment: environment, profile: "collector", region: nil, http: http).credentials())
        #expect(credentials.accessKeyID != "AKIDBASEEXAMPLE")
        #expect(credentials.sessionToken?.isEmpty == false)
        #expect(credentials.expiration != nil)
    }

    @Test("AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN go through AssumeRoleWithWebIdentity (moto)")
    func webIdentity() async throws {
        let moto = try motoServer()
        defer { moto.stop() }
        let home = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: home) }
        let tokenFile = home.appendingPathComponent("token")
        try "eyJhbGciOiJSUzI1NiJ9.e30.signature".write(to: tokenFile, atomically: true, encoding: .utf8)
        let environment = isolatedEnvironment(home: home, [
            "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile.path,
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/irsa",
            "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:\(moto.port)",
        ])
        let chain = CredentialChain.standard(environment: environment, profile: nil, region: "us-east-1", http: http)
        let credentials = try #require(try await chain.credentials())
        #expect(credentials.sessionToken?.isEmpty == false)
    }

    @Test func containerCredentialsWithTokenFile() async throws {
        let server = try metadataServer()
        defer { server.stop() }
        let home = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: home) }
        let tokenFile = home.appendingPathComponent("container-token")
        try "container-authorization-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        let environment = isolatedEnvironment(home: home, [
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:\(server.port)/ecs/credentials",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tokenFile.path,
        ])
        let credentials = try #require(try await CredentialChain.standard(environment: environment, profile: nil, region: nil, http: http).credentials())
        #expect(credentials.accessKeyID.hasPrefix("ASIAECS"))
        // A full URI over plain HTTP to a host that is not loopback is refused.
        let unsafe = ContainerCredentials(environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"], http: http)
        await #expect(throws: CredentialsError.self) { try await unsafe.credentials() }
    }

    @Test func instanceMetadataV2() async throws {
        let server = try metadataServer()
        defer { server.stop() }
        let provider = InstanceMetadataCredentials(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(server.port)"], http: http)
        let credentials = try #require(try await provider.credentials())
        #expect(credentials.accessKeyID.hasPrefix("ASIAIMDS"))
        #expect(credentials.sessionToken?.hasPrefix("imds-session-token") == true)
        #expect(try await InstanceMetadataCredentials(environment: ["AWS_EC2_METADATA_DISABLED": "true"], http: http).credentials() == nil)
    }

    @Test("no IMDS listening: the chain ends quickly without credentials")
    func instanceMetadataAbsent() async throws {
        let port = try freePort()
        let started = Date()
        let provider = InstanceMetadataCredentials(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(port)"], http: http)
        #expect(try await provider.credentials() == nil)
        // Refused at once on loopback; the bound leaves room for a loaded CI machine.
        #expect(Date().timeIntervalSince(started) < 6)
    }

    @Test("temporary credentials are cached and refreshed before expiry, once for many callers")
    func cachingAndRefresh() async throws {
        // Credentials valid for 200 s: inside the 300 s margin, so every ask refreshes...
        let server = try metadataServer(expiresIn: 200)
        defer { server.stop() }
        let provider = InstanceMetadataCredentials(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(server.port)"], http: http)
        let cache = CachedCredentials(provider)
        // ...but concurrent callers share one refresh.
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0 ..< 8 { group.addTask { try await cache.credentials().accessKeyID } }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(keys.count == 1)
        let second = try await cache.credentials().accessKeyID
        #expect(second != keys.first, "credentials inside the refresh margin must be fetched again")

        let longLived = try metadataServer(expiresIn: 3600)
        defer { longLived.stop() }
        let stable = CachedCredentials(InstanceMetadataCredentials(environment: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:\(longLived.port)"], http: http))
        let first = try await stable.credentials().accessKeyID
        #expect(try await stable.credentials().accessKeyID == first)
        await stable.invalidate()
        #expect(try await stable.credentials().accessKeyID != first)
    }

    @Test func sharedConfigParsing() {
        let file = SharedConfigFile(text: """
            [default]
            region = us-west-2 ; a comment
            s3 =
              addressing_style = path
            [profile dev]
            role_arn = arn:aws:iam::1:role/x # a comment
            [sso-session corp]
            sso_region = eu-west-1
            """, kind: .config)
        #expect(file.profiles["default"]?["region"] == "us-west-2")
        #expect(file.profiles["default"]?["s3.addressing_style"] == "path")
        #expect(file.profiles["dev"]?["role_arn"] == "arn:aws:iam::1:role/x")
        #expect(file.sections["sso-session corp"]?["sso_region"] == "eu-west-1")
    }
}
