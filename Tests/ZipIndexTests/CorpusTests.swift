import Foundation
import Testing
@testable import ZipIndex

/// Every archive of the peer corpus (`../shared/corpus/zip`) gives the outcome
/// its EXPECTED.json states, in CONTRACTS.md's words.
@Suite("Peer corpus")
struct CorpusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var expect: String
        var errorKind: String?
        var entries: Int?
        var names: [String]?
        var comment: String?
        var testDescription: String { file }
    }

    /// Where the corpus records a peer disagreement, the answer this project chose
    /// (README, "Decisions on the peer corpus").
    static let policyOutcome: [String: String] = [
        // Go accepts bytes after the EOCD comment; yauzl rejects one such byte.
        // We accept both and report `trailing_data`, which does not block.
        "yauzl-fail-invalid-comment-length.zip": "ok",
        // The local header says "a.txt", the central directory "a\\txt": a local/
        // central name mismatch is a structural error here, as for Python.
        "yauzl-sloppy-filenames.zip": "error",
        // Names holding NUL bytes (and fake ZIP64 signatures): read correctly,
        // and flagged, as the corpus foresees, since a tool that stops at the
        // NUL would write another path (README, "Decisions").
        "zip2-zip64-magic-in-filename-3.zip": "error",
    ]

    static let cases: [Case] = {
        guard let list = try? loadJSON(TestPaths.zipCorpus.appendingPathComponent("EXPECTED.json")) as? [[String: Any]] else {
            return []
        }
        return list.map { item in
            Case(file: item["file"] as? String ?? "?", expect: item["expect"] as? String ?? "?",
                 errorKind: item["error_kind"] as? String, entries: item["entries"] as? Int,
                 names: item["names"] as? [String], comment: item["comment"] as? String)
        }
    }()

    @Test("the corpus is present and complete")
    func corpusPresent() {
        #expect(Self.cases.count == 60, "expected 60 corpus archives under \(TestPaths.zipCorpus.path)")
    }

    @Test("each archive is classified as expected", arguments: cases)
    func classify(_ testCase: Case) throws {
        let path = TestPaths.zipCorpus.appendingPathComponent("files/\(testCase.file)").path
        let index = ZipIndexer.index(path: path)
        let expected = Self.policyOutcome[testCase.file] ?? testCase.expect

        #expect(index.bytes == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64))
        #expect(index.sha256?.count == 64)
        if expected == "ok" {
            #expect(index.isOK, "\(testCase.file): \(String(describing: index.error)) \(index.entries.compactMap(\.error)) \(index.findings.filter(\.kind.isBlocking))")
            if let count = testCase.entries { #expect(index.entryCount == count) }
            if let names = testCase.names { #expect(Array(index.entries.prefix(10).map(\.path)) == Array(names.prefix(10))) }
            if let comment = testCase.comment { #expect(index.comment == comment) }
            for entry in index.entries where entry.type == .file {
                #expect(entry.sha256?.count == 64, "\(entry.path) has no digest")
            }
            return
        }
        #expect(!index.isOK, "\(testCase.file) should fail")
        if Self.policyOutcome[testCase.file] != nil { return }
        let kind = try #require(testCase.errorKind)
        let archiveKind = index.error?.kind.rawValue
        let entryKinds = Set(index.entries.compactMap { $0.error?.kind.rawValue })
        let findingKinds = Set(index.findings.map(\.kind.rawValue))
        switch kind {
        case "not_zip", "format", "multi_disk":
            #expect(archiveKind == kind, "\(testCase.file): archive error \(String(describing: index.error))")
        case "truncated":
            #expect(archiveKind == kind || entryKinds.contains(kind))
        case "corrupt_data", "size_mismatch", "checksum":
            #expect(entryKinds.contains(kind), "\(testCase.file): entry errors \(entryKinds)")
        case "encrypted", "unsupported_method":
            // Entries report the kind; a directory encrypted as a whole can only be a finding.
            #expect(entryKinds.contains(kind) || findingKinds.contains(kind))
            #expect(findingKinds.contains(kind))
        case "unsafe_path":
            #expect(!findingKinds.isDisjoint(with: ["path_traversal", "absolute_path"]), "\(findingKinds)")
        case "unsafe_symlink":
            #expect(findingKinds.contains("symlink_escape"))
        case "duplicate_name":
            #expect(findingKinds.contains("duplicate_path"))
        case "zip_bomb":
            #expect(findingKinds.contains("overlapping_entries"))
        default:
            Issue.record("unknown expected kind \(kind)")
        }
    }

    @Test("the overlapping-entry bomb is refused without inflating its 5.46 GB")
    func zipBombStaysCheap() {
        let index = ZipIndexer.index(path: TestPaths.zipCorpus.appendingPathComponent("files/rex-zbsm.zip").path)
        let declared = index.entries.reduce(UInt64(0)) { $0 + $1.bytes }
        #expect(declared > 5_000_000_000)
        // Only the first entry (about 21 MB) may be decoded; the other 249 overlap it.
        #expect(index.entries.filter { $0.sha256 != nil }.count <= 1)
        #expect(index.findings.filter { $0.kind == .overlappingEntries }.count == 249)
    }
}
