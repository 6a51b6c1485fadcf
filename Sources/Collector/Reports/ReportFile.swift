#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A report file written atomically: bytes go to a temp file in the same
/// folder (so the rename cannot cross file systems) and the temp file is
/// renamed over the final name only once complete. A reader, or a CI job that
/// uploads the folder, never sees half a report, and a failed run leaves the
/// previous report in place.
///
/// Writes are buffered and flushed a megabyte at a time, so the CSV and JSON
/// Lines of 500,000 entries stream to disk instead of growing one string.
final class ReportFile {
    let path: String
    private let temporaryPath: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let flushThreshold = 1 << 20

    init(path: String) throws(ReportError) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        // Hidden and unique: `report` skips dot-files in sessions/, and two
        // writers of the same folder never share a temp file.
        var tag = SystemRandomNumberGenerator()
        temporaryPath = "\(folder).\(name).tmp-\(getpid())-\(String(tag.next() as UInt32, radix: 16))"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .write(path: path, reason: Self.lastError()) }
        buffer.reserveCapacity(Self.flushThreshold + 65_536)
    }

    deinit {
        // Not committed (an error on the way): leave nothing behind.
        if descriptor >= 0 {
            close(descriptor)
            unlink(temporaryPath)
        }
    }

    func write(_ text: String) throws(ReportError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    func write(bytes: [UInt8]) throws(ReportError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Appends through a closure that writes straight into the buffer
    /// (JSON serialisation without an intermediate string).
    func append(_ body: (inout [UInt8]) -> Void) throws(ReportError) {
        body(&buffer)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    private func flush() throws(ReportError) {
        if let failure = Self.writeAll(buffer, to: descriptor) { throw .write(path: path, reason: failure) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes every byte (retrying after EINTR); the reason when it could not.
    static func writeAll(_ buffer: [UInt8], to descriptor: Int32) -> String? {
        buffer.withUnsafeBytes { bytes -> String? in
            guard let base = bytes.baseAddress else { return nil }
            var done = 0
            while done < bytes.count {
                let written = Glibc.write(descriptor, base + done, bytes.count - done)
                if written < 0 {
                    if errno == EINTR { continue }
                    return lastError()
                }
                done += written
            }
            return nil
        }
    }

    /// Flushes, closes and renames the temp file over `path`.
    func commit() throws(ReportError) {
        try flush()
        let closed = close(descriptor)
        descriptor = -1
        guard closed == 0 else {
            let reason = Self.lastError()
            unlink(temporaryPath)
            throw .write(path: path, reason: reason)
        }
        guard rename(temporaryPath, path) == 0 else {
            let reason = Self.lastError()
            unlink(temporaryPath)
            throw .write(path: path, reason: reason)
        }
    }

    /// Writes a whole small file at once (the run manifest, the summary).
    static func write(_ text: String, to path: String) throws(ReportError) {
        let file = try ReportFile(path: path)
        try file.write(text)
        try file.commit()
    }

    static func lastError() -> String {
        String(cString: strerror(errno))
    }
}

/// Bytes parked on disk until a report is assembled (report.html's entries,
/// written while the manifests are read, copied in after the sessions): a
/// hidden file in the output folder, unlinked as soon as it is open, so
/// nothing is left behind whatever happens.
final class SpoolFile {
    /// The report the bytes are for (named in errors).
    let path: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private(set) var count = 0
    private static let flushThreshold = 1 << 20

    init(for path: String) throws(ReportError) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var tag = SystemRandomNumberGenerator()
        let spoolPath = "\(folder).\(name).spool-\(getpid())-\(String(tag.next() as UInt32, radix: 16))"
        descriptor = open(spoolPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .write(path: path, reason: ReportFile.lastError()) }
        unlink(spoolPath)
        buffer.reserveCapacity(Self.flushThreshold + 65_536)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    func append(_ body: (inout [UInt8]) -> Void) throws(ReportError) {
        let before = buffer.count
        body(&buffer)
        count += buffer.count - before
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    private func flush() throws(ReportError) {
        if let failure = ReportFile.writeAll(buffer, to: descriptor) { throw .write(path: path, reason: failure) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Appends everything spooled so far to `file`, a megabyte at a time.
    func copy(to file: ReportFile) throws(ReportError) {
        try flush()
        var chunk = [UInt8](repeating: 0, count: Self.flushThreshold)
        var offset: off_t = 0
        while true {
            let got = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            if got < 0 {
                if errno == EINTR { continue }
                throw .write(path: path, reason: ReportFile.lastError())
            }
            if got == 0 { break }
            offset += off_t(got)
            try file.write(bytes: got == chunk.count ? chunk : Array(chunk[..<got]))
        }
    }
}
