import AWSCredentials
import AWSSigning
import Crypto
import Dispatch
import Foundation
import HTTPTransport
import Locking

#if canImport(Glibc)
import Glibc
#endif

/// What a download is of: an object (signed requests) or a URL used as is
/// (presigned or public).
package enum DownloadSource: Sendable, CustomStringConvertible {
    case object(S3URI)
    case url(String)

    package var description: String {
        switch self {
        case .object(let uri): uri.description
        case .url(let url): redactedURL(url)
        }
    }
}

/// What `fetch --json` reports.
package struct DownloadReport: Sendable {
    package var bytes: UInt64
    package var sha256: String
    package var etag: String?
    package var versionID: String?
    package var attempts: Int
    /// Bytes already on disk from an earlier, interrupted transfer.
    package var resumedBytes: UInt64
    /// The full-object checksum S3 returned and we verified (`CRC32`, …), if any.
    package var verifiedChecksum: String?
    /// The single-part ETag was the MD5 of the bytes and it matched.
    package var verifiedMD5: Bool
}

/// Told how the `.part` file grows, so a reader can follow it while the
/// download writes it (the ZIP verifier's single pass). Called on the
/// transport thread: implementations must be quick and must not block.
package protocol PartFileObserver: AnyObject, Sendable {
    /// The file was emptied or created: the object starts again from byte zero.
    func partFileRestarted()
    /// The file holds the object's first `bytes` bytes.
    func partFileHolds(_ bytes: UInt64)
}

/// When to try again, decided by the caller (the standard retry mode).
package typealias RetryDecision = @Sendable (_ error: S3Error, _ attempt: Int) async -> Bool

extension S3Client {
    /// Downloads to `destination` through `destination.part`, renamed only when
    /// complete and verified. A `.part` left by an earlier run is resumed with
    /// `Range` and `If-Match` on the ETag recorded beside it; an object replaced
    /// since (`412`) restarts from zero. Content length, the full-object checksum
    /// S3 returns and the MD5 of a single-part ETag are checked.
    /// - Parameter hashing: compute the object's SHA-256 (`DownloadReport.sha256`);
    ///   the pipeline switches it off because the ZIP reader hashes the archive anyway.
    /// - Parameter observer: told as the `.part` file grows and restarts.
    package func download(_ source: DownloadSource, to destination: String, hashing: Bool = true,
                          observer: (any PartFileObserver)? = nil,
                          retry: RetryDecision) async throws(S3Error) -> DownloadReport {
        let partPath = destination + ".part"
        let etagPath = destination + ".part.etag"
        var knownETag = FileManager.default.fileExists(atPath: partPath) ? readSmallFile(etagPath) : nil
        var attempts = 0
        var recovery = DownloadRecovery()
        while true {
            attempts += 1
            let offset: UInt64 = knownETag == nil ? 0 : fileSize(partPath)
            do throws(S3Error) {
                var report = try await attempt(source, partPath: partPath, etagPath: etagPath, offset: offset, etag: knownETag,
                                               hashing: hashing, observer: observer)
                // resumedBytes is the final attempt's start: bytes not fetched again.
                report.attempts = attempts
                guard rename(partPath, destination) == 0 else {
                    throw S3Error(.io, "cannot move \(partPath) to \(destination): \(String(cString: strerror(errno)))")
                }
                unlink(etagPath)
                return report
            } catch {
                let next = await recovery.next(after: error, source: source, offset: offset, credentials: credentials)
                if next.startOver {
                    // What is on disk belongs to an old object, or is all of one that shrank.
                    unlink(partPath)
                    unlink(etagPath)
                    knownETag = nil
                } else {
                    knownETag = readSmallFile(etagPath)
                }
                if !next.counts {
                    attempts -= 1
                    continue
                }
                guard await retry(error, attempts) else { throw error }
            }
        }
    }

    /// The rules after a failed attempt, the same for a `.part` file and a stream.
    struct DownloadRecovery {
        private var redirected = false
        private var refreshedCredentials = false
        private var restartedAfterRange = false

