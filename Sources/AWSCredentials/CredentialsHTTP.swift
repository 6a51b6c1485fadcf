/// The few HTTP calls credential providers make (STS, the container endpoint,
/// IMDS), kept behind a small protocol so each provider is testable on its own.
package protocol CredentialsHTTP: Sendable {
    func send(_ request: CredentialsHTTPRequest) async throws -> CredentialsHTTPResponse
}

package struct CredentialsHTTPRequest: Sendable {
    package var method: String
    package var url: String
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]?
    /// Seconds; IMDS uses short ones so a laptop without it is not stalled.
    package var connectTimeout: Double
    package var totalTimeout: Double

    package init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil,
                 connectTimeout: Double = 5, totalTimeout: Double = 30) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
    }
}

package struct CredentialsHTTPResponse: Sendable {
    package var status: Int
    package var body: [UInt8]

    package init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}
