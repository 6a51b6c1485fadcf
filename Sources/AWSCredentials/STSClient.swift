import AWSSigning
import Foundation

/// The two STS calls of the chain: `AssumeRole` (signed with the source
/// profile's credentials) and `AssumeRoleWithWebIdentity` (unsigned: the web
/// identity token is the proof). Query protocol, form-encoded POST, XML answer.
package struct STSClient: Sendable {
    package let http: any CredentialsHTTP
    package let region: String
    /// `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL`, else the regional endpoint.
    package let endpoint: String

    package init(http: any CredentialsHTTP, region: String, endpoint: String? = nil) {
        self.http = http
        self.region = region
        self.endpoint = endpoint ?? "https://sts.\(region).amazonaws.com"
    }

    package func assumeRole(roleARN: String, sessionName: String, externalID: String?, durationSeconds: Int?,
                            using source: Credentials) async throws(CredentialsError) -> Credentials {
        var form = [("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", roleARN), ("RoleSessionName", sessionName)]
        if let externalID { form.append(("ExternalId", externalID)) }
        if let durationSeconds { form.append(("DurationSeconds", String(durationSeconds))) }
        let body = Array(formEncode(form).utf8)
        let url = endpoint.hasSuffix("/") ? endpoint : endpoint + "/"
        var headers: [SigningRequest.Header] = [.init("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        do {
            let request = try SigningRequest(method: "POST", url: url, headers: headers, payload: .bytes(body))
            let signer = AWSSigner(credentials: source, region: region, service: "sts")
            headers += try signer.signHeaders(request).headers
        } catch {
            throw CredentialsError(.invalidConfiguration, "STS endpoint \(endpoint) cannot be signed for: \(error)")
        }
        let (host, _) = hostOf(url)
        let all = [(name: "Host", value: host)] + headers.map { (name: $0.name, value: $0.value) }
        return try await call(CredentialsHTTPRequest(method: "POST", url: url, headers: all, body: body),
                              action: "AssumeRole", role: roleARN)
    }

    package func assumeRoleWithWebIdentity(roleARN: String, sessionName: String, token: String) async throws(CredentialsError) -> Credentials {
        let form = [("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleARN),
                    ("RoleSessionName", sessionName), ("WebIdentityToken", token)]
        let url = endpoint.hasSuffix("/") ? endpoint : endpoint + "/"
        let request = CredentialsHTTPRequest(
            method: "POST", url: url,
            headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")],
            body: Array(formEncode(form).utf8))
        return try await call(request, action: "AssumeRoleWithWebIdentity", role: roleARN)
    }

    private func call(_ request: CredentialsHTTPRequest, action: String, role: String) async throws(CredentialsError) -> Credentials {
        let response: CredentialsHTTPResponse
        do {
            response = try await http.send(request)
        } catch {
            throw CredentialsError(.providerFailed, "STS \(action) for \(role) failed: \(error)")
        }
        let xml = XMLFields(response.body)
        guard response.status == 200 else {
            let code = xml.first("Code") ?? "HTTP \(response.status)"
            let message = xml.first("Message").map { ": \($0)" } ?? ""
            throw CredentialsError(.providerFailed, "STS \(action) for \(role) refused (\(code))\(message)")
        }
        guard let keyID = xml.first("AccessKeyId"), let secret = xml.first("SecretAccessKey") else {
            throw CredentialsError(.providerFailed, "STS \(action) for \(role) answered without credentials")
        }
        return Credentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: xml.first("SessionToken"),
                           expiration: parseExpiration(xml.first("Expiration")))
    }
}

/// `application/x-www-form-urlencoded` as the AWS query protocol expects:
/// RFC 3986 unreserved characters kept, everything else percent-encoded.
func formEncode(_ pairs: [(String, String)]) -> String {
    pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
}

func percentEncode(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "A") ... UInt8(ascii: "Z"), UInt8(ascii: "a") ... UInt8(ascii: "z"),
             UInt8(ascii: "0") ... UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = Array("0123456789ABCDEF".unicodeScalars)
            out.unicodeScalars.append("%")
            out.unicodeScalars.append(hex[Int(byte >> 4)])
            out.unicodeScalars.append(hex[Int(byte & 0xF)])
        }
    }
    return out
}

/// The host (and port) of an http(s) URL, and its path.
func hostOf(_ url: String) -> (host: String, path: String) {
    guard let schemeEnd = url.firstRange(of: "://") else { return ("", url) }
    let rest = url[schemeEnd.upperBound...]
    let slash = rest.firstIndex(of: "/") ?? rest.endIndex
    return (String(rest[..<slash]), String(rest[slash...]))
}
