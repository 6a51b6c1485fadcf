import HTTPTransport

/// The credential providers' HTTP calls go through the process's libcurl client.
extension HTTPClient: CredentialsHTTP {
    package func send(_ request: CredentialsHTTPRequest) async throws -> CredentialsHTTPResponse {
        // The transport sets Content-Length for a body itself.
        let headers = request.headers
        let timeouts = HTTPTimeouts(connect: .milliseconds(Int(request.connectTimeout * 1000)),
                                    deadline: .milliseconds(Int(request.totalTimeout * 1000)))
        let (head, body) = try await data(HTTPRequest(method: request.method, url: request.url, headers: headers, body: request.body),
                                          limit: 1 << 20, timeouts: timeouts)
        return CredentialsHTTPResponse(status: head.status, body: body)
    }
}
