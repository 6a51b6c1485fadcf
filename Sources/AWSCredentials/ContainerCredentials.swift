import AWSSigning
import Foundation

/// ECS and EKS Pod Identity container credentials:
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on 169.254.170.2) or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` (HTTPS anywhere, plain HTTP only to
/// loopback or the ECS/EKS link-local hosts), with the authorization token from
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
package struct ContainerCredentials: CredentialProvider {
    package let environment: [String: String]
    package let http: any CredentialsHTTP
    package var name: String { "container credentials" }

    package init(environment: [String: String], http: any CredentialsHTTP) {
        self.environment = environment
        self.http = http
    }

    package var endpoint: String? {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], !relative.isEmpty {
            return "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        }
        if let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"], !full.isEmpty { return full }
        return nil
    }

    package func credentials() async throws(CredentialsError) -> Credentials? {
        guard let endpoint else { return nil }
        if endpoint.lowercased().hasPrefix("http://") {
            let host = hostOf(endpoint).host.split(separator: ":").first.map(String.init) ?? ""
            let allowed = ["localhost", "127.0.0.1", "169.254.170.2", "169.254.170.23", "[::1]", "[fd00:ec2::23]"]
            guard allowed.contains(host) || host.hasPrefix("127.") || host.hasPrefix("[::1]") else {
                throw CredentialsError(.invalidConfiguration, "AWS_CONTAINER_CREDENTIALS_FULL_URI must be HTTPS, or HTTP to loopback or the ECS/EKS address; \(host) is neither")
            }
        } else if !endpoint.lowercased().hasPrefix("https://") {
            throw CredentialsError(.invalidConfiguration, "container credentials URI must be http(s)")
        }
        var headers: [(name: String, value: String)] = []
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], !file.isEmpty {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CredentialsError(.invalidConfiguration, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(file) cannot be read")
            }
            headers.append((name: "Authorization", value: String(decoding: data, as: UTF8.self).trimmingWhitespace()))
        } else if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"], !token.isEmpty {
            headers.append((name: "Authorization", value: token))
        }
        let response: CredentialsHTTPResponse
        do {
            response = try await http.send(CredentialsHTTPRequest(method: "GET", url: endpoint, headers: headers,
                                                                  connectTimeout: 2, totalTimeout: 10))
        } catch {
            throw CredentialsError(.providerFailed, "container credentials endpoint \(hostOf(endpoint).host) unreachable: \(error)")
        }
        guard response.status == 200 else {
            throw CredentialsError(.providerFailed, "container credentials endpoint answered HTTP \(response.status)")
        }
        return try decodeCredentialsJSON(response.body, source: name)
    }
}

/// The JSON shape both the container endpoint and IMDS return.
func decodeCredentialsJSON(_ body: [UInt8], source: String) throws(CredentialsError) -> Credentials {
    struct Answer: Decodable {
        var AccessKeyId: String
        var SecretAccessKey: String
        var Token: String?
        var Expiration: String?
    }
    guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(body)) else {
        throw CredentialsError(.providerFailed, "\(source) answered without AccessKeyId and SecretAccessKey")
    }
    return Credentials(accessKeyID: answer.AccessKeyId, secretAccessKey: answer.SecretAccessKey,
                       sessionToken: answer.Token, expiration: parseExpiration(answer.Expiration))
}