        /// - Returns: whether to start again from byte zero, and whether the
        ///   attempt counts (an uncounted one is made again at once).
        mutating func next(after error: S3Error, source: DownloadSource, offset: UInt64,
                           credentials: CachedCredentials) async -> (startOver: Bool, counts: Bool) {
            if error.code == "RegionRedirect", !redirected {
                // Signed again for the bucket's own region; not a failure.
                redirected = true
                return (false, false)
            }
            if case .object = source, error.isExpiredCredentials, !refreshedCredentials {
                // Fresh credentials, signed again, resumed where the bytes end.
                refreshedCredentials = true
                await credentials.invalidate()
                return (false, false)
            }
            // 416 to `Range: bytes=N-`: every byte is already here (a run killed
            // between the last byte and the rename) or the object shrank. Either
            // way start again from zero, once, without spending an attempt.
            if error.status == 416, offset > 0, !restartedAfterRange {
                restartedAfterRange = true
                return (true, false)
            }
            // A replaced object: what was received belongs to the old one.
            return (error.kind == .changed, true)
        }
    }

    private func attempt(_ source: DownloadSource, partPath: String, etagPath: String, offset: UInt64,
                         etag: String?, hashing: Bool, observer: (any PartFileObserver)?) async throws(S3Error) -> DownloadReport {
        try await attempt(source, offset: offset, etag: etag) { () throws(S3Error) in
            try DownloadSink(path: partPath, etagPath: etagPath, offset: offset, hashing: hashing, observer: observer)
        }.report
    }

    /// One GET from `offset` (with `Range` and `If-Match` when resuming) into the sink `makeSink` gives.
    func attempt(_ source: DownloadSource, offset: UInt64, etag: String?,
                 makeSink: () throws(S3Error) -> DownloadSink) async throws(S3Error) -> (report: DownloadReport, sink: DownloadSink) {
        var headers: [(name: String, value: String)] = []
        if offset > 0, let etag {
            headers.append((name: "Range", value: "bytes=\(offset)-"))
            headers.append((name: "If-Match", value: etag))
        }
        let request: HTTPRequest
        let what: String
        switch source {
        case .object(let uri):
            // Unsigned x-amz-* headers are refused on presigned URLs, so only here.
            headers.append((name: "x-amz-checksum-mode", value: "ENABLED"))
            request = try await signedRequest(method: "GET", bucket: uri.bucket, key: uri.key, headers: headers)
            what = "GET \(uri)"
        case .url(let url):
            request = HTTPRequest(method: "GET", url: url, headers: headers)
            what = "GET \(redactedURL(url))"
        }
        let sink = try makeSink()
        defer { sink.close() }
        let head: HTTPResponseHead
        do {
            head = try await http.execute(request, timeouts: timeouts) { head in try sink.begin(head) }
        } catch {
            if error.kind == .sink, let s3 = error.underlying as? S3Error { throw s3 }
            throw S3Error(transport: error, what: what)
        }
        if let failure = sink.failure(head: head, what: what) {
            if case .object(let uri) = source, learnRegion(bucket: uri.bucket, head: head, body: sink.errorBody) {
                throw S3Error(.service, "\(what): bucket is in region \(region(of: uri.bucket)); signing again", code: "RegionRedirect")
            }
            throw failure
        }
        return (try sink.finish(what: what), sink)
    }
}

/// Receives the body into the `.part` file and checks it as it goes.
/// Touched on the transport thread during the transfer, then read by the caller;
/// the digests (SHA-256, MD5, S3's checksum) are computed on a queue of their
/// own, half a megabyte at a time, so hashing overlaps receiving on the second core.
final class DownloadSink: FlowControlledBodySink, @unchecked Sendable {
    private let hashQueue = DispatchQueue(label: "export-collector.download-digest")
    /// At most this many blocks wait for the digest queue (memory stays flat:
    /// with 8 downloads at once, 8 blocks each came to 64 MiB when MD5 lagged).
    private let inFlight = DispatchSemaphore(value: 4)
    private var pending: [UInt8] = []
    /// Half a megabyte: with 8 transfers in memory mode, 1 MiB blocks and
    /// chunks put `run`'s peak RSS at 111 MiB.
    private static let blockSize = 512 << 10
    private let path: String
    private let etagPath: String
    private var descriptor: Int32
    private var offset: UInt64
    private var written: UInt64 = 0
    private var sha = SHA256()
    private var md5 = Insecure.MD5()
    private var checksum: RunningChecksum?
    private var expectedChecksum: String?
    private(set) var head: HTTPResponseHead?
    private(set) var errorBody: [UInt8] = []
    private var expectedTotal: UInt64?
    private var etag: String?
    /// The ETag of the response being received, once its head arrived.
    var receivedETag: String? { etag }
    private var verifyMD5 = false
    /// Read on the digest queue.
    private var computeMD5 = true
    private let computeSHA256: Bool
    private let observer: (any PartFileObserver)?
    /// Takes the body instead of the `.part` file (`S3Client.stream`).
    private let consumer: (any ObjectStreamConsumer)?
    /// In consumer mode, MD5 covers the object from byte zero (it is carried
    /// across attempts instead of re-read from a file).
    private var md5FromStart = true
    /// Some digest wants the body (set in `begin`, read on the transport thread).
    private var needsDigests = false
    /// `offer` took a digest-queue slot for the block its bytes complete.
    private var reservedDigestSlot = false
    /// Resumes a transfer an offer paused for want of a slot, once one frees.
    private let digestLatch = ResumeLatch()
    /// Blocks the digest queue is done with, reused so that a gigabyte does
    /// not mean a thousand fresh megabyte allocations (and their page faults).
    private let blocks = Lock<[[UInt8]]>([])

