#if canImport(Glibc)
import Glibc
#endif

/// The file operations of `merge`, in POSIX terms: a hard link when source
/// and target share a filesystem (no bytes move, and `run` never rewrites a
/// file in place — it writes a temp file and renames it — so a later shard
/// run cannot change a merged file through the link), else a copy; every
/// file and folder placed with a temp name and a rename.
struct MergeFiles {
    let workFolder: String
    private(set) var linked = 0
    private(set) var copied = 0

    init(workFolder: String) {
        self.workFolder = workFolder
    }

    /// Puts a link to (or a copy of) `source` at `target`, replacing what is there.
    mutating func place(file source: String, at target: String) throws(OutputError) {
        let temp = Self.tempName(beside: target)
        try linkOrCopy(source, temp)
        guard rename(temp, target) == 0 else {
            let reason = systemError()
            unlink(temp)
            throw OutputError(message: "cannot move \(temp) to \(target): \(reason)")
        }
    }

    /// Puts a copy of the folder `source` (links for its files) at `target`,
    /// replacing the folder there: built under the work folder, then swapped in.
    mutating func place(folder source: String, at target: String, name: String) throws(OutputError) {
        let staging = workFolder + "/\(name).merge"
        removeTree(staging)
        try copyTree(source, staging)
        let old = workFolder + "/\(name).replaced"
        removeTree(old)
        if Self.exists(target), rename(target, old) != 0 {
            throw OutputError(message: "cannot move \(target) aside: \(systemError())")
        }
        guard rename(staging, target) == 0 else {
            throw OutputError(message: "cannot move \(staging) to \(target): \(systemError())")
        }
        removeTree(old)
    }

    private mutating func linkOrCopy(_ source: String, _ target: String) throws(OutputError) {
        if link(source, target) == 0 {
            linked += 1
            return
        }
        // EXDEV (another filesystem), EPERM (no hard links there), EMLINK: copy instead.
        try copy(source, target)
        copied += 1
    }

    private func copy(_ source: String, _ target: String) throws(OutputError) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw OutputError(message: "cannot read \(source): \(systemError())") }
        defer { close(input) }
        var info = stat()
        let mode = fstat(input, &info) == 0 ? info.st_mode & 0o777 : 0o644
        let output = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard output >= 0 else { throw OutputError(message: "cannot write \(target): \(systemError())") }
        var failure: String?
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        copying: while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                failure = "cannot read \(source): \(systemError())"
                break
            }
            if count == 0 { break }
            var done = 0
            while done < count {
                let n = buffer.withUnsafeBytes { write(output, $0.baseAddress.map { $0 + done }, count - done) }
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = "cannot write \(target): \(systemError())"
                    break copying
                }
                done += n
            }
        }
        close(output)
        if let failure {
            unlink(target)
            throw OutputError(message: failure)
        }
    }

    /// Folders, files and symbolic links (recreated as links, never followed,
    /// so a link planted in a shard folder cannot pull outside files in).
    private mutating func copyTree(_ source: String, _ target: String) throws(OutputError) {
        var info = stat()
        guard lstat(source, &info) == 0 else { throw OutputError(message: "cannot read \(source): \(systemError())") }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            guard mkdir(target, info.st_mode & 0o777 | 0o700) == 0 else {
                throw OutputError(message: "cannot create \(target): \(systemError())")
            }
            for name in try Self.names(in: source) {
                try copyTree(source + "/" + name, target + "/" + name)
            }
        case S_IFREG:
            try linkOrCopy(source, target)
        case S_IFLNK:
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(source, &buffer, buffer.count - 1)
            guard length >= 0 else { throw OutputError(message: "cannot read the link \(source): \(systemError())") }
            let destination = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard symlink(destination, target) == 0 else {
                throw OutputError(message: "cannot create the link \(target): \(systemError())")
            }
        default:
            break // devices, FIFOs and sockets are nothing an export holds
        }
    }

    static func names(in folder: String) throws(OutputError) -> [String] {
        guard let stream = opendir(folder) else { throw OutputError(message: "cannot read \(folder): \(systemError())") }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Removes a file, link or folder tree; nothing when it is not there.
    func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in (try? Self.names(in: path)) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// Size of a regular file, `nil` when there is none.
    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    /// The `.tmp-` names `OutputFolder` sweeps after a killed process.
    static func tempName(beside path: String) -> String {
        path + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
    }
}
