import CCurl

/// libcurl's process-wide state. `curl_global_init` must run once, before any
/// other curl call and before threads start using curl; a global `let` is
/// initialised exactly once, lazily and thread-safely.
package enum CurlRuntime {
    private static let initialization: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Initialises libcurl if that has not happened yet.
    /// - Throws: `TransportError` when libcurl cannot initialise.
    package static func ensureInitialized() throws(TransportError) {
        let code = initialization
        guard code == CURLE_OK else {
            throw TransportError(.curl, "curl_global_init failed: \(String(cString: curl_easy_strerror(code)))")
        }
    }

    /// What the linked libcurl reports about itself.
    package struct VersionInfo: Sendable {
        package var version: String
        package var sslVersion: String?
        package var protocols: [String]
        package var supportsHTTP2: Bool
    }

    package static func versionInfo() throws(TransportError) -> VersionInfo {
        try ensureInitialized()
        guard let info = ec_curl_version_info() else {
            throw TransportError(.curl, "curl_version_info returned nothing")
        }
        var protocols: [String] = []
        if var cursor = info.pointee.protocols {
            while let name = cursor.pointee {
                protocols.append(String(cString: name))
                cursor += 1
            }
        }
        return VersionInfo(
            version: String(cString: info.pointee.version),
            sslVersion: info.pointee.ssl_version.map { String(cString: $0) },
            protocols: protocols,
            supportsHTTP2: info.pointee.features & CURL_VERSION_HTTP2 != 0
        )
    }
}
