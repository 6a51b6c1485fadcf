extension S3Error {
    /// The service refused the request's credentials as expired (`ExpiredToken`,
    /// `TokenRefreshRequired`): fresh credentials from the provider may fix it,
    /// and waiting would not. Temporary credentials can expire while cached,
    /// e.g. when the provider's clock or the role's session ended early.
    package var isExpiredCredentials: Bool {
        kind == .expired && (code == "ExpiredToken" || code == "TokenRefreshRequired")
    }
}
