import AWSCredentials
import Dispatch
import Foundation
import GameLiftStreams
import HTTPTransport
import Logging
import OrderedJSON
import S3
import ZipIndex

#if canImport(Glibc)
import Glibc
#endif

/// What the pipeline does with each session, decided once per run.
package struct CollectSettings: Sendable {
    package var presigned = false
    package var presignExpiresSeconds = 900
    package var keepArchives = true
    package var maxAttempts = 5
    /// Seconds without a byte before a transfer counts as stalled (and is retried).
    package var stallTimeoutSeconds = 30
    package var index = IndexOptions()
    package var extract: [String] = []
    package var createdAfter: APITimestamp?
    package var force = false
    package var dryRun = false
    /// `index.mode: "listing"`: read each archive's central directory with
    /// Range requests instead of downloading it; entries are not verified.
    package var listingOnly = false
    /// Verify while downloading (`ArchiveFollower`); the manifest is the same.
    package var singlePass = true

    package init() {}
}

/// The end of one session's trip through the stages.
enum SessionOutcome: Sendable {
    /// A manifest was written (collected, failed, skipped or export_failed).
    case written(SessionRecord)
    /// Collected by an earlier run from the same object: nothing done.
    case unchanged(sessionID: String)
    /// `--dry-run`: what a run would do.
    case planned(sessionID: String, action: String, bytes: UInt64?)
    /// The session could not be identified (no ARN): nothing can be written for it.
    case unidentified(String)
}

/// Resolve → fetch → index → publish for one session at a time; many run
/// at once, sharing the S3 client (one curl multi handle), the resolver's
/// prefix listings, and the retry quota.
struct SessionCollector: Sendable {
    static let perfStatsPath = "stats/perf_stats_v1.csv"

    let s3: S3Client
    let folder: OutputFolder
    let settings: CollectSettings
    let resolver: ArchiveResolver
    let retryPolicy: RetryPolicy
    let retryQuota: RetryQuota
    let progress: RunProgress

    func collect(_ session: StreamSession) async -> SessionOutcome {
        guard let sessionID = session.sessionID, Self.isSafeName(sessionID) else {
            return .unidentified(session.arn ?? "(a session without an ARN)")
        }
        var record = SessionRecord(sessionID: sessionID, streamGroupID: session.streamGroupID, session: session, status: .failed)
        if session.exportFiles?.status == "FAILED" {
            record.status = .exportFailed
            return settings.dryRun ? .planned(sessionID: sessionID, action: "export failed", bytes: nil) : publish(record)
        }
        if let after = settings.createdAfter, let created = session.createdAt, created < after {
            if existingManifest(sessionID)?["status"]?.stringValue == SessionStatus.collected.rawValue {
                return .unchanged(sessionID: sessionID)
            }
            record.status = .skipped
            return settings.dryRun ? .planned(sessionID: sessionID, action: "skip (created before createdAfter)", bytes: nil) : publish(record)
        }

        // resolve
        let resolved: ArchiveResolver.Resolved
        do {
            resolved = try await resolver.resolve(outputURI: session.exportFiles?.outputURI, sessionID: sessionID)
        } catch {
            record.error = error
            return settings.dryRun ? .planned(sessionID: sessionID, action: "fail: \(error)", bytes: nil) : publish(record)
        }
        record.source = ArchiveSource(outputURI: session.exportFiles?.outputURI ?? resolved.uri.description,
                                      bucket: resolved.uri.bucket, key: resolved.uri.key, etag: resolved.object.etag,
                                      versionID: resolved.object.versionID, bytes: resolved.object.size)
        progress.resolved(bytes: resolved.object.size ?? 0)
        if !settings.force, isUnchanged(sessionID, object: resolved.object) {
            progress.unchanged(bytes: resolved.object.size ?? 0)
            if !settings.dryRun {
                // A forced run killed mid-download may have left a `.part` of it.
                unlink(folder.archivePath(sessionID) + ".part")
                unlink(folder.archivePath(sessionID) + ".part.etag")
            }
            return settings.dryRun ? .planned(sessionID: sessionID, action: "unchanged", bytes: resolved.object.size) : .unchanged(sessionID: sessionID)
        }
        if settings.dryRun {
            return .planned(sessionID: sessionID, action: "collect \(resolved.uri)", bytes: resolved.object.size)
        }
        if settings.listingOnly {
            return await list(resolved.uri, into: record)
        }

        // With no archive to keep and nothing to extract, the archive is
        // verified from its stream alone and never written; it is downloaded
        // to a file only when the stream could not settle everything.
        if settings.singlePass, !settings.keepArchives, settings.extract.isEmpty,
           let outcome = await collectStreamed(resolved, record: record) {
            return outcome
        }

        // fetch
        let archivePath = folder.archivePath(sessionID)
        let started = monotonicSeconds()
        let report: DownloadReport
        var attempts = 0
        // Single pass: the verifier follows the `.part` file as it grows.
        let follower = settings.singlePass ? ArchiveFollower(partPath: archivePath + ".part", options: settings.index) : nil
        do {
            let observer = follower.map(FollowerObserver.init)
            (report, attempts) = try await fetch(resolved.uri) { source throws(S3Error) in
                // No SHA-256 here: the ZIP reader hashes the whole archive as it verifies it.
                try await s3.download(source, to: archivePath, hashing: false, observer: observer) { _, _ in false }
            }
        } catch {
            follower?.cancel()
            return publish(failedFetch(record, error: error, attempts: attempts, started: started))
        }
        recordDownload(report, attempts: attempts, started: started, into: &record)

        // index
        let staging = folder.workFolder + "/\(sessionID).extract"
        let include = settings.extract.isEmpty ? [Self.perfStatsPath] : settings.extract + [Self.perfStatsPath]
        let streamed = await follower?.finish(finalPath: archivePath, size: report.bytes)
        var index = await Self.indexOffThread(path: archivePath, options: settings.index,
                                              extraction: ExtractionRequest(directory: staging, include: include),
                                              streamed: streamed)
        index.path = settings.keepArchives ? "archives/\(sessionID).zip" : resolved.uri.description
        record.archive = index
        if streamed != nil {
            Logger(label: "export-collector.run").debug("verified while downloading", metadata: [
                "session": "\(sessionID)", "entries": "\(index.entryCount)",
                "settledWhileDownloading": "\(index.settledWhileDownloading)",
            ])
        }
        if let perfBytes = FileManager.default.contents(atPath: staging + "/" + Self.perfStatsPath) {
            record.perfStats = PerfStats.summarize(Array(perfBytes))
        }
        settle(index, into: &record)
        placeExtractedFiles(staging: staging, sessionID: sessionID, collected: index.isOK)

        let outcome = publish(record)
        if !settings.keepArchives { unlink(archivePath) }
        return outcome
    }

