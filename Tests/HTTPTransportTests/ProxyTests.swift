import Foundation
import Testing
@testable import HTTPTransport

/// Proxies through `LocalServer`'s forwarding proxy. Settings are passed
/// explicitly (`HTTPClientConfiguration.proxy`/`noProxy`): the environment
/// is process-wide and the tests run in parallel. The environment path is
/// tested in a child process that runs `ProxyEnvironmentChild` alone.
@Suite("proxies", .localServer)
struct ProxyTests {
    @Test("a configured proxy carries the request; noProxy bypasses it")
    func explicitProxy() async throws {
        let server = try server()
        let proxied = UUID().uuidString
        let client = try HTTPClient(configuration: HTTPClientConfiguration(proxy: server.proxyURL, noProxy: ""))
        let (head, body) = try await client.data(HTTPRequest(url: server.url("/echo?token=\(proxied)")))
        #expect(head.status == 200)
        #expect(head.value(forHeader: "Via") == "1.1 test-proxy")
        #expect(try decodeEcho(body).path == "/echo?token=\(proxied)")
        #expect(try await proxiedCount(server, proxied) == 1)

        let direct = UUID().uuidString
        let bypassing = try HTTPClient(configuration: HTTPClientConfiguration(proxy: server.proxyURL, noProxy: "127.0.0.1"))
        let (directHead, _) = try await bypassing.data(HTTPRequest(url: server.url("/echo?token=\(direct)")))
        #expect(directHead.status == 200)
        #expect(directHead.value(forHeader: "Via") == nil)
        #expect(try await proxiedCount(server, direct) == 0)
    }

    @Test("proxy \"\" goes direct whatever the environment says")
    func noProxyAtAll() async throws {
        let server = try server()
        let token = UUID().uuidString
        let client = try HTTPClient(configuration: HTTPClientConfiguration(proxy: ""))
        let (head, _) = try await client.data(HTTPRequest(url: server.url("/echo?token=\(token)")))
        #expect(head.status == 200)
        #expect(head.value(forHeader: "Via") == nil)
        #expect(try await proxiedCount(server, token) == 0)
    }

    #if os(Linux)
    /// Without settings libcurl reads `http_proxy` and `no_proxy` itself, as
    /// the curl tool does; a child process gets them so ours stays untouched.
    @Test("without settings, http_proxy from the environment is used and no_proxy bypasses it")
    func environmentProxy() async throws {
        let server = try server()
        let proxied = UUID().uuidString
        #expect(try runChild(url: server.url("/echo?token=\(proxied)"), expect: "proxied", environment: ["http_proxy": server.proxyURL]) == 0)
        #expect(try await proxiedCount(server, proxied) == 1)

        let direct = UUID().uuidString
        #expect(try runChild(url: server.url("/echo?token=\(direct)"), expect: "direct",
                             environment: ["http_proxy": server.proxyURL, "no_proxy": "127.0.0.1"]) == 0)
        #expect(try await proxiedCount(server, direct) == 0)
    }

    /// Runs this test binary again with only `ProxyEnvironmentChild` selected
    /// and the proxy variables replaced by `environment`; returns its status.
    private func runChild(url: String, expect: String, environment: [String: String]) throws -> Int32 {
        var childEnvironment = ProcessInfo.processInfo.environment.filter { name, _ in
            !["http_proxy", "https_proxy", "all_proxy", "no_proxy"].contains(name.lowercased())
        }
        childEnvironment.merge(environment) { $1 }
        childEnvironment["EC_PROXY_CHILD_URL"] = url
        childEnvironment["EC_PROXY_CHILD_EXPECT"] = expect
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["--testing-library", "swift-testing", "--filter", "ProxyEnvironmentChild"]
        child.environment = childEnvironment
        child.standardOutput = FileHandle.nullDevice
        child.standardError = FileHandle.nullDevice
        try child.run()
        return waitBounded(child, seconds: 60)
    }
    #endif

    /// How many requests the proxy forwarded whose URL contains `token`.
    private func proxiedCount(_ server: LocalServer, _ token: String) async throws -> Int {
        let direct = try HTTPClient(configuration: HTTPClientConfiguration(proxy: ""))
        let (_, body) = try await direct.data(HTTPRequest(url: server.proxyURL + "/count?token=\(token)"))
        return try #require(Int(String(decoding: body, as: UTF8.self)))
    }
}

/// The child side of `ProxyTests.environmentProxy`: does nothing unless that
/// test started this process with `EC_PROXY_CHILD_URL` set.
@Suite("ProxyEnvironmentChild")
struct ProxyEnvironmentChild {
    @Test("requests EC_PROXY_CHILD_URL with the default configuration")
    func request() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["EC_PROXY_CHILD_URL"], let expected = environment["EC_PROXY_CHILD_EXPECT"] else { return }
        let client = try HTTPClient()
        let (head, _) = try await client.data(HTTPRequest(url: url))
        #expect(head.status == 200)
        #expect((head.value(forHeader: "Via") == nil ? "direct" : "proxied") == expected)
    }
}