    /// Receives into `consumer` from `offset` on, continuing `carried` (the
    /// digests of the bytes before `offset`, from the previous attempt).
    init(consumer: any ObjectStreamConsumer, offset: UInt64, carried: CarriedDigests?) {
        computeSHA256 = false
        observer = nil
        self.consumer = consumer
        path = ""
        etagPath = ""
        self.offset = offset
        descriptor = -1
        if offset > 0, let carried {
            md5 = carried.md5
            md5FromStart = carried.md5FromStart
            checksum = carried.checksum
            expectedChecksum = carried.expectedChecksum
        } else if offset > 0 {
            md5FromStart = false
        }
    }

    init(path: String, etagPath: String, offset: UInt64, hashing: Bool = true,
         observer: (any PartFileObserver)? = nil) throws(S3Error) {
        computeSHA256 = hashing
        consumer = nil
        self.observer = observer
        self.path = path
        self.etagPath = etagPath
        self.offset = offset
        descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw S3Error(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        // Bytes already on disk are hashed again once: a hash state cannot be saved.
        if offset > 0 { try rehashExisting(offset) }
        if offset == 0 { observer?.partFileRestarted() } else { observer?.partFileHolds(offset) }
    }

    func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }

    /// Called with the status and headers, before any body byte.
    func begin(_ head: HTTPResponseHead) throws -> (any HTTPBodySink)? {
        self.head = head
        guard head.status == 200 || head.status == 206 else {
            return ErrorBodySink(owner: self)
        }
        if head.status == 200, offset > 0 {
            // The server sent the whole object after all: start the file again.
            try restart()
        }
        var chosen: (RunningChecksum, String)?
        if head.status == 206 {
            guard let range = head.value(forHeader: "Content-Range"), let parsed = parseContentRange(range), parsed.start == offset else {
                throw S3Error(.service, "partial response does not start at byte \(offset)")
            }
            expectedTotal = parsed.total
        } else {
            expectedTotal = head.contentLength.map(UInt64.init)
        }
        etag = head.value(forHeader: "ETag")
        if let etag, consumer == nil { try? Data(etag.utf8).write(to: URL(fileURLWithPath: etagPath)) }
        if consumer != nil, offset > 0, expectedChecksum != nil {
            // A range carries no full-object checksum: the first attempt's is checked at the end.
            needsDigests = true
            return self
        }
        for algorithm in ChecksumAlgorithm.allCases {
            if let value = head.value(forHeader: algorithm.header), !value.contains("-") {
                let type = head.value(forHeader: "x-amz-checksum-type")?.uppercased()
                if type == nil || type == "FULL_OBJECT" {
                    chosen = (RunningChecksum(algorithm), value)
                    break
                }
            }
        }
        if let chosen {
            hashQueue.sync {
                checksum = chosen.0
                expectedChecksum = chosen.1
            }
        }
        let encryption = head.value(forHeader: "x-amz-server-side-encryption")?.lowercased() ?? ""
        let customerKey = head.value(forHeader: "x-amz-server-side-encryption-customer-algorithm") != nil
        // The ETag's MD5 is checked only when S3 sent no full-object checksum:
        // one end-to-end check is enough, and MD5 costs more CPU than the transfer.
        if chosen == nil, md5FromStart, let etag, !etag.contains("-"), !encryption.hasPrefix("aws:kms"), !customerKey,
           etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")).count == 32 {
            verifyMD5 = true
        }
        let md5Wanted = verifyMD5
        hashQueue.sync { computeMD5 = md5Wanted }
        needsDigests = computeSHA256 || verifyMD5 || chosen != nil
        return self
    }

    /// A consumer, or the digest queue, that falls behind pauses this
    /// transfer alone instead of blocking the transport thread.
    func offer(_ bytes: UnsafeRawBufferPointer) throws -> Bool {
        if needsDigests, !reservedDigestSlot, pending.count + bytes.count >= Self.blockSize {
            // These bytes complete a block: make sure the digest queue can take it.
            // Marked before trying, so a slot freed in between still resumes the transfer.
            digestLatch.arm()
            guard inFlight.wait(timeout: .now()) == .success else { return false }
            digestLatch.disarm()
            reservedDigestSlot = true
        }
        guard let consumer else {
            try receive(bytes)
            return true
        }
        guard consumer.offer(bytes) else { return false }
        written += UInt64(bytes.count)
        appendToDigests(bytes)
        return true
    }

    func setResumeHandler(_ resume: @escaping @Sendable () -> Void) {
        digestLatch.setHandler(resume)
        consumer?.setResumeHandler(resume)
    }

    func receive(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + written) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw S3Error(.io, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            done += n
        }
        written += UInt64(bytes.count)
        observer?.partFileHolds(offset + written)
        appendToDigests(bytes)
    }

    private func appendToDigests(_ bytes: UnsafeRawBufferPointer) {
        guard needsDigests else { return }
        if pending.capacity < Self.blockSize { pending.reserveCapacity(Self.blockSize) }
        pending.append(contentsOf: bytes)
        if pending.count >= Self.blockSize { submitPending() }
    }

    /// Hands the collected bytes to the digest queue.
    private func submitPending() {
        guard !pending.isEmpty else { return }
        let block = pending
        // A slot `offer` reserved, or else wait for one (the last block, from the caller's thread).
        if reservedDigestSlot {
            reservedDigestSlot = false
        } else {
            inFlight.wait()
        }
        // Taken after the wait, when the digest queue has let go of it, so
        // emptying it keeps its storage instead of copying.
        pending = blocks.withLock { $0.popLast() } ?? []
        pending.removeAll(keepingCapacity: true)
        hashQueue.async {
            block.withUnsafeBytes { bytes in
                if self.computeSHA256 { self.sha.update(bufferPointer: bytes) }
                if self.computeMD5 { self.md5.update(bufferPointer: bytes) }
                self.checksum?.update(bytes)
            }
            self.blocks.withLock { $0.append(block) }
            self.inFlight.signal()
            self.digestLatch.release()
        }
    }

    /// The digests so far, for the next attempt to continue (consumer mode).
    func carriedDigests() -> CarriedDigests {
        submitPending()
        return hashQueue.sync {
            CarriedDigests(md5: md5, md5FromStart: md5FromStart && computeMD5, checksum: checksum,
                           expectedChecksum: expectedChecksum)
        }
    }

    fileprivate func collectError(_ bytes: UnsafeRawBufferPointer) {
        if errorBody.count < 64 << 10 { errorBody.append(contentsOf: bytes.prefix(64 << 10 - errorBody.count)) }
    }

    func failure(head: HTTPResponseHead, what: String) -> S3Error? {
        guard head.status != 200, head.status != 206 else { return nil }
        return S3Error.fromResponse(status: head.status, body: errorBody,
                                    requestID: head.value(forHeader: "x-amz-request-id"), what: what)
    }

    func finish(what: String) throws(S3Error) -> DownloadReport {
        submitPending()
        hashQueue.sync {}
        let total = offset + written
        if let expectedTotal, total != expectedTotal {
            throw S3Error(.truncated, "\(what): received \(total) of \(expectedTotal) bytes")
        }
        // No fsync: a killed process loses nothing written to the page cache, and an
        // archive damaged by a power loss fails verification when it is indexed;
        // flushing 1 GB here would double the time of a download.
        guard consumer != nil || ftruncate(descriptor, off_t(total)) == 0 else {
            throw S3Error(.io, "cannot finish \(path): \(String(cString: strerror(errno)))")
        }
        var verified: String?
        if let checksum, let expectedChecksum {
            let actual = checksum.base64()
            guard actual == expectedChecksum else {
                throw S3Error(.checksum, "\(what): \(checksum.algorithm.rawValue) of the data is \(actual), S3 says \(expectedChecksum)")
            }
            verified = checksum.algorithm.rawValue
        }
        var md5OK = false
        if verifyMD5, let etag {
            let expected = etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased()
            let actual = md5.finalize().map { String(format: "%02x", $0) }.joined()
            guard actual == expected else {
                throw S3Error(.checksum, "\(what): MD5 of the data is \(actual), the ETag says \(expected)")
            }
            md5OK = true
        }
        let digest = computeSHA256 ? sha.finalize().map { String(format: "%02x", $0) }.joined() : ""
        blocks.withLock { $0.removeAll() }
        return DownloadReport(bytes: total, sha256: digest, etag: etag, versionID: head?.value(forHeader: "x-amz-version-id"),
                              attempts: 1, resumedBytes: offset, verifiedChecksum: verified, verifiedMD5: md5OK)
    }

    private func restart() throws {
        offset = 0
        written = 0
        pending.removeAll()
        hashQueue.sync {
            sha = SHA256()
            md5 = Insecure.MD5()
            checksum = nil
        }
        md5FromStart = true
        expectedChecksum = nil
        if let consumer {
            consumer.restarted()
            return
        }
        guard ftruncate(descriptor, 0) == 0 else {
            throw S3Error(.io, "cannot truncate \(path): \(String(cString: strerror(errno)))")
        }
        observer?.partFileRestarted()
    }

    private func rehashExisting(_ count: UInt64) throws(S3Error) {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var position: UInt64 = 0
        let reader = open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { throw S3Error(.io, "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { Glibc.close(reader) }
        while position < count {
            let want = Int(min(UInt64(buffer.count), count - position))
            let n = buffer.withUnsafeMutableBytes { pread(reader, $0.baseAddress!, want, off_t(position)) }
            guard n > 0 else { throw S3Error(.io, "cannot read \(path) at \(position)") }
            buffer.withUnsafeBytes { raw in
                let slice = UnsafeRawBufferPointer(rebasing: raw[0 ..< n])
                if computeSHA256 { sha.update(bufferPointer: slice) }
                md5.update(bufferPointer: slice)
            }
            position += UInt64(n)
        }
    }
}

/// Takes the (small) error body of a non-2xx response.
private final class ErrorBodySink: HTTPBodySink, @unchecked Sendable {
    let owner: DownloadSink
    init(owner: DownloadSink) { self.owner = owner }
    func receive(_ bytes: UnsafeRawBufferPointer) throws { owner.collectError(bytes) }
}

/// `bytes START-END/TOTAL`.
func parseContentRange(_ value: String) -> (start: UInt64, end: UInt64, total: UInt64?)? {
    let trimmed = value.trimmingCharacters(in: .whitespaces)
    guard trimmed.hasPrefix("bytes ") else { return nil }
    let spec = trimmed.dropFirst(6)
    let parts = spec.split(separator: "/", maxSplits: 1)
    guard parts.count == 2 else { return nil }
    let bounds = parts[0].split(separator: "-", maxSplits: 1)
    guard bounds.count == 2, let start = UInt64(bounds[0]), let end = UInt64(bounds[1]) else { return nil }
    return (start, end, UInt64(parts[1]))
}

func fileSize(_ path: String) -> UInt64 {
    var info = stat()
    return stat(path, &info) == 0 ? UInt64(info.st_size) : 0
}

func readSmallFile(_ path: String) -> String? {
    guard let data = FileManager.default.contents(atPath: path), data.count < 4096 else { return nil }
    let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    return text.isEmpty ? nil : text
}

extension S3Client {
    /// The standard retry mode for downloads: throttling, 5xx, broken or
    /// stalled connections and a replaced object are tried again, with jittered
    /// backoff, within `policy.maxAttempts` and the shared quota.
    package static func retryDecision(policy: RetryPolicy, quota: RetryQuota) -> RetryDecision {
        { error, attempt in
            guard attempt < policy.maxAttempts, !Task.isCancelled,
                  quota.acquire(for: retryClass(error)) != nil else { return false }
            do {
                try await policy.sleep(policy.delay(beforeRetry: attempt - 1))
            } catch {
                return false
            }
            return true
        }
    }

    static func retryClass(_ error: S3Error) -> RetryClass {
        switch error.kind {
        case .throttled: return .throttling
        case .server, .truncated, .changed: return .transient
        case .transport:
            switch error.code {
            case "timeout", "stalled": return .timeout
            case "connect", "dns", "network", "truncated": return .transient
            default: return .notRetryable
            }
        default:
            return RetryClassifier.classify(status: error.status ?? 0, errorCode: error.code)
        }
    }
}
