import Foundation

/// Where the SigV4 vectors live: `../shared/corpus/sigv4` beside the clone
/// (derived from this file's path), or `$EC_SHARED_DIR/corpus/sigv4`.
/// A missing corpus is an error, so the tests that need it fail, never skip.
enum Corpus {
    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "SigV4 corpus missing or incomplete at \(path) (set EC_SHARED_DIR to the shared folder)" }
    }

    static var folder: URL {
        if let shared = ProcessInfo.processInfo.environment["EC_SHARED_DIR"], !shared.isEmpty {
            return URL(fileURLWithPath: shared).appendingPathComponent("corpus/sigv4")
        }
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // AWSSigningTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repository root
        return root.deletingLastPathComponent().appendingPathComponent("shared/corpus/sigv4")
    }

    /// The official suite's case folders (those with a `context.json`), sorted.
    static func officialCaseNames() throws -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw Missing(path: folder.path)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/context.json").path) }
            .sorted()
        guard !names.isEmpty else { throw Missing(path: folder.path) }
        return names
    }

    static func data(_ relativePath: String) throws -> Data {
        let url = folder.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Missing(path: url.path) }
        return try Data(contentsOf: url)
    }

    static func text(_ relativePath: String) throws -> String {
        String(decoding: try data(relativePath), as: UTF8.self)
    }
}
