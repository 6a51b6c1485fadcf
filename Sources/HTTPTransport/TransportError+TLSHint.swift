import CCurl

/// What to do about a certificate curl would not trust, for the error line:
/// the fix has to be named, since peer verification is never switched off.
func tlsHint(for code: CURLcode) -> String? {
    switch code {
    case CURLE_PEER_FAILED_VERIFICATION:
        "the server's certificate is not trusted; to trust a private CA, set AWS_CA_BUNDLE to its PEM file"
    case CURLE_SSL_CACERT_BADFILE:
        "the CA bundle cannot be read; AWS_CA_BUNDLE must name a PEM file of CA certificates"
    default:
        nil
    }
}
