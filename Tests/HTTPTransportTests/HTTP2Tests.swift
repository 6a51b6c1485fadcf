import Foundation
import Synchronization
import Testing
@testable import HTTPTransport

/// HTTP/2 over TLS against nghttpd (`H2Server`), negotiated with ALPN.
@Suite("HTTP/2", .timeLimit(.minutes(5)))
struct HTTP2Tests {
    @Test("a TLS peer offering h2 gets HTTP/2 when allowed; bodies arrive whole, the connection is reused")
    func http2() async throws {
        let body = patternBody(size: 3_000_000, seed: 13)
        let server = try H2Server.start(files: ["archive.zip": body])
        defer { server.stop() }
        let client = try HTTPClient(configuration: HTTPClientConfiguration(caBundlePath: server.certificatePath, allowHTTP2: true))
        defer { client.shutdown() }

        let (head, bytes) = try await client.data(HTTPRequest(url: server.url("archive.zip")))
        #expect(head.status == 200)
        #expect(head.httpVersion == "HTTP/2")
        #expect(Data(bytes) == body)

        // Transfers one after another reuse the HTTP/2 connection.
        var ports: Set<Int?> = [head.localPort]
        for _ in 0 ..< 3 {
            let (again, data) = try await client.data(HTTPRequest(url: server.url("archive.zip")))
            #expect(again.httpVersion == "HTTP/2")
            #expect(data.count == body.count)
            ports.insert(again.localPort)
        }
        #expect(ports.count == 1 && head.localPort != nil, "local ports: \(ports)")
    }

    /// The stall HTTP/2 used to hit: streams of one connection finishing
    /// together left their last frames in libcurl's connection buffer where
    /// nobody read them (HTTP2Stalls.swift). Four bodies share the largest
    /// size so that their streams end together, as the stall needs; without
    /// the workaround some rounds stall (about one round in three or four).
    @Test("concurrent streams of different sizes on one connection, some with slow sinks, never stall", arguments: [8, 16])
    func concurrentStreams(streams: Int) async throws {
        let sizes = [3_000_000, 3_000_000, 3_000_000, 3_000_000, 1_048_576, 16_385, 777_777, 1]
        let bodies = sizes.enumerated().map { index, size in patternBody(size: size, seed: index) }
        var files: [String: Data] = [:]
        for (index, body) in bodies.enumerated() { files["file\(index).bin"] = body }
        let server = try H2Server.start(files: files)
        defer { server.stop() }
        // Fails a stalled transfer well before the suite's time limit.
        let timeouts = HTTPTimeouts(stallTime: .seconds(5), deadline: .seconds(60))

        var slowest = Duration.zero
        for round in 0 ..< 10 {
            // A new client per round: its transfers must open one connection.
            let client = try HTTPClient(configuration: HTTPClientConfiguration(caBundlePath: server.certificatePath, allowHTTP2: true))
            defer { client.shutdown() }
            let start = ContinuousClock.now
            let heads = try await withThrowingTaskGroup(of: HTTPResponseHead.self) { group in
                for index in 0 ..< streams {
                    let file = index % bodies.count
                    let expected = bodies[file]
                    group.addTask {
                        // Two bodies in eight (a large one, a small one) go to a
                        // sink slow enough to hold up the transport thread, as
                        // a disk writer might.
                        let sink = CollectingSink(delayPerChunk: file == 1 || file == 5 ? .milliseconds(1) : nil)
                        let head = try await client.execute(HTTPRequest(url: server.url("file\(file).bin")), timeouts: timeouts) { _ in sink }
                        #expect(head.status == 200)
                        #expect(sink.bytes == expected, "round \(round) stream \(index): \(sink.bytes.count) of \(expected.count) bytes")
                        return head
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            slowest = max(slowest, ContinuousClock.now - start)
            #expect(heads.allSatisfy { $0.httpVersion == "HTTP/2" })
            let ports = Set(heads.map(\.localPort))
            #expect(ports.count == 1 && heads.first?.localPort != nil, "round \(round): connections by local port \(ports)")
        }
        print("HTTP/2 \(streams) streams × 10 rounds: slowest round \(slowest)")
    }
}

/// Keeps the whole body; optionally sleeps on every chunk to stand for a slow
/// consumer (the sink runs on the transport thread, so all streams wait).
final class CollectingSink: HTTPBodySink {
    private let storage = Mutex(Data())
    private let delayPerChunk: Duration?

    init(delayPerChunk: Duration?) {
        self.delayPerChunk = delayPerChunk
    }

    func receive(_ bytes: UnsafeRawBufferPointer) throws {
        if let delayPerChunk {
            usleep(useconds_t(milliseconds(delayPerChunk) * 1000))
        }
        storage.withLock { $0.append(contentsOf: bytes) }
    }

    var bytes: Data { storage.withLock { $0 } }
}

/// A reproducible body of `size` bytes that differs with `seed`.
func patternBody(size: Int, seed: Int) -> Data {
    var data = Data(count: size)
    data.withUnsafeMutableBytes { buffer in
        for index in buffer.indices {
            buffer[index] = UInt8(truncatingIfNeeded: (index &* 13) ^ (index >> 11) &+ seed &* 101)
        }
    }
    return data
}