    /// Fetch and index with nothing written to disk (`ArchiveStreamer`).
    /// - Returns: `nil` when the stream did not settle everything (an entry
    ///   only the central directory sizes, prepended data, a central directory
    ///   too large to keep): the caller downloads the archive to a file.
    private func collectStreamed(_ resolved: ArchiveResolver.Resolved, record: SessionRecord) async -> SessionOutcome? {
        var record = record
        let started = monotonicSeconds()
        let streamer = ArchiveStreamer(options: settings.index, capture: [Self.perfStatsPath])
        let stream = ObjectStream(consumer: StreamerConsumer(streamer))
        let report: DownloadReport
        var attempts = 0
        do {
            (report, attempts) = try await fetch(resolved.uri) { source throws(S3Error) in
                try await s3.stream(source, into: stream) { _, _ in false }
            }
        } catch {
            streamer.cancel()
            return publish(failedFetch(record, error: error, attempts: attempts, started: started))
        }
        let log = Logger(label: "export-collector.run")
        let description = resolved.uri.description
        guard let archive = await streamer.finish(),
              var index = await Self.offThread({ ZipIndexer.index(streamed: archive, path: description, options: settings.index) })
        else {
            log.debug("the stream did not settle the archive: downloading it to a file", metadata: ["session": "\(record.sessionID)"])
            return nil
        }
        // The perf stats come from the bytes the scan kept of that entry, when
        // they are the ones the central directory vouches for.
        var perfBytes: [UInt8]?
        if let entry = index.entries.first(where: { $0.path == Self.perfStatsPath }), entry.isOK, entry.type == .file {
            guard let bytes = archive.capturedBytes(of: entry) else {
                log.debug("the stream did not keep the perf stats: downloading the archive to a file", metadata: ["session": "\(record.sessionID)"])
                return nil
            }
            perfBytes = bytes
        }
        recordDownload(report, attempts: attempts, started: started, into: &record)
        index.path = description
        record.archive = index
        log.debug("verified in memory", metadata: [
            "session": "\(record.sessionID)", "entries": "\(index.entryCount)",
            "settledWhileDownloading": "\(index.settledWhileDownloading)", "keptBytes": "\(archive.keptBytes)",
        ])
        if let perfBytes { record.perfStats = PerfStats.summarize(perfBytes) }
        settle(index, into: &record)
        return publish(record)
    }

