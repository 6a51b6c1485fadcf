import Foundation
import Testing
@testable import ZipIndex

/// Damaged archives are classified, never a crash: corpus archives with bytes
/// flipped, cut short or inserted (a fixed seed, so any failure reproduces).
@Suite("Mutated archives")
struct MutationTests {
    /// SplitMix64: a tiny deterministic generator, the same on every platform.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test("600 mutations of corpus archives are all classified")
    func mutations() throws {
        let folder = try makeTemporaryDirectory("ec-mutate")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sources = try FileManager.default.contentsOfDirectory(atPath: TestPaths.zipCorpus.appendingPathComponent("files").path)
            .sorted()
            .map { TestPaths.zipCorpus.appendingPathComponent("files/\($0)") }
            .filter { url in
                let size = (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
                return size > 0 && size < 100_000
            }
        try #require(sources.count > 40)
        var random = SeededGenerator(state: 2026)
        let path = folder.appendingPathComponent("mutated.zip")
        for round in 0 ..< 600 {
            var bytes = [UInt8](try Data(contentsOf: sources[Int.random(in: 0 ..< sources.count, using: &random)]))
            switch round % 3 {
            case 0:
                for _ in 0 ..< Int.random(in: 1 ... 8, using: &random) {
                    bytes[Int.random(in: 0 ..< bytes.count, using: &random)] = UInt8.random(in: 0 ... 255, using: &random)
                }
            case 1:
                bytes.removeLast(Int.random(in: 1 ... bytes.count, using: &random))
            default:
                let at = Int.random(in: 0 ... bytes.count, using: &random)
                bytes.insert(contentsOf: (0 ..< Int.random(in: 1 ... 40, using: &random)).map { _ in UInt8.random(in: 0 ... 255, using: &random) }, at: at)
            }
            try Data(bytes).write(to: path)
            let index = ZipIndexer.index(path: path.path, extraction: ExtractionRequest(directory: folder.appendingPathComponent("out").path))
            #expect(index.bytes == UInt64(bytes.count))
            if index.isOK {
                #expect(index.entries.allSatisfy { $0.type != .file || $0.sha256 != nil }, "round \(round)")
            } else {
                let explained = index.error != nil || index.entries.contains { $0.error != nil }
                    || index.findings.contains { $0.kind.isBlocking }
                #expect(explained, "round \(round): error status without a reason")
            }
        }
    }
}
