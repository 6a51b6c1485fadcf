/// The listing-only index: entries and the findings that need no data, from the
/// end records and the central directory alone, never the entry area. It is the
/// full indexer (`IndexRun`) stopped after planning, so names, sizes, CRCs as
/// stored, methods, times, modes, types and the data-free findings are the very
/// values a full index gives; entries carry `sha256: nil` and `verified: false`.
///
/// What a listing cannot see: CRC and size mismatches, corrupt data, local
/// headers that disagree with the directory, the real extent of an entry (local
/// extra fields, data descriptors) and symlink targets, which live in the data.
package enum ListingIndexer {
    /// The first read: the end record with the longest comment (22 + 65,535
    /// bytes) plus the ZIP64 locator (20) and record (56) before it, so that a
    /// ZIP64 archive with a maximal comment still needs only one more request.
    package static let suffixLength = UInt64(maximumTailLength + 20 + 56)

    /// At most this many requests per archive: the suffix, the central
    /// directory, and the odd extra read a damaged archive asks for (a ZIP64
    /// record outside the suffix, the first bytes of a file without an end record).
    static let maximumRequests = 6

    /// Lists an archive of `size` bytes through `fetch`, which returns exactly
    /// the bytes of the range it is given (an HTTP `Range` request, a local
    /// `pread`). `prefetched` is the suffix already in hand (the first response
    /// told the caller the size); without it the suffix is fetched first.
    ///
    /// Usually one request, two when the central directory does not fit in the
    /// suffix: the second asks for the directory's bytes that are not already held.
    /// - Returns: the index, `bytesRead` counting every fetched byte.
    /// - Throws: only what `fetch` throws; archive problems are in the result.
    package static func index<Failure: Error>(
        path: String,
        size: UInt64,
        options: IndexOptions = IndexOptions(),
        prefetched: (offset: UInt64, bytes: [UInt8])? = nil,
        fetch: (Range<UInt64>) async throws(Failure) -> [UInt8]
    ) async throws(Failure) -> ArchiveIndex {
        let cache = RangeCache(size: size)
        var requests = 0
        func load(_ range: Range<UInt64>) async throws(Failure) -> ArchiveFailure? {
            requests += 1
            let bytes = try await fetch(range)
            guard bytes.count == range.count else {
                return ArchiveFailure(.io, "range request for bytes \(range.lowerBound)-\(range.upperBound - 1) returned \(bytes.count) bytes")
            }
            cache.insert(at: range.lowerBound, bytes)
            return nil
        }
        if let prefetched {
            cache.insert(at: prefetched.offset, prefetched.bytes)
        } else if size > 0 {
            if let failure = try await load(size - min(size, suffixLength) ..< size) {
                return failed(path: path, size: size, failure, bytesRead: cache.bytesRead)
            }
        }
        while true {
            cache.startPass()
            var result = index(path: path, source: cache, options: options)
            // An archive error caused by bytes not yet fetched is not the archive's:
            // fetch them and list again (parsing is cheap next to a round trip).
            guard let request = cache.nextRequest() else { return result }
            guard requests < maximumRequests else {
                result.error = ArchiveFailure(.limits, "listing needs more than \(maximumRequests) range requests")
                return result
            }
            if let failure = try await load(request) {
                return failed(path: path, size: size, failure, bytesRead: cache.bytesRead)
            }
        }
    }

    /// Lists the local archive at `path` (reading only its end and directory).
    package static func index(path: String, options: IndexOptions = IndexOptions()) -> ArchiveIndex {
        do throws(ArchiveFailure) {
            let file = try ReadOnlyFile(path: path)
            return index(path: path, source: file, options: options)
        } catch {
            return failed(path: path, size: 0, error, bytesRead: 0)
        }
    }

    static func index(path: String, source: any ArchiveSource, options: IndexOptions) -> ArchiveIndex {
        var listingOptions = options
        // No digest can come from a listing: nothing beyond the directory is read.
        listingOptions.sha256 = false
        var result = ArchiveIndex(path: path, bytes: source.size, sha256: nil, comment: "", entries: [], findings: [], error: nil)
        result.mode = .listing
        do throws(ArchiveFailure) {
            let run = try IndexRun(file: source, path: path, options: listingOptions, extractor: nil, listingOnly: true)
            run.perform(into: &result)
        } catch {
            result.error = error
        }
        result.bytesRead = source.bytesRead
        return result
    }

    private static func failed(path: String, size: UInt64, _ failure: ArchiveFailure, bytesRead: UInt64) -> ArchiveIndex {
        var result = ArchiveIndex(path: path, bytes: size, sha256: nil, comment: "", entries: [], findings: [], error: failure)
        result.mode = .listing
        result.bytesRead = bytesRead
        return result
    }
}

