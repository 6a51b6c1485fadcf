/// The extra fields the reader understands (APPNOTE 4.5, 4.6).
struct ExtraFields: Sendable {
    var zip64Uncompressed: UInt64?
    var zip64Compressed: UInt64?
    var zip64LocalHeaderOffset: UInt64?
    var hasZip64Field = false
    /// Info-ZIP Unicode Path (0x7075), only when its CRC matches the raw name.
    var unicodePath: String?
    /// Extended timestamp (0x5455) modification time, seconds since 1970.
    var modificationTime: Int64?
    /// WinZip AES (0x9901): the real compression method behind method 99.
    var aesCompressionMethod: UInt16?

    enum Malformed: Error {
        case blockOverrun(id: UInt16, declared: Int, remaining: Int)
    }

    /// Parses `raw`. ZIP64 fields appear only for the header fields that are
    /// saturated, in the fixed order of APPNOTE 4.5.3.
    /// - Throws: `Malformed` when a block's declared length runs past the extra area.
    static func parse(
        _ raw: UnsafeRawBufferPointer,
        rawName: UnsafeRawBufferPointer,
        needUncompressed: Bool,
        needCompressed: Bool,
        needOffset: Bool
    ) throws(Malformed) -> ExtraFields {
        var fields = ExtraFields()
        var cursor = 0
        // Fewer than four bytes left is padding (zipalign and others), not a block.
        while cursor + 4 <= raw.count {
            let id = raw.le16(cursor)
            let length = Int(raw.le16(cursor + 2))
            let start = cursor + 4
            guard start + length <= raw.count else {
                throw .blockOverrun(id: id, declared: length, remaining: raw.count - start)
            }
            let block = UnsafeRawBufferPointer(rebasing: raw[start ..< start + length])
            switch id {
            case 0x0001:
                fields.hasZip64Field = true
                var at = 0
                func next() -> UInt64? {
                    guard at + 8 <= block.count else { return nil }
                    defer { at += 8 }
                    return block.le64(at)
                }
                if needUncompressed { fields.zip64Uncompressed = next() }
                if needCompressed { fields.zip64Compressed = next() }
                if needOffset { fields.zip64LocalHeaderOffset = next() }
            case 0x7075 where fields.unicodePath == nil:
                // Version 1, CRC-32 of the header's name, then the UTF-8 name (APPNOTE 4.6.9).
                if block.count > 5, block[0] == 1, block.le32(1) == crc32(of: rawName) {
                    let name = UnsafeRawBufferPointer(rebasing: block[5...])
                    if let decoded = decodeUTF8(name), !decoded.isEmpty { fields.unicodePath = decoded }
                }
            case 0x5455:
                // Flags, then the modification time when bit 0 is set (Info-ZIP extended timestamp).
                if block.count >= 5, block[0] & 1 == 1 {
                    fields.modificationTime = Int64(Int32(bitPattern: block.le32(1)))
                }
            case 0x9901:
                if block.count >= 7 { fields.aesCompressionMethod = block.le16(5) }
            default:
                break
            }
            cursor = start + length
        }
        return fields
    }
}
