/// The parts of an archive kept in memory while it streams past, for an index
/// that never has the whole file: local headers, data descriptors, everything
/// from the central directory on, and the last bytes (where the end record is
/// searched for). Entry data is not kept; the scan settled it on the way.
///
/// Kept bytes may overlap (the same offsets seen twice carry the same bytes);
/// `sealed()` merges them into disjoint runs for reading.
final class RetainedBytes {
    private var pieces: [(start: UInt64, bytes: [UInt8])] = []
    private(set) var count = 0
    /// More than `limit` bytes were offered, or the scan gave up: what is kept
    /// is not enough to index from.
    private(set) var overflowed = false
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    func keep(_ bytes: UnsafeRawBufferPointer, at start: UInt64) {
        guard !bytes.isEmpty, !overflowed else { return }
        guard count + bytes.count <= limit else { return abandon() }
        count += bytes.count
        // Consecutive bytes (the central directory arriving chunk by chunk) extend the last piece.
        if let last = pieces.last, last.start + UInt64(last.bytes.count) == start {
            pieces[pieces.count - 1].bytes.append(contentsOf: bytes)
        } else {
            pieces.append((start, Array(bytes)))
        }
    }

    /// The scan could not follow the archive to its end: indexing will need the file.
    func abandon() {
        overflowed = true
        pieces = []
        count = 0
    }

    func keep(_ bytes: [UInt8], at start: UInt64) {
        bytes.withUnsafeBytes { keep($0, at: start) }
    }

    /// Disjoint runs in offset order, ready for `RetainedArchive`.
    func sealed() -> [(start: UInt64, bytes: [UInt8])] {
        let sorted = pieces.sorted { $0.start < $1.start }
        var runs: [(start: UInt64, bytes: [UInt8])] = []
        for piece in sorted {
            guard let last = runs.last else {
                runs.append(piece)
                continue
            }
            let lastEnd = last.start + UInt64(last.bytes.count)
            let pieceEnd = piece.start + UInt64(piece.bytes.count)
            if piece.start > lastEnd {
                runs.append(piece)
            } else if pieceEnd > lastEnd {
                runs[runs.count - 1].bytes.append(contentsOf: piece.bytes[Int(lastEnd - piece.start)...])
            }
        }
        return runs
    }
}

/// An archive read from what `RetainedBytes` kept. A read of anything else
/// (an entry's data the scan did not settle) fails and sets `missedRead`:
/// the caller then downloads the archive to a file and indexes that instead.
final class RetainedArchive: ArchiveSource {
    let size: UInt64
    private(set) var bytesRead: UInt64 = 0
    private(set) var missedRead: Range<UInt64>?
    private let runs: [(start: UInt64, bytes: [UInt8])]

    init(size: UInt64, runs: [(start: UInt64, bytes: [UInt8])]) {
        self.size = size
        self.runs = runs
    }

    /// The run holding `offset`, by binary search.
    private func run(holding offset: UInt64) -> Int? {
        var low = 0, high = runs.count
        while low < high {
            let middle = (low + high) / 2
            if runs[middle].start <= offset { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return nil }
        let candidate = runs[low - 1]
        return offset < candidate.start + UInt64(candidate.bytes.count) ? low - 1 : nil
    }

    func readableRun(at offset: UInt64) -> UInt64 {
        guard let index = run(holding: offset) else { return 0 }
        return runs[index].start + UInt64(runs[index].bytes.count) - offset
    }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws(ArchiveFailure) {
        let (end, overflow) = offset.addingReportingOverflow(UInt64(buffer.count))
        guard !overflow, end <= size else {
            throw ArchiveFailure(.truncated, "file ends at \(size) while reading \(buffer.count) bytes at \(offset)")
        }
        guard !buffer.isEmpty else { return }
        guard let index = run(holding: offset), readableRun(at: offset) >= UInt64(buffer.count) else {
            missedRead = offset ..< end
            throw ArchiveFailure(.io, "bytes \(offset)..<\(end) were not kept while streaming")
        }
        let run = runs[index]
        let from = Int(offset - run.start)
        run.bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[from ..< from + buffer.count]))
        }
        bytesRead += UInt64(buffer.count)
    }
}
