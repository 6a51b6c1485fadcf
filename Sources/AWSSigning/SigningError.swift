/// A request that cannot be signed, with a machine word for its kind.
///
/// Shaped like swift-subprocess's `SubprocessError`: a ``Code`` (a struct over
/// an internal enum, so codes can be added without breaking callers) and a
/// one-line message.
package struct SigningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, as a stable machine word.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Storage: String, Sendable, Hashable {
            case invalidURL = "invalid_url"
            case invalidExpiration = "invalid_expiration"
            case invalidHeader = "invalid_header"
        }

        let storage: Storage

        /// The URL is not an absolute `http`/`https` URL the signer can take apart.
        package static let invalidURL = Code(storage: .invalidURL)
        /// A presigned URL's lifetime is outside 1…604800 seconds.
        package static let invalidExpiration = Code(storage: .invalidExpiration)
        /// A header name is empty or not an HTTP token.
        package static let invalidHeader = Code(storage: .invalidHeader)

        package var description: String { storage.rawValue }
    }

    package var code: Code
    package var message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "\(code): \(message)" }
}
