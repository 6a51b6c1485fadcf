/// Where the central directory is, read from the end of the archive
/// (APPNOTE 4.3.16 end of central directory, 4.3.14–4.3.15 ZIP64).
struct DirectoryLocation: Sendable {
    /// File offset of the EOCD record.
    var eocdOffset: UInt64
    /// Where the record after the central directory starts (ZIP64 record or EOCD).
    var directoryEndOffset: UInt64
    var entryCount: UInt64
    var directorySize: UInt64
    /// The central directory offset as recorded (relative to the archive start).
    var recordedDirectoryOffset: UInt64
    var comment: [UInt8]
    /// Bytes after the EOCD comment up to the end of the file.
    var trailingBytes: UInt64
    var isZip64: Bool
    /// PKWARE strong encryption of the central directory (APPNOTE 7.3.4).
    var centralDirectoryEncrypted: Bool
}

/// The size of the tail read once: the 22-byte EOCD plus the largest comment.
let maximumTailLength = 22 + 65_535

enum EndOfCentralDirectory {
    /// Locates the EOCD in `tail`, the last bytes of a file of `fileSize` bytes,
    /// and follows the ZIP64 locator when the EOCD's fields are saturated.
    ///
    /// The EOCD is the last signature with room for its 22 bytes; its comment must
    /// fit in the file (Go's rule: a truncated comment is a format error rather than
    /// a reason to fall back to an earlier, different archive).
    /// - Parameter readAt: reads bytes before the tail (only for a ZIP64 record
    ///   that lies outside it).
    /// - Returns: `nil` when there is no EOCD signature at all.
    static func locate(
        tail: UnsafeRawBufferPointer,
        fileSize: UInt64,
        readAt: (UInt64, Int) throws(ArchiveFailure) -> [UInt8]
    ) throws(ArchiveFailure) -> DirectoryLocation? {
        let tailStart = fileSize - UInt64(tail.count)
        guard tail.count >= 22 else { return nil }
        var candidate = tail.count - 22
        while candidate >= 0 {
            if tail.le32(candidate) == Signature.endOfCentralDirectory { break }
            candidate -= 1
        }
        guard candidate >= 0 else { return nil }

        let record = UnsafeRawBufferPointer(rebasing: tail[candidate...])
        let diskNumber = record.le16(4)
        let directoryDisk = record.le16(6)
        let entriesOnDisk = record.le16(8)
        let totalEntries = record.le16(10)
        let directorySize = record.le32(12)
        let directoryOffset = record.le32(16)
        let commentLength = Int(record.le16(20))
        guard 22 + commentLength <= record.count else {
            throw ArchiveFailure(.format, "end of central directory declares a \(commentLength)-byte comment that runs past the end of the file")
        }
        let eocdOffset = tailStart + UInt64(candidate)
        var location = DirectoryLocation(
            eocdOffset: eocdOffset,
            directoryEndOffset: eocdOffset,
            entryCount: UInt64(totalEntries),
            directorySize: UInt64(directorySize),
            recordedDirectoryOffset: UInt64(directoryOffset),
            comment: Array(record[22 ..< 22 + commentLength]),
            trailingBytes: UInt64(record.count - 22 - commentLength),
            isZip64: false,
            centralDirectoryEncrypted: false
        )

        let saturated = diskNumber == 0xFFFF || directoryDisk == 0xFFFF || entriesOnDisk == 0xFFFF
            || totalEntries == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF
        if saturated, let zip64 = try readZip64(
            eocdOffset: eocdOffset, tail: tail, tailStart: tailStart, readAt: readAt)
        {
            guard zip64.diskCount <= 1, zip64.diskNumber == 0, zip64.directoryDisk == 0 else {
                throw ArchiveFailure(.multiDisk, "archive spans \(max(zip64.diskCount, 2)) disks (split or spanned archive)")
            }
            location.isZip64 = true
            location.directoryEndOffset = zip64.recordOffset
            location.entryCount = zip64.totalEntries
            location.directorySize = zip64.directorySize
            location.recordedDirectoryOffset = zip64.directoryOffset
            // A version-2 record (APPNOTE 4.3.14.2, 7.3.4) describes an encrypted directory.
            location.centralDirectoryEncrypted = zip64.recordSize >= 72 && (zip64.versionNeeded & 0xFF) >= 62
        } else if diskNumber != 0 || directoryDisk != 0 {
            // A real split archive's last segment holds the record: the directory
            // starts on this disk or an earlier one and this disk holds no more
            // entries than the whole. Anything else is a corrupt record, not a split.
            guard directoryDisk <= diskNumber, entriesOnDisk <= totalEntries else {
                throw ArchiveFailure(.format, "end of central directory record is inconsistent (disk \(diskNumber), directory disk \(directoryDisk), \(entriesOnDisk) of \(totalEntries) entries on this disk)")
            }
            throw ArchiveFailure(.multiDisk, "end of central directory is on disk \(diskNumber), directory starts on disk \(directoryDisk) (split or spanned archive)")
        }
        return location
    }

