#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where stored data of unknown length ends (general purpose flag bit 3,
/// APPNOTE 4.3.9): nothing in the data marks it, so the only evidence is a
/// signed data descriptor that describes exactly the bytes before it and is
/// followed by another record. Stored data may contain anything, including
/// such a descriptor planted on purpose: the end found here is a guess that
/// the central directory confirms or overrules (`EntryPass.replayStreamed`).
enum StoredDataEnd {
    /// Signature, CRC-32, two 8-byte sizes, and the next record's signature:
    /// the most a candidate needs to be judged.
    static let window = 28

    private static let signature: [UInt8] = [0x50, 0x4B, 0x07, 0x08]

    /// The first offset from `start` where a descriptor signature begins, or
    /// where a prefix of it ends the buffer (the rest may come in the next piece).
    static func nextCandidate(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var offset = start
        while offset < bytes.count {
            // memchr: stored data is mostly not 'P', and this runs over every byte of it.
            guard let found = memchr(base + offset, 0x50, bytes.count - offset) else { return nil }
            offset = base.distance(to: UnsafeRawPointer(found))
            if startsLikeSignature(UnsafeRawBufferPointer(rebasing: bytes[offset...])) { return offset }
            offset += 1
        }
        return nil
    }

    /// Whether `bytes` start with the descriptor signature, or with the part
    /// of it they hold.
    static func startsLikeSignature(_ bytes: UnsafeRawBufferPointer) -> Bool {
        zip(bytes.prefix(4), signature).allSatisfy { $0 == $1 }
    }

    /// The length of the descriptor at the start of `window` (at least `window`
    /// bytes), if it ends `size` data bytes whose CRC-32 is `crc`: its CRC-32
    /// and both sizes match, and a known record follows. Both size widths are
    /// tried, ZIP64's 8 bytes first when the local header had a ZIP64 field
    /// (as for a deflate entry's descriptor).
    static func descriptorLength(_ window: UnsafeRawBufferPointer, crc: UInt32, size: UInt64, zip64: Bool) -> Int? {
        guard window.count >= Self.window, window.le32(0) == Signature.dataDescriptor, window.le32(4) == crc else {
            return nil
        }
        for width in zip64 ? [8, 4] : [4, 8] {
            let length = 8 + 2 * width
            let (compressed, uncompressed) = width == 8
                ? (window.le64(8), window.le64(16))
                : (UInt64(window.le32(8)), UInt64(window.le32(12)))
            // 4-byte sizes must hold the size itself, not its low 32 bits: a
            // larger entry needs ZIP64's (APPNOTE 4.3.9.2).
            if compressed == size, uncompressed == size, StreamScanner.recordSignatures.contains(window.le32(length)) {
                return length
            }
        }
        return nil
    }
}
