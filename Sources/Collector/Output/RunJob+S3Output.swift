import Foundation
import HTTPTransport
import S3

#if canImport(Glibc)
import Glibc
#endif

extension RunJob {
    /// For an `s3://` output: the staging folder the pipeline writes into
    /// (locked against a second run on this machine unless `--dry-run`);
    /// `nil` for a local folder.
    func openStaging() throws(OutputError) -> S3Staging? {
        let location: S3OutputLocation?
        do throws(S3Error) {
            location = try S3OutputLocation(plan.outputDirectory)
        } catch {
            throw OutputError(message: error.message)
        }
        guard let location else { return nil }
        let staging = try S3Staging(location: location)
        if !plan.collect.dryRun { try staging.lock() }
        return staging
    }

    func remoteOutput(_ staging: S3Staging?, s3: S3Client) -> S3RunOutput? {
        guard let staging else { return nil }
        let retry = S3Client.retryDecision(policy: RetryPolicy(maxAttempts: plan.collect.maxAttempts), quota: RetryQuota())
        return S3RunOutput(mirror: S3Mirror(s3: s3, location: staging.location, settings: plan.upload, retry: retry))
    }
}

/// The S3 side of a run whose output is `s3://bucket/prefix/`: the pipeline
/// works in a staging folder as it would in a local one, and each session's
/// files go up as soon as they are published there — archive and extracted
/// files first, the manifest last, so a manifest in S3 means its files are
/// there too — and the run manifest, the reports and `shard.json` at the end.
struct S3RunOutput: Sendable {
    let mirror: S3Mirror

    /// Before the listing: the session manifests already under the prefix
    /// come down into the staging folder (so unchanged sessions are known,
    /// and the reports cover earlier runs), and a shard's old `shard.json`
    /// goes, as it does from a local shard folder.
    func prepare(_ folder: OutputFolder, clearShardRecord: Bool) async throws(S3Error) -> Int {
        do {
            try FileManager.default.createDirectory(atPath: folder.sessionsFolder, withIntermediateDirectories: true)
        } catch {
            throw S3Error(.io, "cannot create \(folder.sessionsFolder): \(error.localizedDescription)")
        }
        let count = try await mirror.pullManifests(into: folder.sessionsFolder)
        if clearShardRecord { try await mirror.delete(ShardRecord.fileName) }
        return count
    }

    /// Uploads what `outcome` wrote to the staging folder. When an upload
    /// fails the session fails at `publish` (its manifest says so, locally
    /// and, if it can still be written, in S3), and the next run collects it
    /// again. Staged archives and files are removed once uploaded.
    func publish(_ outcome: SessionOutcome, folder: OutputFolder, collector: SessionCollector) async -> SessionOutcome {
        guard case .written(let record) = outcome else { return outcome }
        let id = record.sessionID
        do throws(S3Error) {
            let archive = folder.archivePath(id)
            if access(archive, F_OK) == 0 {
                try await mirror.push(file: archive, as: "archives/\(id).zip")
                unlink(archive)
            }
            let files = folder.filesPath(id)
            if MergeFiles.isDirectory(files) {
                try await mirror.push(tree: files, as: "files/\(id)")
                try? FileManager.default.removeItem(atPath: files)
            }
            try await mirror.push(file: folder.sessionManifestPath(id), as: "sessions/\(id).json")
            return outcome
        } catch {
            var failed = record
            failed.status = .failed
            failed.error = StageError(.publish, error.kind.rawValue, "cannot upload to \(mirror.location): \(error.message)")
            let republished = collector.publish(failed)
            _ = try? await mirror.push(file: folder.sessionManifestPath(id), as: "sessions/\(id).json")
            return republished
        }
    }

    /// After the reports: `manifest.json` and the reports, then `shard.json`
    /// last (a shard whose reports did not reach S3 has none, and `merge`
    /// says it did not finish).
    /// - Returns: an error line when something could not be uploaded.
    func publishReports(_ folder: OutputFolder, formats: [String]) async -> String? {
        var names = ["manifest.json"] + formats.compactMap { ReportFormat(rawValue: $0)?.fileName }
        names.append(ShardRecord.fileName)
        for name in names where access(folder.root + "/" + name, F_OK) == 0 {
            do throws(S3Error) {
                try await mirror.push(file: folder.root + "/" + name, as: name)
            } catch {
                return "error: cannot upload the reports (\(mirror.location)): \(error.message)"
            }
        }
        return nil
    }
}
