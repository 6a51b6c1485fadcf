/// An archive-level failure, with the machine word the manifest uses.
package struct ArchiveFailure: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: String, Sendable {
        case notZip = "not_zip"
        case truncated
        case format
        case multiDisk = "multi_disk"
        case limits
        case io
    }

    package var kind: Kind
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { "\(kind.rawValue): \(message)" }
}

/// A failure of one entry, with the machine word the manifest uses.
package struct EntryFailure: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: String, Sendable {
        case checksum
        case truncated
        case corruptData = "corrupt_data"
        case sizeMismatch = "size_mismatch"
        case unsupportedMethod = "unsupported_method"
        case encrypted
        case format
        case limits
        case io
    }

    package var kind: Kind
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { "\(kind.rawValue): \(message)" }
}
