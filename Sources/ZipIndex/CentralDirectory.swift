/// One central directory record with its ZIP64 values resolved (APPNOTE 4.3.12).
/// A class: the pass hands records around per entry, and a reference costs one
/// retain where a copy of this many fields cost a dozen (seen in profiles of
/// 50,000-entry archives). Immutable once parsed.
final class CentralRecord {
    let index: Int
    let versionMadeBy: UInt16
    let flags: UInt16
    let methodCode: UInt16
    let dosTime: UInt16
    let dosDate: UInt16
    let crc: UInt32
    let compressedSize: UInt64
    let uncompressedSize: UInt64
    /// As recorded, before any prepended-data adjustment.
    let localHeaderOffset: UInt64
    let diskStart: UInt32
    let externalAttributes: UInt32
    let rawName: [UInt8]
    let path: String
    let nonUTF8Name: Bool
    let extras: ExtraFields
    /// A problem with the record itself (malformed extra field, missing ZIP64 value).
    let problem: EntryFailure?

    init(index: Int, versionMadeBy: UInt16, flags: UInt16, methodCode: UInt16, dosTime: UInt16, dosDate: UInt16,
         crc: UInt32, compressedSize: UInt64, uncompressedSize: UInt64, localHeaderOffset: UInt64, diskStart: UInt32,
         externalAttributes: UInt32, rawName: [UInt8], path: String, nonUTF8Name: Bool, extras: ExtraFields,
         problem: EntryFailure?) {
        self.index = index
        self.versionMadeBy = versionMadeBy
        self.flags = flags
        self.methodCode = methodCode
        self.dosTime = dosTime
        self.dosDate = dosDate
        self.crc = crc
        self.compressedSize = compressedSize
        self.uncompressedSize = uncompressedSize
        self.localHeaderOffset = localHeaderOffset
        self.diskStart = diskStart
        self.externalAttributes = externalAttributes
        self.rawName = rawName
        self.path = path
        self.nonUTF8Name = nonUTF8Name
        self.extras = extras
        self.problem = problem
        entryType = CentralRecord.classify(self)
    }

    var isEncrypted: Bool { flags & 0x0001 != 0 || methodCode == 99 }
    var usesDataDescriptor: Bool { flags & 0x0008 != 0 }
    var method: CompressionMethod { CompressionMethod(code: methodCode) }

    /// Unix file type and permission bits, when the creator was a Unix-like system
    /// (host 3 Unix, 19 OS X) and set them (APPNOTE 4.4.2, 4.4.15).
    var unixMode: UInt32? {
        let host = versionMadeBy >> 8
        let bits = externalAttributes >> 16
        guard host == 3 || host == 19, bits != 0 else { return nil }
        return bits
    }

    /// Decided once when the record is parsed (planning, extraction and the
    /// manifest all ask).
    private(set) var entryType: IndexedEntry.EntryType = .file

    private static func classify(_ record: CentralRecord) -> IndexedEntry.EntryType {
        let path = record.path
        let externalAttributes = record.externalAttributes
        let unixMode = record.unixMode
        if let mode = unixMode {
            switch mode & 0o170000 {
            case 0o120000: return .symlink
            case 0o040000: return .directory
            default: break
            }
        }
        if path.hasSuffix("/") || path.hasSuffix("\\") || externalAttributes & 0x10 != 0 && unixMode == nil {
            return .directory
        }
        return .file
    }

    var modified: String? {
        if let seconds = extras.modificationTime { return Timestamps.iso8601(unixSeconds: seconds) }
        return Timestamps.iso8601(dosDate: dosDate, dosTime: dosTime)
    }
}

enum CentralDirectory {
    static let fixedRecordLength = 46

