/// The result of indexing one ZIP archive: what `index --json` prints and what
/// a session manifest embeds as `archive` (CONTRACTS.md, "Archive manifest").
package struct ArchiveIndex: Sendable, Equatable {
    /// The path the archive was read from, as given.
    package var path: String
    /// Size of the archive file in bytes.
    package var bytes: UInt64
    /// SHA-256 of the whole archive file; `nil` when hashing was switched off.
    package var sha256: String?
    /// The archive comment (UTF-8 when valid, else CP437).
    package var comment: String
    package var entries: [IndexedEntry]
    package var findings: [Finding]
    /// Archive-level failure; entries may still be listed.
    package var error: ArchiveFailure?
    /// Bytes read from the file to produce this index (not part of the manifest).
    package var bytesRead: UInt64 = 0
    /// Entries settled by the streaming scan during the download instead of
    /// being decoded again (not in the manifest: it never changes a verdict).
    package var settledWhileDownloading = 0
    /// `listing` when only the central directory was read (`ListingIndexer`).
    package var mode: IndexMode = .verified

    package var entryCount: Int { entries.count }

    /// `error` when the archive failed, any entry failed, or a blocking finding exists.
    package var isOK: Bool {
        error == nil && entries.allSatisfy(\.isOK) && !findings.contains { $0.kind.isBlocking }
    }
}

extension ArchiveIndex {
    /// An index of nothing: what is reported when the archive could not be reached.
    package init(path: String, mode: IndexMode, error: ArchiveFailure?) {
        self.init(path: path, bytes: 0, sha256: nil, comment: "", entries: [], findings: [], error: error)
        self.mode = mode
    }
}

/// One central-directory entry with what verification found.
package struct IndexedEntry: Sendable, Equatable {
    package enum EntryType: String, Sendable {
        case file, directory, symlink
    }

    package var path: String
    package var type: EntryType
    package var method: CompressionMethod
    package var compressedBytes: UInt64
    package var bytes: UInt64
    /// CRC-32 as stored in the central directory.
    package var crc32: UInt32
    /// SHA-256 of the uncompressed bytes, `nil` when not computed or unreadable.
    package var sha256: String?
    /// ISO 8601 UTC, from the extended-timestamp extra field, else DOS time as UTC.
    package var modified: String?
    /// Unix permission bits (including setuid/setgid/sticky) when the archive carries them.
    package var mode: UInt32?
    package var encrypted: Bool
    package var error: EntryFailure?
    /// `false` in a listing: the data was not read, so `status` says only that
    /// the central directory shows nothing wrong.
    package var verified = true

    package var isOK: Bool { error == nil }

    /// `mode` as the four octal digits the manifest uses ("0644", "4755").
    package var modeString: String? {
        guard let mode else { return nil }
        guard mode <= 0o7777 else { return String(mode, radix: 8) }
        return String(unsafeUninitializedCapacity: 4) { buffer in
            for position in 0 ..< 4 {
                buffer[position] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: mode >> (3 * (3 - position)) & 7)
            }
            return 4
        }
    }

    /// `crc32` as eight lowercase hex digits.
    package var crc32String: String { hex32(crc32) }
}

/// How much of the archive an index read.
package enum IndexMode: String, Sendable {
    /// Every entry inflated, CRC-checked and hashed.
    case verified
    /// The end records and the central directory only (`ListingIndexer`).
    case listing
}

package enum CompressionMethod: Sendable, Equatable, CustomStringConvertible {
    case stored
    case deflate
    case other(UInt16)

    init(code: UInt16) {
        switch code {
        case 0: self = .stored
        case 8: self = .deflate
        default: self = .other(code)
        }
    }

    /// The manifest spelling: `stored`, `deflate`, `other:<number>`.
    package var description: String {
        switch self {
        case .stored: "stored"
        case .deflate: "deflate"
        case .other(let code): "other:\(code)"
        }
    }
}

/// Something about the archive a reviewer must see; some kinds block the archive.
package struct Finding: Sendable, Equatable {
    package var kind: FindingKind
    package var path: String
    package var message: String

    package init(kind: FindingKind, path: String, message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }
}

package enum FindingKind: String, Sendable, CaseIterable {
    case pathTraversal = "path_traversal"
    case absolutePath = "absolute_path"
    case duplicatePath = "duplicate_path"
    case overlappingEntries = "overlapping_entries"
    case compressionRatio = "compression_ratio"
    case symlinkEscape = "symlink_escape"
    case encrypted
    case unsupportedMethod = "unsupported_method"
    case prependedData = "prepended_data"
    case trailingData = "trailing_data"
    case nonUTF8Name = "non_utf8_name"

    /// Blocking findings make the archive's status `error` (CONTRACTS.md).
    package var isBlocking: Bool {
        switch self {
        case .pathTraversal, .absolutePath, .symlinkEscape, .overlappingEntries,
             .duplicatePath, .compressionRatio:
            true
        case .encrypted, .unsupportedMethod, .prependedData, .trailingData, .nonUTF8Name:
            false
        }
    }
}

private let hexDigits = Array("0123456789abcdef".utf8)

/// Eight lowercase hex digits, as the manifest spells CRC-32 values.
func hex32(_ value: UInt32) -> String {
    String(unsafeUninitializedCapacity: 8) { buffer in
        for position in 0 ..< 8 {
            buffer[position] = hexDigits[Int(value >> (4 * (7 - UInt32(position))) & 0xF)]
        }
        return 8
    }
}

func hex16(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 4 - digits.count) + digits
}
