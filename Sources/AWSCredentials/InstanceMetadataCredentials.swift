import AWSSigning

/// EC2 instance role credentials through IMDSv2: a session token first (PUT),
/// then the role name and its credentials. Short timeouts and one attempt, so
/// a machine without IMDS (a laptop, CI) moves on in about a second.
/// `AWS_EC2_METADATA_DISABLED=true` switches it off;
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT` points it elsewhere (tests).
package struct InstanceMetadataCredentials: CredentialProvider {
    package let environment: [String: String]
    package let http: any CredentialsHTTP
    package var name: String { "EC2 instance metadata" }

    package init(environment: [String: String], http: any CredentialsHTTP) {
        self.environment = environment
        self.http = http
    }

    package func credentials() async throws(CredentialsError) -> Credentials? {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" { return nil }
        var base = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254"
        while base.hasSuffix("/") { base.removeLast() }
        let token: String
        do {
            let response = try await http.send(CredentialsHTTPRequest(
                method: "PUT", url: base + "/latest/api/token",
                headers: [(name: "X-aws-ec2-metadata-token-ttl-seconds", value: "21600")],
                connectTimeout: 1, totalTimeout: 2))
            guard response.status == 200 else { return nil }
            token = response.text.trimmingWhitespace()
        } catch {
            // Nothing listens: not on EC2. The chain ends without credentials.
            return nil
        }
        let headers = [(name: "X-aws-ec2-metadata-token", value: token)]
        let listing = base + "/latest/meta-data/iam/security-credentials/"
        do {
            let roles = try await http.send(CredentialsHTTPRequest(method: "GET", url: listing, headers: headers,
                                                                   connectTimeout: 1, totalTimeout: 2))
            guard roles.status == 200 else {
                if roles.status == 404 { return nil }
                throw CredentialsError(.providerFailed, "instance metadata answered HTTP \(roles.status) for the role name")
            }
            guard let role = roles.text.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
                return nil
            }
            let answer = try await http.send(CredentialsHTTPRequest(method: "GET", url: listing + role, headers: headers,
                                                                    connectTimeout: 1, totalTimeout: 5))
            guard answer.status == 200 else {
                throw CredentialsError(.providerFailed, "instance metadata answered HTTP \(answer.status) for role \(role)")
            }
            return try decodeCredentialsJSON(answer.body, source: "\(name) (role \(role))")
        } catch let error as CredentialsError {
            throw error
        } catch {
            throw CredentialsError(.providerFailed, "\(name) failed: \(error)")
        }
    }
}
