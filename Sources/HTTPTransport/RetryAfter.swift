import Foundation

extension HTTPResponseHead {
    /// How long the server asked to wait before the next attempt: the
    /// `Retry-After` header of a 429 or 503 response in its delta-seconds
    /// form (RFC 9110, section 10.2.3). `nil` for other statuses, without the
    /// header, and for the HTTP-date form or anything malformed: AWS sends
    /// seconds, and a date would need the server's clock to agree with ours.
    package var retryAfter: Duration? {
        guard status == 429 || status == 503,
              let raw = value(forHeader: "Retry-After")?.trimmingCharacters(in: .whitespaces),
              !raw.isEmpty, raw.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let seconds = Int(raw) else { return nil }
        return .seconds(seconds)
    }
}
