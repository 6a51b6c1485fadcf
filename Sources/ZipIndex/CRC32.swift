import CZlib
#if ISAL
import CISAL
#endif

/// CRC-32 through zlib's `crc32_z` (several GB/s; byte-by-byte Swift is ~25× slower).
@inline(__always)
func crc32(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
    guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
    #if ISAL
    // ISA-L's PCLMULQDQ CRC: the same CRC-32 (chains like zlib's), 3× faster here.
    return crc32_gzip_refl(crc, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    #else
    return UInt32(truncatingIfNeeded: crc32_z(UInt(crc), base.assumingMemoryBound(to: Bytef.self), bytes.count))
    #endif
}

func crc32(of bytes: UnsafeRawBufferPointer) -> UInt32 {
    crc32(0, bytes)
}
