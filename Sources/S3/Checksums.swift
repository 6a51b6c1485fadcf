import CZlib
import Crypto
import Foundation

/// The full-object checksums S3 may return with `x-amz-checksum-mode: ENABLED`
/// (CRC32, CRC32C, CRC64NVME, SHA-256), computed while the body streams.
/// Base64 of the big-endian value, as S3 sends them.
enum ChecksumAlgorithm: String, Sendable, CaseIterable {
    case crc32 = "CRC32"
    case crc32c = "CRC32C"
    case crc64nvme = "CRC64NVME"
    case sha256 = "SHA256"

    var header: String { "x-amz-checksum-\(rawValue.lowercased())" }
}

/// A running checksum of one algorithm.
struct RunningChecksum {
    let algorithm: ChecksumAlgorithm
    private var crc32: UInt32 = 0
    private var crc32c: UInt32 = 0xFFFF_FFFF
    private var crc64: UInt64 = 0xFFFF_FFFF_FFFF_FFFF
    private var sha = SHA256()

    init(_ algorithm: ChecksumAlgorithm) {
        self.algorithm = algorithm
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch algorithm {
        case .crc32:
            if let base = bytes.baseAddress, !bytes.isEmpty {
                crc32 = UInt32(truncatingIfNeeded: crc32_z(UInt(crc32), base.assumingMemoryBound(to: Bytef.self), bytes.count))
            }
        case .crc32c:
            for byte in bytes { crc32c = CRCTables.crc32c[Int((crc32c ^ UInt32(byte)) & 0xFF)] ^ (crc32c >> 8) }
        case .crc64nvme:
            for byte in bytes { crc64 = CRCTables.crc64nvme[Int((crc64 ^ UInt64(byte)) & 0xFF)] ^ (crc64 >> 8) }
        case .sha256:
            sha.update(bufferPointer: bytes)
        }
    }

    /// The value as S3 spells it: base64 of the big-endian bytes.
    func base64() -> String {
        switch algorithm {
        case .crc32: return Data(withUnsafeBytes(of: crc32.bigEndian, Array.init)).base64EncodedString()
        case .crc32c: return Data(withUnsafeBytes(of: (crc32c ^ 0xFFFF_FFFF).bigEndian, Array.init)).base64EncodedString()
        case .crc64nvme: return Data(withUnsafeBytes(of: (crc64 ^ 0xFFFF_FFFF_FFFF_FFFF).bigEndian, Array.init)).base64EncodedString()
        case .sha256: return Data(sha.finalize()).base64EncodedString()
        }
    }
}

/// Byte-at-a-time tables of the reflected polynomials.
enum CRCTables {
    static let crc32c: [UInt32] = table32(0x82F6_3B78)
    static let crc64nvme: [UInt64] = table64(0x9A6C_9329_AC4B_C9B5)

    private static func table32(_ polynomial: UInt32) -> [UInt32] {
        (0 ..< 256).map { index in
            var value = UInt32(index)
            for _ in 0 ..< 8 { value = value & 1 == 1 ? (value >> 1) ^ polynomial : value >> 1 }
            return value
        }
    }

    private static func table64(_ polynomial: UInt64) -> [UInt64] {
        (0 ..< 256).map { index in
            var value = UInt64(index)
            for _ in 0 ..< 8 { value = value & 1 == 1 ? (value >> 1) ^ polynomial : value >> 1 }
            return value
        }
    }
}