/// The byte ranges of a remote archive fetched so far, as an `ArchiveSource`.
/// A read of bytes not held fails with `io` and is remembered, so the listing
/// can fetch them and run again.
final class RangeCache: ArchiveSource {
    let size: UInt64
    /// Bytes fetched.
    private(set) var bytesRead: UInt64 = 0
    /// Disjoint, sorted, never adjacent (adjacent ranges are merged, so a read
    /// across the seam of the suffix and the directory finds one segment).
    private var segments: [(start: UInt64, bytes: [UInt8])] = []
    /// The first read this pass could not serve.
    private var miss: Range<UInt64>?
    private var hint: Range<UInt64>?

    init(size: UInt64) {
        self.size = size
    }

    func startPass() {
        miss = nil
        hint = nil
    }

    func willRead(_ range: Range<UInt64>) {
        hint = range
    }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveFailure) {
        guard buffer.count > 0 else { return }
        let (end, overflow) = offset.addingReportingOverflow(UInt64(buffer.count))
        guard !overflow, end <= size else {
            throw ArchiveFailure(.truncated, "archive ends at \(size) while reading \(buffer.count) bytes at \(offset)")
        }
        guard let segment = segments.first(where: { $0.start <= offset && end <= $0.start + UInt64($0.bytes.count) }) else {
            if miss == nil { miss = offset ..< end }
            throw ArchiveFailure(.io, "bytes \(offset)-\(end - 1) of the archive were not fetched")
        }
        let from = Int(offset - segment.start)
        segment.bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[from ..< from + buffer.count]))
        }
    }

    /// The range to fetch for this pass's miss, if any: the hinted range when it
    /// holds the miss (the whole central directory rather than its first four
    /// bytes), trimmed of what is already held at either end.
    func nextRequest() -> Range<UInt64>? {
        guard let miss else { return nil }
        var wanted = miss
        if let hint, hint.lowerBound <= miss.lowerBound, miss.upperBound <= hint.upperBound {
            wanted = hint
        }
        var lower = wanted.lowerBound
        var upper = wanted.upperBound
        for segment in segments {
            let segmentEnd = segment.start + UInt64(segment.bytes.count)
            // A held segment never contains the whole miss, so trimming keeps it
            // covered by the fetched range and the segments it touches.
            if segment.start <= lower, lower < segmentEnd, segmentEnd < upper { lower = segmentEnd }
            if lower < segment.start, segment.start < upper, upper <= segmentEnd { upper = segment.start }
        }
        return lower ..< upper
    }

    func insert(at start: UInt64, _ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        bytesRead += UInt64(bytes.count)
        var merged = (start: start, bytes: bytes)
        var kept: [(start: UInt64, bytes: [UInt8])] = []
        for segment in segments {
            let segmentEnd = segment.start + UInt64(segment.bytes.count)
            let mergedEnd = merged.start + UInt64(merged.bytes.count)
            guard segmentEnd >= merged.start, segment.start <= mergedEnd else {
                kept.append(segment)
                continue
            }
            // Overlapping or touching: one segment from the lower start to the higher end.
            let newStart = min(segment.start, merged.start)
            var combined = [UInt8]()
            combined.reserveCapacity(Int(max(segmentEnd, mergedEnd) - newStart))
            let (first, second) = segment.start <= merged.start ? (segment, merged) : (merged, segment)
            combined.append(contentsOf: first.bytes)
            let firstEnd = first.start + UInt64(first.bytes.count)
            let secondEnd = second.start + UInt64(second.bytes.count)
            if secondEnd > firstEnd {
                combined.append(contentsOf: second.bytes[Int(firstEnd - second.start)...])
            }
            merged = (newStart, combined)
        }
        kept.append(merged)
        segments = kept.sorted { $0.start < $1.start }
    }
}
