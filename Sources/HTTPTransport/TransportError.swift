import Foundation

/// A transport failure with the machine word manifests use (`kind`) and one
/// clear line for people (`message`).
///
/// Messages never hold request or response header values (they may carry
/// credentials), and URLs in them have their query string removed (presigned
/// URLs carry signatures there).
package struct TransportError: Error, Sendable, CustomStringConvertible {
    package enum Kind: String, Sendable, CaseIterable {
        /// libcurl failed in a way no other kind describes (setup, internal errors).
        case curl
        /// No connection could be established (refused, unreachable, proxy).
        case connect
        /// The host name (or the proxy's) could not be resolved.
        case dns
        /// TLS handshake or certificate verification failed.
        case tls
        /// A clock ran out: the connect timeout or the overall deadline.
        case timeout
        /// Fewer than the configured bytes per second arrived for too long.
        case stalled
        /// The calling task was cancelled, or the client shut down.
        case cancelled
        /// The body sink (or the head handler) threw; `underlying` holds its error.
        case sink
        /// The peer broke the protocol, or a redirect left HTTP(S).
        case protocolError = "protocol"
        /// The connection ended before the announced body was complete.
        case truncated
        /// A body was larger than the caller accepts.
        case tooLarge = "too_large"
        /// Sending or receiving on an established connection failed.
        case network
        /// The request itself cannot be sent (bad method, header, URL).
        case invalidRequest = "invalid_request"
    }

    package var kind: Kind
    package var message: String
    /// The curl easy code behind this error, when there is one.
    package var curlCode: Int?
    /// What the sink threw, for `.sink`.
    package var underlying: (any Error)?

    package init(_ kind: Kind, _ message: String, curlCode: Int? = nil, underlying: (any Error)? = nil) {
        self.kind = kind
        self.message = message
        self.curlCode = curlCode
        self.underlying = underlying
    }

    package var description: String { "\(kind.rawValue): \(message)" }
}

/// Removes query strings and fragments from a URL before it goes into a message.
package func redactedURL(_ url: String) -> String {
    var end = url.endIndex
    if let q = url.firstIndex(where: { $0 == "?" || $0 == "#" }) { end = q }
    // User information (user:password@) never goes into messages either.
    var shown = String(url[..<end])
    if let scheme = shown.range(of: "://") {
        let authorityEnd = shown[scheme.upperBound...].firstIndex(of: "/") ?? shown.endIndex
        if let at = shown[scheme.upperBound..<authorityEnd].lastIndex(of: "@") {
            shown.removeSubrange(scheme.upperBound...at)
        }
    }
    return shown
}

/// Redacts every URL-looking word of a libcurl error text.
func redactedCurlText(_ text: String) -> String {
    text.split(separator: " ", omittingEmptySubsequences: false).map { word in
        word.contains("://") || word.hasPrefix("/") ? redactedURL(String(word)) : String(word)
    }.joined(separator: " ")
}