    /// Parses the records of `directory` (the bytes from the directory's start to
    /// the record after it). Reads records while their signature is present, then
    /// checks the count against the EOCD's, allowing the 16-bit wrap-around that
    /// writers without ZIP64 produce past 65,535 entries.
    /// - Throws: `format` for a corrupt or miscounted directory, `limits` past `maxEntries`.
    static func parse(
        _ directory: UnsafeRawBufferPointer,
        declaredCount: UInt64,
        isZip64: Bool,
        maxEntries: UInt64
    ) throws(ArchiveFailure) -> [CentralRecord] {
        var records: [CentralRecord] = []
        records.reserveCapacity(Int(min(declaredCount, 1 << 20)))
        var cursor = 0
        while cursor + 4 <= directory.count, directory.le32(cursor) == Signature.centralFileHeader {
            guard cursor + fixedRecordLength <= directory.count else {
                throw ArchiveFailure(.truncated, "central directory record \(records.count + 1) is cut off by the end of the directory")
            }
            let header = UnsafeRawBufferPointer(rebasing: directory[cursor ..< cursor + fixedRecordLength])
            let nameLength = Int(header.le16(28))
            let extraLength = Int(header.le16(30))
            let commentLength = Int(header.le16(32))
            let end = cursor + fixedRecordLength + nameLength + extraLength + commentLength
            guard end <= directory.count else {
                throw ArchiveFailure(.truncated, "central directory record \(records.count + 1) runs past the end of the directory")
            }
            if UInt64(records.count) >= maxEntries {
                throw ArchiveFailure(.limits, "archive has more than \(maxEntries) entries (limit maxEntries)")
            }
            let nameStart = cursor + fixedRecordLength
            let rawName = UnsafeRawBufferPointer(rebasing: directory[nameStart ..< nameStart + nameLength])
            let rawExtra = UnsafeRawBufferPointer(rebasing: directory[nameStart + nameLength ..< nameStart + nameLength + extraLength])
            records.append(record(index: records.count, header: header, rawName: rawName, rawExtra: rawExtra))
            cursor = end
        }
        let parsed = UInt64(records.count)
        let wrapped = !isZip64 && declaredCount <= 0xFFFF && parsed > declaredCount && parsed % 65_536 == declaredCount
        guard parsed == declaredCount || wrapped else {
            if parsed < declaredCount {
                throw ArchiveFailure(.format, "central directory holds \(parsed) records where the end record declares \(declaredCount)")
            }
            throw ArchiveFailure(.format, "central directory holds \(parsed) records, more than the \(declaredCount) the end record declares")
        }
        return records
    }

    private static func record(
        index: Int, header: UnsafeRawBufferPointer, rawName: UnsafeRawBufferPointer, rawExtra: UnsafeRawBufferPointer
    ) -> CentralRecord {
        let flags = header.le16(8)
        let compressed32 = header.le32(20)
        let uncompressed32 = header.le32(24)
        let disk16 = header.le16(34)
        let offset32 = header.le32(42)
        var problem: EntryFailure?
        var extras = ExtraFields()
        do {
            extras = try ExtraFields.parse(
                rawExtra, rawName: rawName,
                needUncompressed: uncompressed32 == 0xFFFF_FFFF,
                needCompressed: compressed32 == 0xFFFF_FFFF,
                needOffset: offset32 == 0xFFFF_FFFF)
        } catch {
            if case .blockOverrun(let id, let declared, let remaining) = error {
                problem = EntryFailure(.format, "central extra field 0x\(hex16(id)) declares \(declared) bytes where \(remaining) remain")
            }
        }
        func resolved(_ value32: UInt32, _ zip64: UInt64?, _ what: String) -> UInt64 {
            guard value32 == 0xFFFF_FFFF else { return UInt64(value32) }
            if let zip64 { return zip64 }
            if problem == nil { problem = EntryFailure(.format, "\(what) is 0xFFFFFFFF but the ZIP64 extra field does not give it") }
            return UInt64(value32)
        }
        let uncompressed = resolved(uncompressed32, extras.zip64Uncompressed, "uncompressed size")
        let compressed = resolved(compressed32, extras.zip64Compressed, "compressed size")
        let offset = resolved(offset32, extras.zip64LocalHeaderOffset, "local header offset")

        var (path, nonUTF8) = decodeName(rawName, utf8Flag: flags & 0x0800 != 0)
        // A valid Unicode Path field (its CRC matches this very name) wins even over
        // flag bit 11, as Info-ZIP and yauzl read it: the field is the writer's
        // deliberate statement of the name.
        if let unicode = extras.unicodePath {
            path = unicode
            nonUTF8 = false
        }
        return CentralRecord(
            index: index,
            versionMadeBy: header.le16(4),
            flags: flags,
            methodCode: header.le16(10),
            dosTime: header.le16(12),
            dosDate: header.le16(14),
            crc: header.le32(16),
            compressedSize: compressed,
            uncompressedSize: uncompressed,
            localHeaderOffset: offset,
            diskStart: UInt32(disk16),
            externalAttributes: header.le32(38),
            rawName: Array(rawName),
            path: path,
            nonUTF8Name: nonUTF8,
            extras: extras,
            problem: problem
        )
    }
}
