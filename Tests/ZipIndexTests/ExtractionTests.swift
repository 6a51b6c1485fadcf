import Foundation
import Testing
@testable import ZipIndex

/// `--extract`: safe, verified entries only, never outside the folder, never
/// through a symlink, never with setuid bits, never half-written.
@Suite("Extraction")
struct ExtractionTests {
    /// Builds an archive from (name, data, unix mode) triples with Python's zipfile.
    static func archive(_ entries: [(String, String, Int)], in folder: URL, corruptCRCOf corrupt: String? = nil) throws -> URL {
        let path = folder.appendingPathComponent("input.zip")
        let spec = entries.map { "[\(pythonString($0.0)), \(pythonString($0.1)), \($0.2)]" }.joined(separator: ", ")
        try runPython("""
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w") as zf:
                for name, data, mode in [\(spec)]:
                    info = zipfile.ZipInfo(name, (2026, 11, 28, 21, 4, 6))
                    info.create_system = 3
                    info.external_attr = mode << 16
                    zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
            corrupt = sys.argv[2]
            if corrupt:
                raw = bytearray(open(sys.argv[1], "rb").read())
                with zipfile.ZipFile(sys.argv[1]) as zf:
                    info = zf.getinfo(corrupt)
                # Flip the CRC in both the local header and the central record.
                raw[info.header_offset + 14] ^= 0xFF
                start = 0
                while True:
                    central = raw.find(b"PK\\x01\\x02", start)
                    name_len = int.from_bytes(raw[central + 28: central + 30], "little")
                    if raw[central + 46: central + 46 + name_len] == corrupt.encode():
                        raw[central + 16] ^= 0xFF
                        break
                    start = central + 4
                open(sys.argv[1], "wb").write(bytes(raw))
            """, [path.path, corrupt ?? ""])
        return path
    }

    static func pythonString(_ text: String) -> String {
        "bytes.fromhex('\(text.utf8.map { String(format: "%02x", $0) }.joined())').decode()"
    }

    static func listing(_ folder: URL) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        var paths: [String] = []
        while let next = enumerator?.nextObject() as? String { paths.append(next) }
        return paths.sorted()
    }

    @Test func safeEntriesAreWrittenWithTheirContentAndWithoutSetuid() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try Self.archive([
            ("logs/app.log", "hello log\n", 0o100644),
            ("bin/tool", "#!/bin/sh\n", 0o104755),
            ("saves/", "", 0o040755),
        ], in: folder)
        let target = folder.appendingPathComponent("out")
        let index = ZipIndexer.index(path: archive.path, extraction: ExtractionRequest(directory: target.path))
        #expect(index.isOK)
        #expect(try String(contentsOf: target.appendingPathComponent("logs/app.log"), encoding: .utf8) == "hello log\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: target.appendingPathComponent("bin/tool").path)
        let mode = try #require(attributes[.posixPermissions] as? Int)
        #expect(mode & 0o7000 == 0, "setuid/setgid/sticky must be dropped")
        #expect(mode & 0o111 != 0, "execute bits are kept")
        #expect(index.entries.first { $0.path == "bin/tool" }?.modeString == "4755", "the manifest still shows the stored bits")
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent("saves").path, isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(!Self.listing(target).contains { $0.contains(".tmp") })
    }

    @Test func traversalAndAbsoluteNamesAreNeverWritten() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try Self.archive([
            ("good.txt", "fine", 0o100644),
            ("../evil.txt", "escaped", 0o100644),
            ("a/../../evil2.txt", "escaped", 0o100644),
            ("..\\evil3.txt", "escaped", 0o100644),
            ("/tmp/ec-absolute-\(UUID().uuidString).txt", "escaped", 0o100644),
        ], in: folder)
        let target = folder.appendingPathComponent("out/inner")
        let index = ZipIndexer.index(path: archive.path, extraction: ExtractionRequest(directory: target.path))
        #expect(!index.isOK)
        #expect(Set(index.findings.map(\.kind)) == [.pathTraversal, .absolutePath])
        #expect(Self.listing(folder.appendingPathComponent("out")) == ["inner", "inner/good.txt"])
        #expect(Self.listing(folder).filter { $0.hasPrefix("evil") }.isEmpty)
    }

    @Test func nothingIsWrittenThroughASymlinkFromTheArchive() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outside = folder.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        let archive = try Self.archive([
            ("link", outside.path, 0o120777),
            ("link/planted.txt", "through the link", 0o100644),
            ("inner", "sub", 0o120777),
            ("sub/real.txt", "ok", 0o100644),
        ], in: folder)
        let target = folder.appendingPathComponent("out")
        let index = ZipIndexer.index(path: archive.path, extraction: ExtractionRequest(directory: target.path))
        #expect(index.findings.contains { $0.kind == .symlinkEscape && $0.path == "link" })
        #expect(index.findings.contains { $0.kind == .symlinkEscape && $0.path == "link/planted.txt" })
        #expect(Self.listing(outside).isEmpty)
        #expect(try String(contentsOf: target.appendingPathComponent("sub/real.txt"), encoding: .utf8) == "ok")
        // The safe link (inside the folder) is created; the escaping one is not.
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: target.appendingPathComponent("inner").path)) == "sub")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: target.appendingPathComponent("link").path)) == nil)
    }

    @Test func aSymlinkAlreadyOnDiskIsNotFollowed() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outside = folder.appendingPathComponent("outside")
        let target = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: target.appendingPathComponent("sub"), withDestinationURL: outside)
        let archive = try Self.archive([("sub/file.txt", "data", 0o100644)], in: folder)
        let index = ZipIndexer.index(path: archive.path, extraction: ExtractionRequest(directory: target.path))
        #expect(index.entries.first?.error?.kind == .io)
        #expect(Self.listing(outside).isEmpty)
    }

    @Test func includeGlobsSelectEntries() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try Self.archive([
            ("logs/a.log", "a", 0o100644), ("logs/deep/b.log", "b", 0o100644), ("saves/c.sav", "c", 0o100644),
        ], in: folder)
        let target = folder.appendingPathComponent("out")
        let index = ZipIndexer.index(path: archive.path, extraction: ExtractionRequest(directory: target.path, include: ["*.log"]))
        #expect(index.isOK)
        #expect(Self.listing(target) == ["logs", "logs/a.log", "logs/deep", "logs/deep/b.log"])
    }

    @Test func anEntryThatFailsVerificationLeavesNoFile() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try Self.archive([("ok.txt", "fine", 0o100644), ("bad.txt", "will not verify", 0o100644)],
                                       in: folder, corruptCRCOf: "bad.txt")
        let target = folder.appendingPathComponent("out")
        let index = ZipIndexer.index(path: archive.path, extraction: ExtractionRequest(directory: target.path))
        #expect(index.entries.first { $0.path == "bad.txt" }?.error?.kind == .checksum)
        #expect(Self.listing(target) == ["ok.txt"])
    }
}
