/// An archive held in memory, as an `ArchiveSource`: what the fuzz targets
/// (Fuzz/) feed the full indexer, so that every input is read exactly as a
/// file would be without a temp file per execution.
final class MemoryArchive: ArchiveSource {
    private let bytes: [UInt8]
    private(set) var bytesRead: UInt64 = 0

    var size: UInt64 { UInt64(bytes.count) }

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveFailure) {
        guard buffer.count > 0 else { return }
        let (end, overflow) = offset.addingReportingOverflow(UInt64(buffer.count))
        guard !overflow, end <= size else {
            throw ArchiveFailure(.truncated, "archive ends at \(size) while reading \(buffer.count) bytes at \(offset)")
        }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[Int(offset) ..< Int(end)]))
        }
        bytesRead += UInt64(buffer.count)
    }
}

extension ZipIndexer {
    /// Indexes an archive held in memory, exactly as `index(path:...)` indexes a
    /// file (no extraction: that needs the file-system checks of a real run).
    package static func index(bytes: [UInt8], path: String = "memory.zip",
                              options: IndexOptions = IndexOptions()) -> ArchiveIndex {
        var result = ArchiveIndex(path: path, bytes: UInt64(bytes.count), sha256: nil, comment: "", entries: [],
                                  findings: [], error: nil)
        let source = MemoryArchive(bytes)
        do throws(ArchiveFailure) {
            let run = try IndexRun(file: source, path: path, options: options, extractor: nil)
            run.perform(into: &result)
            result.bytesRead = source.bytesRead
        } catch {
            result.error = error
        }
        return result
    }
}
