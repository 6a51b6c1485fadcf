import HTTPTransport
import Logging
import S3
import ZipIndex

#if canImport(Glibc)
import Glibc
#endif

/// `export-collector index`: verify one local archive, or list one in S3 from
/// its tail, print its manifest or a summary, and say how it went in the exit status.
package struct IndexJob: Sendable {
    package var archivePath: String
    package var options: IndexOptions
    package var extraction: ExtractionRequest?
    package var json: Bool

    package init(archivePath: String, options: IndexOptions, extraction: ExtractionRequest?, json: Bool) {
        self.archivePath = archivePath
        self.options = options
        self.extraction = extraction
        self.json = json
    }

    package struct Outcome: Sendable {
        package var index: ArchiveIndex
        /// One line each, for standard error.
        package var errors: [String]
        package var status: ExitStatus
    }

    /// `s3://bucket/key`: listed from the tail with `Range` requests, not downloaded.
    package var isRemote: Bool { archivePath.hasPrefix("s3://") }

    /// Indexes the local archive and hands the manifest (or the summary) to `output` in pieces.
    package func run(output: ([UInt8]) -> Void) -> Outcome {
        let started = monotonicSeconds()
        let index = ZipIndexer.index(path: archivePath, options: options, extraction: extraction)
        logIndexed(index, since: started)
        return finish(index, output: output)
    }

    /// A local archive as `run(output:)`; an `s3://` one listed from its tail
    /// (`S3Client.listingIndex`): the same manifest with `mode` `listing`, each
    /// entry `sha256: null` and `verified: false`. Failing to reach the object
    /// (credentials, access, network, no such key) exits 3, as an unreadable
    /// local file does; extraction needs the data and is a usage error.
    package func run(settings: AWSSettings, maxAttempts: Int = 5, output: ([UInt8]) -> Void) async -> Outcome {
        guard isRemote else { return run(output: output) }
        func stop(_ line: String, _ status: ExitStatus) -> Outcome {
            Outcome(index: ArchiveIndex(path: archivePath, mode: .listing, error: nil), errors: [line], status: status)
        }
        guard extraction == nil else {
            return stop("error: cannot extract (\(archivePath)): a remote archive is only listed; fetch it first to extract", .usage)
        }
        let uri: S3URI
        do throws(S3Error) {
            uri = try S3URI(parsing: archivePath)
        } catch {
            return stop("error: cannot index (\(archivePath)): \(error.message)", .usage)
        }
        // A GET on a prefix would list the bucket, not read an archive.
        guard !uri.key.isEmpty, !uri.key.hasSuffix("/") else {
            return stop("error: cannot index (\(archivePath)): the key is a prefix; name one archive (s3://bucket/key)", .usage)
        }
        let client: S3Client
        do {
            client = try makeS3Client(settings)
        } catch {
            return stop("error: cannot start the transport: \(error.message)", .cannotProceed)
        }
        defer { client.http.shutdown() }
        let started = monotonicSeconds()
        let retry = S3Client.retryDecision(policy: RetryPolicy(maxAttempts: maxAttempts), quota: RetryQuota())
        do throws(S3Error) {
            let (index, _) = try await client.listingIndex(uri, options: options, retry: retry)
            logIndexed(index, since: started)
            return finish(index, output: output)
        } catch {
            return stop("error: cannot list (\(uri)): \(error.message)", error.kind == .invalidURI ? .usage : .cannotProceed)
        }
    }

    private func logIndexed(_ index: ArchiveIndex, since started: Double) {
        Logger(label: "export-collector.index").debug("indexed archive", metadata: [
            "path": "\(archivePath)",
            "mode": "\(index.mode.rawValue)",
            "entries": "\(index.entryCount)",
            "bytes": "\(index.bytes)",
            "bytesRead": "\(index.bytesRead)",
            "seconds": "\(((monotonicSeconds() - started) * 1000).rounded() / 1000)",
        ])
    }

    /// Prints the index and turns it into error lines and an exit status.
    private func finish(_ index: ArchiveIndex, output: ([UInt8]) -> Void) -> Outcome {
        if json {
            ArchiveManifest.stream(index, emit: output)
        } else {
            output(Array(IndexSummary.text(index).utf8))
        }
        var errors: [String] = []
        var status = ExitStatus.success
        if let error = index.error {
            let what = index.mode == .listing ? "listed" : "verified"
            errors.append("error: archive not \(what) (\(archivePath)): \(error.kind.rawValue): \(error.message)")
            // Unreadable input or unwritable extraction folder: nothing could be checked.
            status = error.kind == .io ? .cannotProceed : .failures
        }
        let failed = index.entries.filter { !$0.isOK }
        if let first = failed.first, let error = first.error {
            let more = failed.count > 1 ? " (and \(failed.count - 1) more)" : ""
            errors.append("error: \(failed.count) entr\(failed.count == 1 ? "y" : "ies") failed (\(archivePath)): \(first.path): \(error.kind.rawValue): \(error.message)\(more)")
        }
        let blocking = index.findings.filter(\.kind.isBlocking)
        if let first = blocking.first {
            let more = blocking.count > 1 ? " (and \(blocking.count - 1) more)" : ""
            errors.append("error: unsafe archive (\(archivePath)): \(first.kind.rawValue): \(first.path): \(first.message)\(more)")
        }
        if status == .success, !index.isOK { status = .failures }
        return Outcome(index: index, errors: errors, status: status)
    }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