    private func failedFetch(_ record: SessionRecord, error: S3Error, attempts: Int, started: Double) -> SessionRecord {
        var record = record
        record.error = StageError(.fetch, error.kind.rawValue, error.message)
        record.download = DownloadSummary(attempts: max(1, attempts), resumedBytes: 0, seconds: monotonicSeconds() - started,
                                          via: settings.presigned ? "presigned" : "signed")
        return record
    }

    private func recordDownload(_ report: DownloadReport, attempts: Int, started: Double, into record: inout SessionRecord) {
        record.download = DownloadSummary(attempts: attempts, resumedBytes: report.resumedBytes,
                                          seconds: monotonicSeconds() - started, via: settings.presigned ? "presigned" : "signed")
        if var source = record.source {
            source.etag = report.etag ?? source.etag
            source.versionID = report.versionID ?? source.versionID
            source.bytes = report.bytes
            record.source = source
        }
        progress.fetched(bytes: report.bytes)
    }

    private func settle(_ index: ArchiveIndex, into record: inout SessionRecord) {
        if index.isOK {
            record.status = .collected
        } else {
            record.error = Self.indexError(index)
        }
        progress.indexed()
    }

    /// `index.mode: "listing"`: the archive's entry list from its tail, no download.
    private func list(_ uri: S3URI, into record: SessionRecord) async -> SessionOutcome {
        var record = record
        let started = monotonicSeconds()
        do throws(S3Error) {
            let (index, fetched) = try await s3.listingIndex(uri, options: settings.index,
                                                             retry: S3Client.retryDecision(policy: retryPolicy, quota: retryQuota))
            record.download = DownloadSummary(attempts: 1, resumedBytes: 0, seconds: monotonicSeconds() - started, via: "range")
            record.archive = index
            progress.fetched(bytes: fetched)
            if index.isOK {
                record.status = .collected
            } else {
                record.error = Self.indexError(index)
            }
        } catch {
            record.error = StageError(.fetch, error.kind.rawValue, error.message)
        }
        return publish(record)
    }

    /// Downloads with a fresh presigned URL (or signature) for every attempt;
    /// a broken transfer resumes from `.part` on the next one. A URL or
    /// request that expired before S3 saw it (a presigned URL that waited for
    /// a connection longer than it lives) is made again at once, once.
    private func fetch(_ uri: S3URI,
                       _ transfer: (DownloadSource) async throws(S3Error) -> DownloadReport) async throws(S3Error) -> (DownloadReport, Int) {
        let decide = S3Client.retryDecision(policy: retryPolicy, quota: retryQuota)
        var attempt = 0
        var renewedExpired = false
        while true {
            attempt += 1
            do throws(S3Error) {
                let source: DownloadSource = settings.presigned
                    ? .url(try await s3.presign(uri, expires: settings.presignExpiresSeconds))
                    : .object(uri)
                return (try await transfer(source), attempt)
            } catch {
                if error.kind == .expired, !renewedExpired {
                    renewedExpired = true
                    if error.isExpiredCredentials { await s3.credentials.invalidate() }
                    continue
                }
                guard await decide(error, attempt) else { throw error }
            }
        }
    }

    /// Indexing is CPU work: it runs on a Dispatch thread, not on one of the
    /// few threads of Swift's cooperative pool that the downloads need.
    static func indexOffThread(path: String, options: IndexOptions, extraction: ExtractionRequest,
                               streamed: StreamedScan? = nil) async -> ArchiveIndex {
        await offThread { ZipIndexer.index(path: path, options: options, extraction: extraction, streamed: streamed) }
    }

