import Foundation
import Testing
@testable import ZipIndex

/// Hostile archives the other suites do not already build: size claims that lie
/// in either direction, a ratio bomb at the default limit, NUL and control
/// characters in names, setgid and sticky bits, symlink planting through
/// chains and backslashes, and 65,536 entries with and without ZIP64 counts.
/// Each is classified, and extraction writes nothing unsafe.
@Suite("Hostile archives")
struct HostileArchiveTests {
    /// Python helpers shared by the generators: entries with Unix modes, a large
    /// deflated run of zeros written in chunks, and patching sizes or names in
    /// both the local header and the central record.
    static let pythonHelpers = """
        import struct, sys, zipfile
        def add(zf, name, data, mode=0o100644):
            info = zipfile.ZipInfo(name, (2026, 11, 29, 12, 0, 0))
            info.create_system = 3
            info.external_attr = mode << 16
            if name.endswith("/"): info.external_attr |= 0x10
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        def zeros(zf, name, mib):
            info = zipfile.ZipInfo(name, (2026, 11, 29, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as f:
                chunk = bytes(1 << 20)
                for _ in range(mib): f.write(chunk)
        def patch_uncompressed_size(path, name, size):
            raw = bytearray(open(path, "rb").read())
            with zipfile.ZipFile(path) as zf: local = zf.getinfo(name).header_offset
            raw[local + 22: local + 26] = struct.pack("<I", size)
            central = raw.find(b"PK\\x01\\x02")
            while central >= 0:
                length = int.from_bytes(raw[central + 28: central + 30], "little")
                if raw[central + 46: central + 46 + length] == name.encode():
                    raw[central + 24: central + 28] = struct.pack("<I", size)
                central = raw.find(b"PK\\x01\\x02", central + 4)
            open(path, "wb").write(raw)
        """

    static func make(_ name: String, in folder: URL, _ body: String) throws -> URL {
        let path = folder.appendingPathComponent(name)
        try runPython(pythonHelpers + "\npath = sys.argv[1]\n" + body, [path.path])
        return path
    }

    /// Every path under `folder`, relative, sorted; symlinks are listed, never
    /// followed (a planted link to the root must not make the listing loop).
    static func listing(_ folder: URL, prefix: String = "") -> [String] {
        let manager = FileManager.default
        var paths: [String] = []
        for name in (try? manager.contentsOfDirectory(atPath: folder.path)) ?? [] {
            let relative = prefix + name
            paths.append(relative)
            let child = folder.appendingPathComponent(name)
            let type = (try? manager.attributesOfItem(atPath: child.path))?[.type] as? FileAttributeType
            if type == .typeDirectory { paths += listing(child, prefix: relative + "/") }
        }
        return paths.sorted()
    }

    static func entry(_ index: ArchiveIndex, _ path: String) -> IndexedEntry? {
        index.entries.first { $0.path == path }
    }

