import Foundation
import Testing

/// `export-collector index --extract` on hostile archives, as a batch job runs
/// it: peak memory stays that of a harmless archive whatever the archive
/// claims, and names with control characters cannot forge lines of output or
/// reach the terminal raw.
@Suite("Hostile archives on the command line")
struct HostileArchiveCLITests {
    static func python(_ script: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "generator failed")
    }

    /// Peak RSS in KiB of `index ARCHIVE --json --extract DIR`, and its exit status.
    static func peakRSS(_ archive: String, extractTo folder: String) throws -> (kib: Int, status: Int32) {
        let result = try CommandLineTests.run(["index", archive, "--json", "--extract", folder],
                                              wrapper: ["/usr/bin/time", "-f", "maxrss_kib=%M"])
        let line = try #require(result.stderr.split(separator: "\n").last { $0.hasPrefix("maxrss_kib=") },
                                "no /usr/bin/time line: \(result.stderr)")
        return (try #require(Int(line.dropFirst("maxrss_kib=".count))), result.status)
    }

    @Test("bombs (256 MiB behind a 1 KiB claim, a 1028:1 ratio) take no more memory than a two-entry archive")
    func memoryStaysFlat() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-bomb-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.python("""
            import struct, sys, zipfile
            folder = sys.argv[1]
            def zeros(zf, name, mib):
                info = zipfile.ZipInfo(name, (2026, 11, 29, 12, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with zf.open(info, "w") as f:
                    for _ in range(mib): f.write(bytes(1 << 20))
            with zipfile.ZipFile(folder + "/plain.zip", "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("a.txt", "fine"); zf.writestr("b.txt", "also fine")
            with zipfile.ZipFile(folder + "/ratio.zip", "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("a.txt", "fine"); zeros(zf, "zeros.bin", 256)
            with zipfile.ZipFile(folder + "/claim.zip", "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr("a.txt", "fine"); zeros(zf, "bomb.bin", 256)
            # bomb.bin now claims 1 KiB (local header and central record).
            raw = bytearray(open(folder + "/claim.zip", "rb").read())
            with zipfile.ZipFile(folder + "/claim.zip") as zf: local = zf.getinfo("bomb.bin").header_offset
            raw[local + 22: local + 26] = struct.pack("<I", 1024)
            central = raw.rfind(b"PK\\x01\\x02")
            raw[central + 24: central + 28] = struct.pack("<I", 1024)
            open(folder + "/claim.zip", "wb").write(raw)
            """, [folder.path])
        let baseline = try Self.peakRSS(folder.appendingPathComponent("plain.zip").path,
                                        extractTo: folder.appendingPathComponent("out-plain").path)
        #expect(baseline.status == 0)
        for name in ["ratio", "claim"] {
            let bomb = try Self.peakRSS(folder.appendingPathComponent("\(name).zip").path,
                                        extractTo: folder.appendingPathComponent("out-\(name)").path)
            #expect(bomb.status == 1, "\(name).zip must fail verification")
            // Sanitizer builds have a larger but equally flat footprint: compare, don't fix a number.
            #expect(bomb.kib - baseline.kib < 16 * 1024, "\(name).zip: peak RSS \(bomb.kib) KiB against \(baseline.kib) KiB")
            let written = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out-\(name)").path)) ?? []
            #expect(written == ["a.txt"], "\(name).zip: only the good entry is extracted")
        }
    }

    @Test("control characters and NUL in entry names are shown escaped, one line each, on stdout and stderr")
    func controlCharactersAreShownEscaped() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ec-names-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let archive = folder.appendingPathComponent("names.zip").path
        try Self.python("""
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w") as zf:
                for name in ["nulA.txt", "\\x1b[2J.txt", "x\\nerror: forged.txt", "ok.txt"]:
                    zf.writestr(zipfile.ZipInfo(name, (2026, 11, 29, 12, 0, 0)), "data")
            # zipfile cuts a name at NUL, so that one is patched in afterwards (both copies).
            raw = open(sys.argv[1], "rb").read().replace(b"nulA.txt", b"nul\\x00.txt")
            open(sys.argv[1], "wb").write(raw)
            """, [archive])
        let result = try CommandLineTests.run(["index", archive])
        #expect(result.status == 1, "the NUL name is a blocking finding")
        for output in [result.stdout, result.stderr] {
            #expect(!output.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F },
                    "raw control characters in \(output.debugDescription)")
        }
        #expect(result.stdout.contains("nul\\u{0}.txt"))
        #expect(result.stdout.contains("\\u{1B}[2J.txt"))
        #expect(result.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("error: ") }, "\(result.stderr)")
        #expect(result.stderr.contains("path_traversal: nul\\u{0}.txt"))
    }
}
