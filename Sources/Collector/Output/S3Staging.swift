import Foundation
import S3

#if canImport(Glibc)
import Glibc
#endif

/// The local side of an S3 output: a fresh staging folder laid out as an
/// output folder (the pipeline, `report` and `merge` write there as they
/// would anywhere) and a lock against a second writer on this machine.
///
/// Why not a lock in S3: a lock object outlives a killed process (a
/// Kubernetes pod retried after an OOM kill would find its own stale lock
/// and stop), and S3 has no lease. The rule is one writer per prefix:
/// shards write distinct prefixes (`shard-I-of-N/`), and on one machine
/// an `flock` keyed by the prefix stops an overlapping cron start.
package final class S3Staging: @unchecked Sendable {
    package let location: S3OutputLocation
    /// The staging folder; removed by `close()`.
    package let root: String
    private var lockDescriptor: Int32 = -1

    /// Creates the staging folder under `$TMPDIR` (else `/tmp`).
    /// - Throws: `OutputError` when it cannot be created.
    package init(location: S3OutputLocation) throws(OutputError) {
        self.location = location
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/export-collector-staging.XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw OutputError(message: "cannot create a staging folder in \(base): \(systemError())")
        }
        root = String(cString: made)
    }

    deinit {
        if lockDescriptor >= 0 { Glibc.close(lockDescriptor) }
    }

    /// Takes this machine's lock on the prefix (`flock`, released by the
    /// kernel however the process ends).
    /// - Throws: `OutputError` when another run on this machine holds it.
    package func lock() throws(OutputError) {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let key = String(Shard.fnv1a64(location.description), radix: 16)
        let path = base + "/export-collector-s3-\(key).lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw OutputError(message: "cannot open the lock file \(path): \(systemError())") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            Glibc.close(descriptor)
            throw OutputError(message: "another export-collector run on this machine is writing \(location)"
                + (holder.isEmpty ? "" : " (pid \(holder))") + "; wait for it to finish (the lock goes with that process)")
        }
        lockDescriptor = descriptor
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// Removes the staging folder (the lock goes with the process or `deinit`).
    package func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
