/// The entry failures that decoding an entry's data can end with. One place
/// for their wording: the two-pass reader and the streaming scanner must
/// produce the same manifest, word for word.
extension EntryFailure {
    static func inflatesPastDeclared(_ declared: UInt64) -> EntryFailure {
        EntryFailure(.sizeMismatch, "data inflates to more than the \(declared) bytes the central directory declares; stopped")
    }

    static func bytesAfterStreamEnd(_ leftover: UInt64) -> EntryFailure {
        EntryFailure(.corruptData, "\(leftover) bytes of compressed data follow the end of the deflate stream")
    }

    static let streamCutShort = EntryFailure(.corruptData, "compressed data ends before the deflate stream does")

    static func corruptStream(_ zlibMessage: String?, status: Int32) -> EntryFailure {
        EntryFailure(.corruptData, "deflate stream is corrupt (zlib: \(zlibMessage ?? "error \(status)"))")
    }

    static func decodedSize(_ produced: UInt64, declared: UInt64) -> EntryFailure {
        EntryFailure(.sizeMismatch, "data decodes to \(produced) bytes; the central directory says \(declared)")
    }

    static func crcMismatch(_ computed: UInt32, declared: UInt32) -> EntryFailure {
        EntryFailure(.checksum, "CRC-32 of the data is \(hex32(computed)); the central directory says \(hex32(declared))")
    }
}
