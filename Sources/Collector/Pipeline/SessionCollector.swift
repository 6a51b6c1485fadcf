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

        // fetch
        let archivePath = folder.archivePath(sessionID)
        let started = monotonicSeconds()
        let report: DownloadReport
        var attempts = 0
        // Single pass: the verifier follows the `.part` file as it grows.
        let follower = settings.singlePass ? ArchiveFollower(partPath: archivePath + ".part", options: settings.index) : nil
        do {
            (report, attempts) = try await fetch(resolved.uri, to: archivePath, observer: follower.map(FollowerObserver.init))
        } catch {
            follower?.cancel()
            record.error = StageError(.fetch, error.kind.rawValue, error.message)
            record.download = DownloadSummary(attempts: max(1, attempts), resumedBytes: 0, seconds: monotonicSeconds() - started,
                                              via: settings.presigned ? "presigned" : "signed")
            return publish(record)
        }
        record.download = DownloadSummary(attempts: attempts, resumedBytes: report.resumedBytes,
                                          seconds: monotonicSeconds() - started, via: settings.presigned ? "presigned" : "signed")
        if var source = record.source {
            source.etag = report.etag ?? source.etag
            source.versionID = report.versionID ?? source.versionID
            source.bytes = report.bytes
            record.source = source
        }
        progress.fetched(bytes: report.bytes)

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
        if index.isOK {
            record.status = .collected
        } else {
            record.error = Self.indexError(index)
        }
        progress.indexed()
        placeExtractedFiles(staging: staging, sessionID: sessionID, collected: index.isOK)

        let outcome = publish(record)
        if !settings.keepArchives { unlink(archivePath) }
        return outcome
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
    private func fetch(_ uri: S3URI, to path: String, observer: (any PartFileObserver)?) async throws(S3Error) -> (DownloadReport, Int) {
        let decide = S3Client.retryDecision(policy: retryPolicy, quota: retryQuota)
        var attempt = 0
        var renewedExpired = false
        while true {
            attempt += 1
            do throws(S3Error) {
                let source: DownloadSource = settings.presigned
                    ? .url(try await s3.presign(uri, expires: settings.presignExpiresSeconds))
                    : .object(uri)
                // No SHA-256 here: the ZIP reader hashes the whole archive as it verifies it.
                let report = try await s3.download(source, to: path, hashing: false, observer: observer) { _, _ in false }
                return (report, attempt)
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
        await withCheckedContinuation { continuation in
            let work: @Sendable () -> Void = {
                continuation.resume(returning: ZipIndexer.index(path: path, options: options, extraction: extraction,
                                                                streamed: streamed))
            }
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

/// Tells an `ArchiveFollower` how the download's `.part` file grows.
private final class FollowerObserver: PartFileObserver {
    let follower: ArchiveFollower

    init(_ follower: ArchiveFollower) { self.follower = follower }

    func partFileRestarted() { follower.restarted() }
    func partFileHolds(_ bytes: UInt64) { follower.holds(bytes) }
}
