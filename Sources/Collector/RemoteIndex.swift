import S3
import ZipIndex

extension S3Client {
    /// The listing-only index of the archive at `uri`, read from its tail with
    /// one or two `Range` requests: the last `ListingIndexer.suffixLength`
    /// bytes (end record, ZIP64 records and, for most archives, the whole
    /// central directory), then, when the directory did not fit, exactly its
    /// missing bytes with `If-Match` on the first response's ETag.
    ///
    /// An object replaced between the two reads (`412`) is listed again from
    /// the start, once. Archive problems are in the index, as for a local file.
    /// - Returns: the index (`mode` `listing`, every entry unverified) and the
    ///   body bytes fetched.
    /// - Throws: what S3 or the network said; `changed` if the object kept changing.
    package func listingIndex(_ uri: S3URI, options: IndexOptions = IndexOptions(),
                              retry: @escaping RetryDecision) async throws(S3Error) -> (ArchiveIndex, bytesFetched: UInt64) {
        var restarted = false
        while true {
            do throws(S3Error) {
                return try await listOnce(uri, options: options, retry: retry)
            } catch {
                guard error.kind == .changed, !restarted else { throw error }
                restarted = true
            }
        }
    }

    private func listOnce(_ uri: S3URI, options: IndexOptions,
                          retry: @escaping RetryDecision) async throws(S3Error) -> (ArchiveIndex, bytesFetched: UInt64) {
        let suffix = try await getRange(uri, .suffix(ListingIndexer.suffixLength), retry: retry)
        let etag = suffix.etag
        // The same If-Match cannot succeed on a replay: a 412 ends this attempt at once.
        let sameObject: RetryDecision = { error, attempt in
            error.kind == .changed ? false : await retry(error, attempt)
        }
        let index = try await ListingIndexer.index(
            path: uri.description, size: suffix.objectSize, options: options,
            prefetched: (suffix.offset, suffix.bytes)
        ) { (range: Range<UInt64>) async throws(S3Error) -> [UInt8] in
            try await self.getRange(uri, .span(range), ifMatch: etag, retry: sameObject).bytes
        }
        return (index, index.bytesRead)
    }
}
