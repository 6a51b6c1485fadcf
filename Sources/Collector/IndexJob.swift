import Logging
import ZipIndex

#if canImport(Glibc)
import Glibc
#endif

/// `export-collector index`: verify one local archive, print its manifest or a
/// summary, and say how it went in the exit status.
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

    /// Indexes the archive and hands the manifest (or the summary) to `output` in pieces.
    package func run(output: ([UInt8]) -> Void) -> Outcome {
        let logger = Logger(label: "export-collector.index")
        let started = monotonicSeconds()
        let index = ZipIndexer.index(path: archivePath, options: options, extraction: extraction)
        logger.debug("indexed archive", metadata: [
            "path": "\(archivePath)",
            "entries": "\(index.entryCount)",
            "bytes": "\(index.bytes)",
            "bytesRead": "\(index.bytesRead)",
            "seconds": "\(((monotonicSeconds() - started) * 1000).rounded() / 1000)",
        ])
        if json {
            ArchiveManifest.stream(index, emit: output)
        } else {
            output(Array(IndexSummary.text(index).utf8))
        }
        var errors: [String] = []
        var status = ExitStatus.success
        if let error = index.error {
            errors.append("error: archive not verified (\(archivePath)): \(error.kind.rawValue): \(error.message)")
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
