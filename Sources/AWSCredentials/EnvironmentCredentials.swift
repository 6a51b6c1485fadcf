import AWSSigning

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (and
/// `AWS_CREDENTIAL_EXPIRATION`), first in the chain as in every AWS SDK.
package struct EnvironmentCredentials: CredentialProvider {
    package let environment: [String: String]
    package var name: String { "environment" }

    package init(environment: [String: String]) {
        self.environment = environment
    }

    package func credentials() async throws(CredentialsError) -> Credentials? {
        let keyID = environment["AWS_ACCESS_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 }
        let secret = environment["AWS_SECRET_ACCESS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        switch (keyID, secret) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw CredentialsError(.invalidConfiguration, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        case (nil, .some):
            throw CredentialsError(.invalidConfiguration, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
        case (let keyID?, let secret?):
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return Credentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token,
                               expiration: parseExpiration(environment["AWS_CREDENTIAL_EXPIRATION"]))
        }
    }
}