    @Test("an entry declaring 1 KiB that inflates to 64 MiB stops at the claim and is not extracted")
    func smallSizeClaim() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try Self.make("claims-small.zip", in: folder, """
            with zipfile.ZipFile(path, "w") as zf:
                add(zf, "ok.txt", "fine")
                zeros(zf, "bomb.bin", 64)
            patch_uncompressed_size(path, "bomb.bin", 1024)
            """)
        let out = folder.appendingPathComponent("out")
        let index = ZipIndexer.index(path: archive.path, extraction: ExtractionRequest(directory: out.path))
        let bomb = try #require(Self.entry(index, "bomb.bin"))
        #expect(bomb.error?.kind == .sizeMismatch)
        #expect(bomb.bytes == 1024)
        #expect(!index.isOK)
        #expect(Self.listing(out) == ["ok.txt"])
    }

    @Test("an entry declaring 4 GiB from 100 compressed bytes is a ratio finding, never inflated")
    func hugeSizeClaim() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try Self.make("claims-huge.zip", in: folder, """
            with zipfile.ZipFile(path, "w") as zf:
                add(zf, "ok.txt", "fine")
                add(zf, "tiny.bin", b"x" * 100)
            patch_uncompressed_size(path, "tiny.bin", 0xFFFFFFFE)
            """)
        let out = folder.appendingPathComponent("out")
        let index = ZipIndexer.index(path: archive.path, extraction: ExtractionRequest(directory: out.path))
        #expect(Self.entry(index, "tiny.bin")?.error?.kind == .limits)
        #expect(index.findings.contains { $0.kind == .compressionRatio && $0.path == "tiny.bin" })
        #expect(Self.listing(out) == ["ok.txt"])
    }

    @Test("128 MiB of zeros (ratio above 1000:1) trips the default ratio limit and reads only the compressed bytes")
    func ratioBombAtDefaultLimits() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try Self.make("ratio.zip", in: folder, """
            with zipfile.ZipFile(path, "w") as zf:
                add(zf, "ok.txt", "fine")
                zeros(zf, "zeros.bin", 128)
            """)
        let out = folder.appendingPathComponent("out")
        let index = ZipIndexer.index(path: archive.path, extraction: ExtractionRequest(directory: out.path))
        let zeros = try #require(Self.entry(index, "zeros.bin"))
        #expect(zeros.bytes == 128 << 20)
        #expect(zeros.error?.kind == .limits)
        #expect(index.findings.contains { $0.kind == .compressionRatio && $0.path == "zeros.bin" })
        #expect(index.bytesRead <= 2 * index.bytes, "the reader hashes the file, it does not inflate the bomb")
        #expect(Self.listing(out) == ["ok.txt"])
    }

    @Test("a NUL byte in a name is a blocking path_traversal finding and the entry is never written")
    func nulInNames() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // zipfile cuts names at NUL, so the names are patched in afterwards
        // (same lengths, in the local headers and the central directory alike).
        let archive = try Self.make("nul.zip", in: folder, """
            placeholders = ["ok.txt", "nulAB.txt", "ok.txtA/../../../evil.txt", "dir/Bx.txt"]
            real = ["ok.txt", "nul\\x00B.txt", "ok.txt\\x00/../../../evil.txt", "dir/\\x00x.txt"]
            with zipfile.ZipFile(path, "w") as zf:
                for name in placeholders: add(zf, name, "data")
            raw = open(path, "rb").read()
            for old, new in zip(placeholders, real): raw = raw.replace(old.encode(), new.encode())
            open(path, "wb").write(raw)
            """)
        let out = folder.appendingPathComponent("out")
        let index = ZipIndexer.index(path: archive.path, extraction: ExtractionRequest(directory: out.path))
        #expect(index.entries.count == 4)
        let flagged = Set(index.findings.filter { $0.kind == .pathTraversal }.map(\.path))
        #expect(flagged == ["nul\u{0}B.txt", "ok.txt\u{0}/../../../evil.txt", "dir/\u{0}x.txt"])
        #expect(index.findings.first { $0.path == "nul\u{0}B.txt" }?.message.contains("\"nul\"") == true)
        #expect(!index.isOK)
        #expect(Self.listing(out) == ["ok.txt"])
        #expect(Self.listing(folder).allSatisfy { !$0.contains("evil") && ($0 == "nul.zip" || !$0.hasPrefix("nul")) })
        // The listing flags them too: it plans entries exactly as the full index does.
        let listing = ListingIndexer.index(path: archive.path)
        #expect(Set(listing.findings.filter { $0.kind == .pathTraversal }.map(\.path)) == flagged)
    }

    @Test("control characters in names are kept as stored and written only inside the folder")
    func controlCharactersInNames() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let names = ["esc\u{1B}[2J.txt", "line\nbreak.txt", "cr\rret.txt", "del\u{7F}.txt", "tab\t.txt", "bell\u{07}/x.txt"]
        let archive = try Self.make("control.zip", in: folder, """
            with zipfile.ZipFile(path, "w") as zf:
                for name in [\(names.map(ExtractionTests.pythonString).joined(separator: ", "))]:
                    add(zf, name, "data")
            """)
        let out = folder.appendingPathComponent("out")
        let index = ZipIndexer.index(path: archive.path, extraction: ExtractionRequest(directory: out.path))
        // Valid names on Linux, nothing outside the root: listed verbatim (the
        // manifest's JSON escapes them, the reports show visible markers).
        #expect(index.isOK)
        #expect(index.entries.map(\.path) == names)
        #expect(Set(Self.listing(out)) == Set(names + ["bell\u{07}"]))
        #expect(Self.listing(folder).allSatisfy { $0 == "control.zip" || $0 == "out" || $0.hasPrefix("out/") })
    }

    @Test("setgid and sticky bits are listed as stored and dropped on disk, for files and folders")
    func setgidAndSticky() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try Self.make("modes.zip", in: folder, """
            with zipfile.ZipFile(path, "w") as zf:
                add(zf, "sgid-file", "x", 0o102755)
                add(zf, "suid-sgid", "x", 0o106755)
                add(zf, "sticky-dir/", "", 0o041777)
                add(zf, "sgid-dir/", "", 0o042775)
                add(zf, "sgid-dir/f", "x", 0o100644)
            """)
        let out = folder.appendingPathComponent("out")
        let index = ZipIndexer.index(path: archive.path, extraction: ExtractionRequest(directory: out.path))
        #expect(index.isOK)
        #expect(index.entries.map(\.modeString) == ["2755", "6755", "1777", "2775", "0644"])
        for path in ["sgid-file", "suid-sgid", "sticky-dir", "sgid-dir", "sgid-dir/f"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: out.appendingPathComponent(path).path)
            let mode = try #require(attributes[.posixPermissions] as? Int)
            #expect(mode & 0o7000 == 0, "\(path) keeps special bits \(String(mode, radix: 8))")
        }
    }

    @Test("symlink planting through chains, links to the root and backslashes writes nothing through a link")
    func symlinkPlantingVariants() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try Self.make("plant.zip", in: folder, """
            with zipfile.ZipFile(path, "w") as zf:
                add(zf, "sub/", "", 0o040755)
                add(zf, "inside", "sub", 0o120777)
                add(zf, "inside/through.txt", "via a link that stays inside", 0o100644)
                add(zf, "esc", "/tmp", 0o120777)
                add(zf, "esc\\\\planted.txt", "through the link, backslash separator", 0o100644)
                add(zf, "chain", "sub/..", 0o120777)
                add(zf, "chain/../../out.txt", "x", 0o100644)
                add(zf, "sub/up", "..", 0o120777)
                add(zf, "sub/up/y.txt", "through a link to the root", 0o100644)
            """)
        let out = folder.appendingPathComponent("out")
        let index = ZipIndexer.index(path: archive.path, extraction: ExtractionRequest(directory: out.path))
        let escapes = Set(index.findings.filter { $0.kind == .symlinkEscape }.map(\.path))
        #expect(escapes == ["inside/through.txt", "esc", "esc\\planted.txt", "chain/../../out.txt", "sub/up/y.txt"])
        #expect(index.findings.contains { $0.kind == .pathTraversal && $0.path == "chain/../../out.txt" })
        // Only the links that stay inside exist; no file was written through any link.
        #expect(Self.listing(out) == ["chain", "inside", "sub", "sub/up"])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out.appendingPathComponent("inside").path) == "sub")
        #expect(Self.listing(folder).filter { $0.hasSuffix(".txt") }.isEmpty)
    }

    @Test("65,536 entries: the ZIP64 count and a count wrapped to 0 by a ZIP64-unaware writer both list every entry")
    func sixtyFiveThousandFiveHundredThirtySixEntries() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = try Self.make("n65536.zip", in: folder, """
            with zipfile.ZipFile(path, "w") as zf:
                for i in range(65536):
                    zf.writestr(zipfile.ZipInfo(f"{i:05x}", (2026, 11, 29, 12, 0, 0)), b"")
            raw = open(path, "rb").read()
            z64 = raw.rfind(b"PK\\x06\\x06")
            size, offset = struct.unpack("<QQ", raw[z64 + 40: z64 + 56])
            wrapped = raw[:z64] + b"PK\\x05\\x06" + struct.pack("<HHHHIIH", 0, 0, 0, 0, size, offset, 0)
            open(path.replace(".zip", "-wrapped.zip"), "wb").write(wrapped)
            """)
        let wrapped = folder.appendingPathComponent("n65536-wrapped.zip")
        for path in [archive, wrapped] {
            let out = folder.appendingPathComponent("out-" + path.lastPathComponent)
            let index = ZipIndexer.index(path: path.path,
                                         extraction: ExtractionRequest(directory: out.path, include: ["0fff?"]))
            #expect(index.isOK, "\(path.lastPathComponent): \(String(describing: index.error))")
            #expect(index.entries.count == 65536)
            #expect(index.entries.last?.path == "0ffff")
            #expect(Self.listing(out) == (0xFFF0 ... 0xFFFF).map { String($0, radix: 16).leftPadded(to: 5) })
        }
    }
}

private extension String {
    func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
