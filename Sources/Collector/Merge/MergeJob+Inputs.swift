#if canImport(Glibc)
import Glibc
#endif

extension MergeJob {
    /// A reason the merge cannot start, with its exit status.
    struct Refusal: Error {
        var status: ExitStatus
        var message: String
    }

    /// Checks every input before anything is written: S3 prefixes are not
    /// merged yet (2), an input that is not an output folder cannot be read
    /// (3), the target may not be one of the inputs (2). Returns the inputs
    /// without repeats, in the order given.
    static func checkInputs(_ inputs: [String], output: String) throws(Refusal) -> [String] {
        guard !inputs.isEmpty else { throw Refusal(status: .usage, message: "error: merge needs at least one input folder") }
        for path in inputs + [output] where path.hasPrefix("s3://") {
            throw Refusal(status: .usage, message: "error: cannot merge (\(path)): S3 prefixes are not supported yet; merge local folders")
        }
        let target = canonical(output)
        var seen = Set<String>()
        var unique: [String] = []
        for input in inputs.map(trimmed) {
            guard MergeFiles.isDirectory(input) else {
                throw Refusal(status: .cannotProceed, message: "error: cannot read the input folder (\(input)): \(reason(input))")
            }
            guard MergeFiles.isDirectory(input + "/sessions") else {
                throw Refusal(status: .cannotProceed,
                              message: "error: cannot read the input folder (\(input)): it has no sessions/ folder, so it is not the output of a run")
            }
            let resolved = canonical(input)
            if resolved == target {
                throw Refusal(status: .usage, message: "error: cannot merge into \(output): it is also an input; choose another -o folder")
            }
            if seen.insert(resolved).inserted { unique.append(input) }
        }
        return unique
    }

    /// Shared locks on the inputs' lock files, held while merging: a shard
    /// still running holds its folder's exclusive lock, and a merge of a
    /// half-written shard would be quietly incomplete. A shard run started
    /// meanwhile stops at the lock with its usual message.
    static func lockInputs(_ inputs: [String]) throws(Refusal) -> [Int32] {
        var descriptors: [Int32] = []
        for input in inputs {
            let path = input + "/" + OutputFolder.lockName
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue } // never run there: nothing to wait for
            guard flock(descriptor, LOCK_SH | LOCK_NB) == 0 else {
                close(descriptor)
                descriptors.forEach { close($0) }
                throw Refusal(status: .cannotProceed,
                              message: "error: cannot merge (\(input)): an export-collector run is writing it; merge after it finishes")
            }
            descriptors.append(descriptor)
        }
        return descriptors
    }

    static func trimmed(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// The real path, or the path itself when it does not exist yet.
    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return trimmed(path) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func reason(_ path: String) -> String {
        var info = stat()
        if stat(path, &info) != 0 { return systemError() }
        return "not a folder"
    }
}
