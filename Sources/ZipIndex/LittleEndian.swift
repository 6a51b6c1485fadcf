/// Little-endian field access over raw bytes; every ZIP integer is little-endian
/// (PKWARE APPNOTE 4.4.1.1). Callers check bounds before reading.
extension UnsafeRawBufferPointer {
    @inline(__always)
    func le16(_ offset: Int) -> UInt16 {
        UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    func le32(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func le64(_ offset: Int) -> UInt64 {
        UInt64(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}

/// Record signatures (APPNOTE 4.3.7, 4.3.9.3, 4.3.12, 4.3.14–4.3.16).
enum Signature {
    static let localFileHeader: UInt32 = 0x0403_4b50
    static let dataDescriptor: UInt32 = 0x0807_4b50
    static let centralFileHeader: UInt32 = 0x0201_4b50
    static let zip64EndOfCentralDirectory: UInt32 = 0x0606_4b50
    static let zip64Locator: UInt32 = 0x0706_4b50
    static let endOfCentralDirectory: UInt32 = 0x0605_4b50
    static let archiveExtraData: UInt32 = 0x0806_4b50
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` keeping the typed error (the standard one only rethrows).
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ArchiveFailure) -> R) throws(ArchiveFailure) -> R {
        let result: Result<R, ArchiveFailure> = withUnsafeBytes { raw in
            Result { () throws(ArchiveFailure) -> R in try body(raw) }
        }
        return try result.get()
    }
}
