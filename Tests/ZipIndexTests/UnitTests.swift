import Testing
@testable import ZipIndex

@Suite("Timestamps")
struct TimestampTests {
    @Test func unixSecondsFormatAsUTC() {
        #expect(Timestamps.iso8601(unixSeconds: 0) == "1970-01-01T00:00:00Z")
        #expect(Timestamps.iso8601(unixSeconds: 1_796_418_245) == "2026-12-04T21:04:05Z")
        #expect(Timestamps.iso8601(unixSeconds: 951_782_400) == "2000-02-29T00:00:00Z")
        #expect(Timestamps.iso8601(unixSeconds: -1) == "1969-12-31T23:59:59Z")
    }

    @Test func dosTimeIsTakenAsUTC() {
        // 2026-11-28 21:04:06: date (46 << 9 | 11 << 5 | 28), time (21 << 11 | 4 << 5 | 3).
        #expect(Timestamps.iso8601(dosDate: 46 << 9 | 11 << 5 | 28, dosTime: 21 << 11 | 4 << 5 | 3) == "2026-11-28T21:04:06Z")
        #expect(Timestamps.iso8601(dosDate: 0, dosTime: 0) == nil, "month 0 is not a date")
        #expect(Timestamps.iso8601(dosDate: 1 << 5 | 1, dosTime: 24 << 11) == nil, "hour 24 is not a time")
    }
}

@Suite("Path safety")
struct PathSafetyTests {
    @Test(arguments: [
        ("logs/app.log", PathSafety.Verdict.safe),
        ("a/./b", .safe),
        ("..foo/bar..", .safe),
        ("../evil", .traversal),
        ("a/../../b", .traversal),
        ("a\\..\\..\\b", .traversal),
        ("/etc/passwd", .absolute),
        ("\\\\server\\share", .absolute),
        ("C:/x", .absolute),
        ("c:x", .absolute),
    ])
    func names(_ name: String, _ verdict: PathSafety.Verdict) {
        #expect(PathSafety.verdict(forName: name) == verdict)
    }

    @Test func symlinkTargets() {
        #expect(!PathSafety.symlinkEscapes(linkPath: "a/link", target: "../b"))
        #expect(!PathSafety.symlinkEscapes(linkPath: "link", target: "sub/.."))
        #expect(PathSafety.symlinkEscapes(linkPath: "link", target: ".."))
        #expect(PathSafety.symlinkEscapes(linkPath: "a/link", target: "../../b"))
        #expect(PathSafety.symlinkEscapes(linkPath: "link", target: "/tmp"))
        #expect(PathSafety.symlinkEscapes(linkPath: "link", target: ""))
    }
}

@Suite("Names")
struct NameTests {
    @Test func cp437HighHalf() {
        let bytes: [UInt8] = [0x82, 0x8F, 0xE1, 0xB0]
        let name = bytes.withUnsafeBytes { decodeName($0, utf8Flag: false) }
        #expect(name.name == "éÅß░")
        #expect(name.nonUTF8)
    }

    @Test func asciiIsNotFlagged() {
        let name = Array("plain/name.txt".utf8).withUnsafeBytes { decodeName($0, utf8Flag: false) }
        #expect(name.name == "plain/name.txt")
        #expect(!name.nonUTF8)
    }

    @Test func flaggedUTF8() {
        let name = Array("données/é.txt".utf8).withUnsafeBytes { decodeName($0, utf8Flag: true) }
        #expect(name.name == "données/é.txt")
        #expect(!name.nonUTF8)
        let broken: [UInt8] = [0x61, 0xFF]
        #expect(broken.withUnsafeBytes { decodeName($0, utf8Flag: true) }.nonUTF8)
    }
}

@Suite("Extra fields")
struct ExtraFieldTests {
    @Test func zip64FieldsAppearInFixedOrder() throws {
        // Only the compressed size and offset are saturated: the field holds those two.
        var raw: [UInt8] = [0x01, 0x00, 16, 0]
        raw += withUnsafeBytes(of: UInt64(5_000_000_000).littleEndian, Array.init)
        raw += withUnsafeBytes(of: UInt64(77).littleEndian, Array.init)
        let fields = try raw.withUnsafeBytes { extra in
            try [UInt8]().withUnsafeBytes { name in
                try ExtraFields.parse(extra, rawName: name, needUncompressed: false, needCompressed: true, needOffset: true)
            }
        }
        #expect(fields.zip64Compressed == 5_000_000_000)
        #expect(fields.zip64LocalHeaderOffset == 77)
        #expect(fields.zip64Uncompressed == nil)
    }

    @Test func overrunningBlockIsMalformed() {
        let raw: [UInt8] = [0x55, 0x54, 88, 0, 1, 2, 3]
        #expect(throws: ExtraFields.Malformed.self) {
            try raw.withUnsafeBytes { extra in
                try [UInt8]().withUnsafeBytes { name in
                    try ExtraFields.parse(extra, rawName: name, needUncompressed: false, needCompressed: false, needOffset: false)
                }
            }
        }
    }

    @Test func extendedTimestampWinsOverDOSTime() throws {
        let raw: [UInt8] = [0x55, 0x54, 5, 0, 1] + withUnsafeBytes(of: UInt32(1_796_418_245).littleEndian, Array.init)
        let fields = try raw.withUnsafeBytes { extra in
            try [UInt8]().withUnsafeBytes { name in
                try ExtraFields.parse(extra, rawName: name, needUncompressed: false, needCompressed: false, needOffset: false)
            }
        }
        #expect(fields.modificationTime == 1_796_418_245)
    }
}