    /// Runs CPU work on a thread of its own and waits for its result.
    static func offThread<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            let work: @Sendable () -> Void = { continuation.resume(returning: body()) }
            // A thread of its own: the indexer blocks while its hashing queue
            // catches up, and Dispatch's global pool grows slowly on Linux.
            if !startDedicatedThread(work) { DispatchQueue.global(qos: .userInitiated).async(execute: work) }
        }
    }

    /// The session error for an archive that did not verify: the archive's own
    /// error, else the first entry error, else the first blocking finding.
    static func indexError(_ index: ArchiveIndex) -> StageError {
        if let error = index.error { return StageError(.index, error.kind.rawValue, error.message) }
        let failed = index.entries.filter { !$0.isOK }
        if let first = failed.first, let error = first.error {
            let more = failed.count > 1 ? " (and \(failed.count - 1) more)" : ""
            return StageError(.index, error.kind.rawValue, "\(first.path): \(error.message)\(more)")
        }
        let blocking = index.findings.filter(\.kind.isBlocking)
        if let first = blocking.first {
            let more = blocking.count > 1 ? " (and \(blocking.count - 1) more)" : ""
            return StageError(.index, first.kind.rawValue, "\(first.path): \(first.message)\(more)")
        }
        return StageError(.index, "format", "the archive did not verify")
    }

    /// Extracted entries move into `files/<sessionId>/` (replacing an earlier
    /// run's) only for a collected session and only when extraction was asked
    /// for; the perf stats file, staged for its summary, goes unless selected.
    private func placeExtractedFiles(staging: String, sessionID: String, collected: Bool) {
        let manager = FileManager.default
        defer { try? manager.removeItem(atPath: staging) }
        guard collected, !settings.extract.isEmpty, manager.fileExists(atPath: staging) else { return }
        if !settings.extract.contains(where: { fnmatch($0, Self.perfStatsPath, 0) == 0 }) {
            try? manager.removeItem(atPath: staging + "/" + Self.perfStatsPath)
        }
        let target = folder.filesPath(sessionID)
        try? manager.createDirectory(atPath: folder.filesFolder, withIntermediateDirectories: true)
        let old = folder.workFolder + "/\(sessionID).replaced"
        if manager.fileExists(atPath: target) { _ = rename(target, old) }
        _ = rename(staging, target)
        try? manager.removeItem(atPath: old)
    }

    /// Writes the session's manifest; a session whose manifest cannot be
    /// written fails at `publish`.
    func publish(_ record: SessionRecord) -> SessionOutcome {
        var record = record
        let document = record.manifest(collectedAt: APITimestamp.now.iso8601Seconds)
        do {
            try OutputFolder.writeAtomically(Array(document.serialized().utf8), to: folder.sessionManifestPath(record.sessionID))
        } catch {
            record.status = .failed
            record.error = StageError(.publish, "io", error.message)
        }
        progress.finished(record.status)
        return .written(record)
    }

    private func existingManifest(_ sessionID: String) -> JSONValue? {
        guard let bytes = FileManager.default.contents(atPath: folder.sessionManifestPath(sessionID)) else { return nil }
        return try? JSONParser.parse(Array(bytes))
    }

    /// Collected before from the same object (ETag, and version id when S3 keeps versions).
    private func isUnchanged(_ sessionID: String, object: S3ObjectInfo) -> Bool {
        guard let manifest = existingManifest(sessionID), manifest["status"]?.stringValue == SessionStatus.collected.rawValue,
              let etag = object.etag, let source = manifest["source"], source["etag"]?.stringValue == etag,
              // A listing does not stand in for a verified collection, nor the other way round.
              (manifest["archive"]?["mode"]?.stringValue == "listing") == settings.listingOnly else { return false }
        let previousVersion = source["versionId"]?.stringValue
        return object.versionID == nil || previousVersion == object.versionID
    }

    /// Session ids become file names: letters, digits, `-`, `_`, `.` only.
    static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && name.utf8.count <= 128
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0" ... "9").contains($0) || "-_.".unicodeScalars.contains($0)) }
    }
}

extension APITimestamp {
    /// Now, to the second.
    static var now: APITimestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return APITimestamp(microseconds: Int64(time.tv_sec) * 1_000_000)
    }

    var iso8601Seconds: String {
        APITimestamp(microseconds: microseconds - microseconds % 1_000_000).iso8601
    }
}

/// Hands a download's bytes to an `ArchiveStreamer`.
private final class StreamerConsumer: ObjectStreamConsumer {
    let streamer: ArchiveStreamer

    init(_ streamer: ArchiveStreamer) { self.streamer = streamer }

    var receivedBytes: UInt64 { streamer.receivedBytes }
    func offer(_ bytes: UnsafeRawBufferPointer) -> Bool { streamer.offer(bytes) }
    func setResumeHandler(_ resume: @escaping @Sendable () -> Void) { streamer.setResumeHandler(resume) }
    func restarted() { streamer.restarted() }
}

/// Tells an `ArchiveFollower` how the download's `.part` file grows.
private final class FollowerObserver: PartFileObserver {
    let follower: ArchiveFollower

    init(_ follower: ArchiveFollower) { self.follower = follower }

    func partFileRestarted() { follower.restarted() }
    func partFileHolds(_ bytes: UInt64) { follower.holds(bytes) }
}
