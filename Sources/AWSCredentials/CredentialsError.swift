/// Why credentials could not be had. Messages name the provider and the
/// setting at fault, never a secret.
package struct CredentialsError: Error, Sendable, CustomStringConvertible {
    package enum Kind: String, Sendable {
        /// No provider of the chain is configured.
        case notFound = "no_credentials"
        /// A setting is present but unusable (missing secret, bad profile).
        case invalidConfiguration = "invalid_configuration"
        /// A configured provider failed (STS refused, endpoint unreachable, process failed).
        case providerFailed = "provider_failed"
    }

    package var kind: Kind
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { message }
}
