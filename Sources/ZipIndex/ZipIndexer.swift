/// Reads, verifies and indexes one ZIP archive (PKWARE APPNOTE 6.3.10).
///
/// The tail is read once to find the end of central directory (and ZIP64
/// records), the central directory once, then the entry area once from front
/// to back in offset order: each local header is cross-checked against its
/// central record, each entry inflated, CRC-checked and hashed, and optionally
/// extracted. Memory stays flat: a few fixed chunks plus the central directory.
package enum ZipIndexer {
    /// Indexes the archive at `path`. With `streamed` (what an `ArchiveFollower`
    /// settled while the file was written), entries decoded then are not read
    /// again; the result is the same, field for field. Never throws: every failure is classified
    /// in the result (`error`, entry errors, findings).
    package static func index(
        path: String,
        options: IndexOptions = IndexOptions(),
        extraction: ExtractionRequest? = nil,
        streamed: StreamedScan? = nil
    ) -> ArchiveIndex {
        var result = ArchiveIndex(path: path, bytes: 0, sha256: nil, comment: "", entries: [], findings: [], error: nil)
        do throws(ArchiveFailure) {
            let file = try ReadOnlyFile(path: path)
            result.bytes = file.size
            let extractor = try extraction.map { request throws(ArchiveFailure) in try Extractor(request) }
            let run = try IndexRun(file: file, path: path, options: options, extractor: extractor, streamed: streamed)
            run.perform(into: &result)
            result.bytesRead = file.bytesRead
        } catch {
            result.error = error
        }
        return result
    }

    /// Indexes an archive from its stream alone (`ArchiveStreamer`): what the
    /// scan settled plus the headers and central directory it kept.
    /// - Returns: the index, the same field for field as from the file, or
    ///   `nil` when it needs bytes that were not kept (an entry the scan could
    ///   not settle): the caller then indexes the downloaded file instead.
    package static func index(streamed archive: StreamedArchive, path: String,
                              options: IndexOptions = IndexOptions()) -> ArchiveIndex? {
        guard let runs = archive.runs else { return nil }
        let source = RetainedArchive(size: archive.size, runs: runs)
        var result = ArchiveIndex(path: path, bytes: archive.size, sha256: nil, comment: "", entries: [], findings: [], error: nil)
        do throws(ArchiveFailure) {
            let run = try IndexRun(file: source, path: path, options: options, extractor: nil, streamed: archive.scan)
            run.perform(into: &result)
        } catch {
            result.error = error
        }
        guard source.missedRead == nil else { return nil }
        result.bytesRead = source.bytesRead
        return result
    }
}
