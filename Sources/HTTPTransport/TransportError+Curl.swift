import CCurl

extension TransportError.Kind {
    /// The kind of a libcurl easy code. Timeouts caused by the low-speed
    /// check are refined to `.stalled` by the caller (curl reports both as
    /// `CURLE_OPERATION_TIMEDOUT`).
    init(_ code: CURLcode) {
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            self = .dns
        case CURLE_COULDNT_CONNECT, CURLE_PROXY:
            self = .connect
        case CURLE_OPERATION_TIMEDOUT:
            self = .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED,
             CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_USE_SSL_FAILED:
            self = .tls
        case CURLE_PARTIAL_FILE:
            self = .truncated
        case CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            self = .network
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_TOO_MANY_REDIRECTS, CURLE_WEIRD_SERVER_REPLY,
             CURLE_BAD_CONTENT_ENCODING, CURLE_HTTP3, CURLE_HTTP_RETURNED_ERROR:
            self = .protocolError
        case CURLE_URL_MALFORMAT, CURLE_BAD_FUNCTION_ARGUMENT:
            self = .invalidRequest
        case CURLE_WRITE_ERROR:
            self = .sink
        case CURLE_ABORTED_BY_CALLBACK:
            self = .cancelled
        default:
            self = .curl
        }
    }
}

extension TransportError {
    /// A multi-handle failure: it ends every transfer in progress.
    init(multi code: CURLMcode, _ what: String) {
        self.init(.curl, "\(what) failed: \(String(cString: curl_multi_strerror(code)))", curlCode: Int(code.rawValue))
    }
}