    struct Zip64Record {
        var recordOffset: UInt64
        var recordSize: UInt64
        var versionNeeded: UInt16
        var diskNumber: UInt32
        var directoryDisk: UInt32
        var diskCount: UInt32
        var totalEntries: UInt64
        var directorySize: UInt64
        var directoryOffset: UInt64
    }

    /// Reads the ZIP64 locator just before the EOCD and the record it points to.
    /// The record is looked for where the locator says, then right before the
    /// locator (archives with prepended data keep unadjusted offsets).
    /// - Returns: `nil` when there is no locator: the saturated fields are taken as they are.
    private static func readZip64(
        eocdOffset: UInt64,
        tail: UnsafeRawBufferPointer,
        tailStart: UInt64,
        readAt: (UInt64, Int) throws(ArchiveFailure) -> [UInt8]
    ) throws(ArchiveFailure) -> Zip64Record? {
        guard eocdOffset >= 20 else { return nil }
        let locatorOffset = eocdOffset - 20
        let locator = try bytes(at: locatorOffset, count: 20, tail: tail, tailStart: tailStart, readAt: readAt)
        let (signature, locatorDisk, recordedOffset, diskCount) = locator.withUnsafeBytes {
            ($0.le32(0), $0.le32(4), $0.le64(8), $0.le32(16))
        }
        guard signature == Signature.zip64Locator else { return nil }
        if locatorDisk != 0 || diskCount > 1 {
            throw ArchiveFailure(.multiDisk, "ZIP64 locator names disk \(locatorDisk) of \(diskCount) (split or spanned archive)")
        }
        var candidates: [UInt64] = []
        if recordedOffset <= locatorOffset &- 56, locatorOffset >= 56 { candidates.append(recordedOffset) }
        if locatorOffset >= 56, !candidates.contains(locatorOffset - 56) { candidates.append(locatorOffset - 56) }
        for offset in candidates {
            let header = try bytes(at: offset, count: 56, tail: tail, tailStart: tailStart, readAt: readAt)
            let record: Zip64Record? = header.withUnsafeBytes { raw in
                guard raw.le32(0) == Signature.zip64EndOfCentralDirectory else { return nil }
                return Zip64Record(
                    recordOffset: offset, recordSize: raw.le64(4), versionNeeded: raw.le16(14),
                    diskNumber: raw.le32(16), directoryDisk: raw.le32(20), diskCount: diskCount,
                    totalEntries: raw.le64(32), directorySize: raw.le64(40), directoryOffset: raw.le64(48))
            }
            if let record {
                // offset <= locatorOffset - 56 (the candidates): the subtraction cannot
                // wrap, where offset + 12 + a hostile 64-bit size could overflow.
                guard record.recordSize >= 44, record.recordSize <= locatorOffset - offset - 12 else {
                    throw ArchiveFailure(.format, "ZIP64 end of central directory record has an invalid size \(record.recordSize)")
                }
                return record
            }
        }
        throw ArchiveFailure(.format, "ZIP64 locator points at offset \(recordedOffset), where there is no ZIP64 end of central directory record")
    }

    private static func bytes(
        at offset: UInt64, count: Int, tail: UnsafeRawBufferPointer, tailStart: UInt64,
        readAt: (UInt64, Int) throws(ArchiveFailure) -> [UInt8]
    ) throws(ArchiveFailure) -> [UInt8] {
        if offset >= tailStart, offset + UInt64(count) <= tailStart + UInt64(tail.count) {
            let start = Int(offset - tailStart)
            return Array(tail[start ..< start + count])
        }
        return try readAt(offset, count)
    }
}
