import AWSSigning
import Foundation

/// `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN` (EKS IRSA, GitHub OIDC):
/// the token file is read afresh on every refresh, as it rotates.
package struct WebIdentityCredentials: CredentialProvider {
    package let tokenFile: String
    package let roleARN: String
    package let sessionName: String
    package let sts: STSClient
    package var name: String { "web identity (\(roleARN))" }

    package init(tokenFile: String, roleARN: String, sessionName: String?, sts: STSClient) {
        self.tokenFile = tokenFile
        self.roleARN = roleARN
        self.sessionName = sessionName ?? "export-collector-\(Int(Date().timeIntervalSince1970))"
        self.sts = sts
    }

    package func credentials() async throws(CredentialsError) -> Credentials? {
        guard let data = FileManager.default.contents(atPath: tokenFile) else {
            throw CredentialsError(.invalidConfiguration, "web identity token file \(tokenFile) cannot be read")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingWhitespace()
        guard !token.isEmpty else {
            throw CredentialsError(.invalidConfiguration, "web identity token file \(tokenFile) is empty")
        }
        return try await sts.assumeRoleWithWebIdentity(roleARN: roleARN, sessionName: sessionName, token: token)
    }
}
