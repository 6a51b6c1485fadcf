#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor for reading, closed when the owner goes away.
/// Not `Sendable`: one indexer reads it at a time.
final class ReadOnlyFile: ArchiveSource {
    let descriptor: Int32
    let size: UInt64
    /// Bytes read so far: the reader's promise is to read each byte about once.
    private(set) var bytesRead: UInt64 = 0

    /// - Throws: `ArchiveFailure` of kind `io` naming the path and the system's reason.
    init(path: String) throws(ArchiveFailure) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ArchiveFailure(.io, "cannot open \(path): \(systemError())")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = systemError()
            close(fd)
            throw ArchiveFailure(.io, "cannot stat \(path): \(reason)")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw ArchiveFailure(.io, "\(path) is not a regular file")
        }
        descriptor = fd
        size = UInt64(info.st_size)
        #if os(Linux)
        // The pass reads front to back once; tell the kernel to read ahead.
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
    }

    deinit { close(descriptor) }

    /// Reads exactly `count` bytes at `offset` into `buffer`.
    /// - Throws: `ArchiveFailure` `io` on a read error, `truncated` when the file ends first.
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveFailure) {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw ArchiveFailure(.io, "read failed at offset \(offset + UInt64(done)): \(systemError())")
            }
            if n == 0 { throw ArchiveFailure(.truncated, "file ends at \(offset + UInt64(done)) while reading \(buffer.count) bytes at \(offset)") }
            done += n
        }
        bytesRead += UInt64(buffer.count)
    }
}

func systemError(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}
