import AWSSigning
import Foundation

/// `credential_process`: runs the configured command and reads the JSON it
/// prints (`Version` 1, `AccessKeyId`, `SecretAccessKey`, `SessionToken`,
/// `Expiration`). The command line is run by `/bin/sh -c`, so quoting works as
/// users write it; its standard error passes through to ours.
package struct ProcessCredentials: CredentialProvider {
    package let command: String
    package let profile: String
    package var name: String { "credential_process of profile \(profile)" }

    package init(command: String, profile: String) {
        self.command = command
        self.profile = profile
    }

    package func credentials() async throws(CredentialsError) -> Credentials? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            throw CredentialsError(.providerFailed, "\(name): cannot start: \(error.localizedDescription)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CredentialsError(.providerFailed, "\(name) exited with status \(process.terminationStatus)")
        }
        struct Answer: Decodable {
            var Version: Int
            var AccessKeyId: String
            var SecretAccessKey: String
            var SessionToken: String?
            var Expiration: String?
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: data) else {
            throw CredentialsError(.providerFailed, "\(name) did not print the expected JSON (Version, AccessKeyId, SecretAccessKey)")
        }
        guard answer.Version == 1 else {
            throw CredentialsError(.providerFailed, "\(name) printed Version \(answer.Version); only 1 is known")
        }
        return Credentials(accessKeyID: answer.AccessKeyId, secretAccessKey: answer.SecretAccessKey,
                           sessionToken: answer.SessionToken, expiration: parseExpiration(answer.Expiration))
    }
}
