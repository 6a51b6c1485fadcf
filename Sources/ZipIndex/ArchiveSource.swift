/// Where the indexer reads an archive's bytes: a local file for the full
/// index, or byte ranges of a remote object for the listing (`ListingIndexer`).
/// Not `Sendable`: one indexer reads a source at a time.
protocol ArchiveSource: AnyObject {
    var size: UInt64 { get }
    /// Bytes read (or fetched) so far.
    var bytesRead: UInt64 { get }

    /// Reads exactly `buffer.count` bytes at `offset`.
    /// - Throws: `io` on a read error, `truncated` when the archive ends first.
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveFailure)

    /// Says that `range` (the central directory) is about to be read: a source
    /// that fetches over the network asks for all of it in one request instead
    /// of the four bytes of signature that are read first. Local files ignore it.
    func willRead(_ range: Range<UInt64>)

    /// How many bytes from `offset` on can be read: all of them for a file;
    /// for an archive kept only in part while it streamed (`RetainedArchive`),
    /// the length of the kept run, so the sequential reader takes a local
    /// header without asking for the entry data after it.
    func readableRun(at offset: UInt64) -> UInt64
}

extension ArchiveSource {
    func willRead(_ range: Range<UInt64>) {}

    func readableRun(at offset: UInt64) -> UInt64 { .max }

    func read(at offset: UInt64, count: Int) throws(ArchiveFailure) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var failure: ArchiveFailure?
        bytes.withUnsafeMutableBytes { buffer in
            do throws(ArchiveFailure) { try read(at: offset, into: buffer) } catch { failure = error }
        }
        if let failure { throw failure }
        return bytes
    }
}
