import Testing
@testable import HTTPTransport

@Suite("libcurl")
struct CurlRuntimeTests {
    @Test("the linked libcurl speaks HTTPS with TLS")
    func httpsSupported() throws {
        let info = try CurlRuntime.versionInfo()
        #expect(info.protocols.contains("https"), "protocols: \(info.protocols)")
        #expect(info.protocols.contains("http"))
        #expect(info.sslVersion != nil, "libcurl was built without a TLS library")
        #expect(!info.version.isEmpty)
    }

    @Test("initialisation is idempotent")
    func initialiseTwice() throws {
        try CurlRuntime.ensureInitialized()
        try CurlRuntime.ensureInitialized()
    }
}
