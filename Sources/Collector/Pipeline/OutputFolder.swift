import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A failure to use the output folder: the run cannot proceed (exit 3).
package struct OutputError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package var description: String { message }
}

/// The output folder of CONTRACTS.md and how the pipeline writes into it:
/// every file through a temp file in the same folder and a rename, so a run
/// killed at any moment leaves either the old file or the new one, never
/// half of one; a lock so that two runs never write one folder at once.
package final class OutputFolder: @unchecked Sendable {
    package let root: String
    /// Held open for the lifetime of the run; `flock` releases it when the
    /// process exits, however it exits, so a killed run never leaves a stale lock.
    private var lockDescriptor: Int32 = -1

    package static let lockName = ".export-collector.lock"
    /// Downloads of archives that are not kept, and extraction staging.
    package static let workName = ".work"

    package init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    deinit {
        if lockDescriptor >= 0 { close(lockDescriptor) }
    }

    package var sessionsFolder: String { root + "/sessions" }
    package var archivesFolder: String { root + "/archives" }
    package var filesFolder: String { root + "/files" }
    package var workFolder: String { root + "/" + Self.workName }

    package func sessionManifestPath(_ sessionID: String) -> String { sessionsFolder + "/\(sessionID).json" }
    package func archivePath(_ sessionID: String) -> String { archivesFolder + "/\(sessionID).zip" }
    package func filesPath(_ sessionID: String) -> String { filesFolder + "/\(sessionID)" }

    /// Creates the folders and takes the lock.
    /// - Throws: `OutputError` when the folder cannot be created or another run holds it.
    package func prepare() throws(OutputError) {
        for folder in [root, sessionsFolder, archivesFolder, workFolder] {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            } catch {
                throw OutputError(message: "cannot create \(folder): \(Self.reason(error))")
            }
        }
        let path = root + "/" + Self.lockName
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw OutputError(message: "cannot open the lock file \(path): \(systemError())") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw OutputError(message: "another export-collector run is writing \(root)"
                + (holder.map { $0.isEmpty ? "" : " (pid \($0))" } ?? "") + "; wait for it to finish (the lock goes with that process)")
        }
        lockDescriptor = descriptor
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        sweepLeftovers()
    }

    /// Removes what a killed run left behind: temp files of atomic writes and
    /// the work folder. `.part` downloads in `archives/` stay: they resume.
    private func sweepLeftovers() {
        let manager = FileManager.default
        for folder in [root, sessionsFolder, archivesFolder] {
            for name in (try? manager.contentsOfDirectory(atPath: folder)) ?? [] where name.contains(".tmp-") {
                try? manager.removeItem(atPath: folder + "/" + name)
            }
        }
        try? manager.removeItem(atPath: workFolder)
        try? manager.createDirectory(atPath: workFolder, withIntermediateDirectories: true)
    }

    /// Removes the work folder at the end of a run.
    package func finish() {
        try? FileManager.default.removeItem(atPath: workFolder)
    }

    /// Writes `bytes` to `path` through a temp file beside it and a rename.
    package static func writeAtomically(_ bytes: [UInt8], to path: String) throws(OutputError) {
        let temp = path + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let descriptor = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw OutputError(message: "cannot write \(path): \(systemError())") }
        var done = 0
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            while done < buffer.count {
                guard let base = buffer.baseAddress else { break }
                let n = write(descriptor, base + done, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = systemError()
                    return
                }
                done += n
            }
        }
        close(descriptor)
        if let failure {
            unlink(temp)
            throw OutputError(message: "cannot write \(path): \(failure)")
        }
        guard rename(temp, path) == 0 else {
            let reason = systemError()
            unlink(temp)
            throw OutputError(message: "cannot move \(temp) to \(path): \(reason)")
        }
    }

    static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}

func systemError() -> String {
    String(cString: strerror(errno))
}
