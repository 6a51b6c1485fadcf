import AWSSigning
import Foundation

/// One source of credentials in the chain.
package protocol CredentialProvider: Sendable {
    /// A short name for messages and logs (`environment`, `profile dev`, `imds`).
    var name: String { get }
    /// The credentials, or `nil` when this source is not configured (the chain
    /// then asks the next one).
    /// - Throws: `CredentialsError` when the source is configured but fails.
    func credentials() async throws(CredentialsError) -> Credentials?
}

/// Parses the `Expiration` fields of STS, the container endpoint, IMDS and
/// `credential_process` (ISO 8601, with or without fractional seconds).
func parseExpiration(_ text: String?) -> Date? {
    guard let text, !text.isEmpty else { return nil }
    if let date = try? Date(text, strategy: .iso8601) { return date }
    let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    return try? withFraction.parse(text)
}
