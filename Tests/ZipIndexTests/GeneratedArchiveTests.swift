import Foundation
import Testing
@testable import ZipIndex

/// Archives written at test time by Info-ZIP `zip`, Python's `zipfile`, `7z`
/// and by hand (`scripts/gen-test-archives`), each with its expected outcome.
@Suite("Generated archives")
struct GeneratedArchiveTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var arguments: [String]
        var status: String
        var archiveError: String?
        var entryErrors: Set<String>
        var findings: Set<String>
        var entryCount: Int?
        /// Per-entry field checks, as JSON text (kept Sendable).
        var entries: [[String: String]]
        var nullFields: [[String]]
        var testDescription: String { file }
    }

    static let folder: URL? = {
        guard let folder = try? makeTemporaryDirectory("ec-generated") else { return nil }
        let script = TestPaths.repositoryRoot.appendingPathComponent("scripts/gen-test-archives").path
        do {
            try runProgram("/usr/bin/env", ["python3", script, folder.path])
        } catch {
            return nil
        }
        return folder
    }()

    static let cases: [Case] = {
        guard let folder, let list = try? loadJSON(folder.appendingPathComponent("EXPECTED.json")) as? [[String: Any]] else {
            return []
        }
        return list.map { item in
            let entries = (item["entries"] as? [[String: Any]] ?? [])
            return Case(
                file: item["file"] as? String ?? "?",
                arguments: item["args"] as? [String] ?? [],
                status: item["status"] as? String ?? "?",
                archiveError: item["archiveError"] as? String,
                entryErrors: Set(item["entryErrors"] as? [String] ?? []),
                findings: Set(item["findings"] as? [String] ?? []),
                entryCount: item["entryCount"] as? Int,
                entries: entries.map { entry in
                    Dictionary(uniqueKeysWithValues: entry.compactMap { key, value -> (String, String)? in
                        switch value {
                        case let text as String: (key, text)
                        case let flag as Bool where key == "encrypted": (key, flag ? "true" : "false")
                        case let number as NSNumber: (key, number.stringValue)
                        default: nil
                        }
                    })
                },
                nullFields: entries.map { entry in entry.filter { $0.value is NSNull }.map(\.key) }
            )
        }
    }()

    @Test("the generator ran and described its archives")
    func generatorRan() {
        #expect(Self.folder != nil, "scripts/gen-test-archives failed (needs python3, zip, 7z: scripts/test installs them)")
        #expect(Self.cases.count >= 50)
    }

    @Test("each generated archive is classified as expected", arguments: cases)
    func classify(_ testCase: Case) throws {
        let folder = try #require(Self.folder)
        let options = try Self.options(testCase.arguments)
        let index = ZipIndexer.index(path: folder.appendingPathComponent(testCase.file).path, options: options)

        #expect((index.isOK ? "ok" : "error") == testCase.status,
                "\(testCase.file): \(String(describing: index.error)) \(index.entries.compactMap(\.error)) \(index.findings)")
        #expect(index.error?.kind.rawValue == testCase.archiveError, "\(String(describing: index.error))")
        let entryKinds = Set(index.entries.compactMap { $0.error?.kind.rawValue })
        #expect(testCase.entryErrors.isSubset(of: entryKinds), "entry errors \(entryKinds)")
        let findingKinds = Set(index.findings.map(\.kind.rawValue))
        #expect(testCase.findings.isSubset(of: findingKinds), "findings \(findingKinds)")
        if let count = testCase.entryCount { #expect(index.entryCount == count) }

        let byPath = Dictionary(index.entries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        for (expected, nulls) in zip(testCase.entries, testCase.nullFields) {
            guard let path = expected["path"] else { continue }
            guard let entry = byPath[path] else {
                Issue.record("\(testCase.file): no entry \(path)")
                continue
            }
            let actual: [String: String?] = [
                "type": entry.type.rawValue, "method": entry.method.description, "bytes": String(entry.bytes),
                "crc32": entry.crc32String, "sha256": entry.sha256, "modified": entry.modified,
                "mode": entry.modeString, "encrypted": entry.encrypted ? "true" : "false",
                "status": entry.isOK ? "ok" : "error", "errorKind": entry.error?.kind.rawValue,
            ]
            for (field, value) in expected where field != "path" {
                guard let got = actual[field] else { continue }
                #expect(got == value, "\(testCase.file): \(path).\(field)")
            }
            for field in nulls {
                guard let got = actual[field] else { continue }
                #expect(got == nil, "\(testCase.file): \(path).\(field) should be null")
            }
        }
    }

    static func options(_ arguments: [String]) throws -> IndexOptions {
        var options = IndexOptions()
        var iterator = arguments.makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { throw CommandFailure(description: "\(flag) needs a value") }
            switch flag {
            case "--max-entries": options.maxEntries = try #require(UInt64(value))
            case "--max-uncompressed-bytes": options.maxUncompressedBytes = try #require(UInt64(value))
            case "--max-compression-ratio": options.maxCompressionRatio = try #require(Double(value))
            default: Issue.record("unknown argument \(flag)")
            }
        }
        return options
    }
}
