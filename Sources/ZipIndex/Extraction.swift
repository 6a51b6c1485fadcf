#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `--extract DIR --include GLOB...` asks for.
package struct ExtractionRequest: Sendable {
    package var directory: String
    /// fnmatch(3) patterns without FNM_PATHNAME (`*` crosses `/`); empty selects every entry.
    package var include: [String]

    package init(directory: String, include: [String] = []) {
        self.directory = directory
        self.include = include
    }
}

/// Writes entries under one root and never outside it: each directory level is
/// opened with O_NOFOLLOW (a symlink planted by an earlier entry or already on
/// disk stops the write), files go through a temp file renamed into place, and
/// setuid, setgid and sticky bits are dropped.
final class Extractor {
    private let rootDescriptor: Int32
    private let include: [String]

    init(_ request: ExtractionRequest) throws(ArchiveFailure) {
        try Extractor.makeDirectories(request.directory)
        let fd = open(request.directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveFailure(.io, "cannot open extraction folder \(request.directory): \(systemError())") }
        rootDescriptor = fd
        include = request.include
    }

    deinit { close(rootDescriptor) }

    func selects(_ path: String) -> Bool {
        include.isEmpty || include.contains { fnmatch($0, path, 0) == 0 }
    }

    /// The components an entry is written at; `nil` when the name cannot be written safely.
    static func safeComponents(_ path: String) -> [String]? {
        guard PathSafety.verdict(forName: path) == .safe, !path.utf8.contains(0) else { return nil }
        let parts = PathSafety.components(path).filter { $0 != "." }.map(String.init)
        return parts.isEmpty ? nil : parts
    }

    func makeDirectory(_ components: [String]) throws(EntryFailure) {
        let fd = try openDirectory(components, create: true)
        close(fd)
    }

    func beginFile(_ components: [String], mode: UInt32?) throws(EntryFailure) -> ExtractedFile {
        guard let name = components.last else { throw EntryFailure(.io, "cannot extract an entry with no name") }
        let parent = try openDirectory(Array(components.dropLast()), create: true)
        let temporary = ".\(name).ec-\(getpid())-\(UInt32.random(in: 0 ... .max)).tmp"
        let permissions = mode_t((mode ?? 0o644) & 0o777 | 0o600)
        let fd = openat(parent, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions)
        guard fd >= 0 else {
            let reason = systemError()
            close(parent)
            throw EntryFailure(.io, "cannot create \(components.joined(separator: "/")): \(reason)")
        }
        return ExtractedFile(parent: parent, descriptor: fd, temporaryName: temporary, finalName: name)
    }

    func makeSymlink(_ components: [String], target: String) throws(EntryFailure) {
        guard let name = components.last else { throw EntryFailure(.io, "cannot extract a symlink with no name") }
        let parent = try openDirectory(Array(components.dropLast()), create: true)
        defer { close(parent) }
        let temporary = ".\(name).ec-\(getpid())-\(UInt32.random(in: 0 ... .max)).tmp"
        guard symlinkat(target, parent, temporary) == 0 else {
            throw EntryFailure(.io, "cannot create symlink \(components.joined(separator: "/")): \(systemError())")
        }
        guard renameat(parent, temporary, parent, name) == 0 else {
            let reason = systemError()
            unlinkat(parent, temporary, 0)
            throw EntryFailure(.io, "cannot place symlink \(components.joined(separator: "/")): \(reason)")
        }
    }

    /// Opens (creating as needed) the directory at `components` below the root,
    /// refusing any level that is a symlink or not a directory.
    private func openDirectory(_ components: [String], create: Bool) throws(EntryFailure) -> Int32 {
        var current = dup(rootDescriptor)
        guard current >= 0 else { throw EntryFailure(.io, "cannot open extraction folder: \(systemError())") }
        for (depth, component) in components.enumerated() {
            if create, mkdirat(current, component, 0o755) != 0, errno != EEXIST {
                let reason = systemError()
                close(current)
                throw EntryFailure(.io, "cannot create folder \(components[...depth].joined(separator: "/")): \(reason)")
            }
            let next = openat(current, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let reason = systemError()
            close(current)
            guard next >= 0 else {
                throw EntryFailure(.io, "refusing to write through \(components[...depth].joined(separator: "/")): not a plain folder (\(reason))")
            }
            current = next
        }
        return current
    }

    private static func makeDirectories(_ path: String) throws(ArchiveFailure) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw ArchiveFailure(.io, "cannot create extraction folder \(path): \(systemError())")
            }
        }
    }
}

/// A file being extracted: data goes to a temp file that becomes the entry only
/// once the entry verified.
final class ExtractedFile {
    private let parent: Int32
    private var descriptor: Int32
    private let temporaryName: String
    private let finalName: String

    init(parent: Int32, descriptor: Int32, temporaryName: String, finalName: String) {
        self.parent = parent
        self.descriptor = descriptor
        self.temporaryName = temporaryName
        self.finalName = finalName
    }

    deinit {
        if descriptor >= 0 { abort() }
        close(parent)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(EntryFailure) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw EntryFailure(.io, "cannot write \(finalName): \(systemError())")
            }
            done += n
        }
    }

    func commit(modified unixSeconds: Int64?) throws(EntryFailure) {
        if let unixSeconds {
            var times = [timespec(tv_sec: Int(unixSeconds), tv_nsec: 0), timespec(tv_sec: Int(unixSeconds), tv_nsec: 0)]
            _ = futimens(descriptor, &times)
        }
        let closed = close(descriptor)
        descriptor = -1
        guard closed == 0 else {
            let reason = systemError()
            unlinkat(parent, temporaryName, 0)
            throw EntryFailure(.io, "cannot write \(finalName): \(reason)")
        }
        guard renameat(parent, temporaryName, parent, finalName) == 0 else {
            let reason = systemError()
            unlinkat(parent, temporaryName, 0)
            throw EntryFailure(.io, "cannot place \(finalName): \(reason)")
        }
    }

    func abort() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlinkat(parent, temporaryName, 0)
    }
}
