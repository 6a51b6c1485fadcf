import Crypto

/// Where an entry's uncompressed bytes go: CRC-32, SHA-256 (inline or on the
/// hashing queue), the symlink target, and the extracted file.
struct DataSink {
    struct Result {
        var produced: UInt64
        var crc: UInt32
        var sha256: String?
        var target: [UInt8]?
        var ioError: EntryFailure?
        /// The CRC-32 is computed on the hashing queue; compare it once that is done.
        var crcDeferred: Bool
    }

    private let run: IndexRun
    private let index: Int
    private let record: CentralRecord
    private(set) var produced: UInt64 = 0
    private var crc: UInt32 = 0
    private var inlineHasher: SHA256?
    /// Large entries stream to the hashing queue chunk by chunk.
    private let queued: Bool
    /// Small entries land in the shared batch chunk, hashed with their neighbours.
    private let batch: HashBatch?
    private var batchStart = 0
    /// Batched output never exceeds the declared size by more than one byte:
    /// one byte over is enough to report the mismatch.
    private let batchCapacity: Int
    /// The hashing queue computes the CRC-32 too (the entry is not extracted, so
    /// nothing waits for the verdict before the archive is done).
    private let crcDeferred: Bool
    private var target: [UInt8]?
    private var extraction: Extraction?
    private var ioError: EntryFailure?
    /// Output chunk being filled by inflate, and how much of it is hashed.
    private var current: Chunk?
    private var filled = 0
    private var hashedUpTo = 0

    private enum Extraction {
        case file([String], ExtractedFile)
        case directory([String])
        case symlink([String])
    }

    /// Symlink targets longer than this are not kept (PATH_MAX).
    private static let maximumTargetLength = 4096

    init(run: IndexRun, index: Int, record: CentralRecord, wantsTarget: Bool, extracting: Bool, batch: HashBatch?) {
        self.run = run
        self.index = index
        self.record = record
        let small = record.uncompressedSize <= Hashing.inlineLimit
        batchCapacity = small ? Int(record.uncompressedSize) + 1 : 0
        let parallel = run.hashing != nil && run.options.parallelHashing
        crcDeferred = parallel && !extracting
        if let hashing = run.hashing, parallel, !small {
            queued = true
            self.batch = nil
            hashing.beginEntry(crc: crcDeferred)
        } else if parallel, let batch {
            queued = false
            self.batch = batch
            let (chunk, start) = batch.reserve(batchCapacity, crcOnQueue: crcDeferred)
            current = chunk
            batchStart = start
            filled = start
        } else {
            queued = false
            self.batch = nil
            if run.hashing != nil { inlineHasher = SHA256() }
        }
        if wantsTarget { target = [] }
    }

    mutating func openExtraction(_ extractor: Extractor) throws(EntryFailure) {
        guard let components = Extractor.safeComponents(record.path) else { return }
        switch record.entryType {
        case .file: extraction = .file(components, try extractor.beginFile(components, mode: record.unixMode))
        case .directory: extraction = .directory(components)
        case .symlink: extraction = .symlink(components)
        }
    }

    /// Bytes of a stored entry, straight from the read chunk.
    mutating func consume(_ chunk: Chunk, _ range: Range<Int>) {
        let bytes = chunk.bytes(range)
        take(bytes)
        if batch != nil, let current {
            // Copied into the batch (at most the declared size plus one byte).
            let room = batchStart + batchCapacity - filled
            let count = min(room, bytes.count)
            UnsafeMutableRawBufferPointer(rebasing: current.storage[filled ..< filled + count])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<count]))
            filled += count
        } else if queued {
            run.hashing?.entry(chunk, range)
        } else {
            inlineHasher?.update(bufferPointer: bytes)
        }
    }

    /// Free space for inflate to write into.
    mutating func outputBuffer() -> UnsafeMutableRawBufferPointer {
        if batch != nil, let current {
            return UnsafeMutableRawBufferPointer(rebasing: current.storage[filled ..< batchStart + batchCapacity])
        }
        if let current, filled < run.outputPool.chunkSize {
            return UnsafeMutableRawBufferPointer(rebasing: current.storage[filled...])
        }
        flush()
        let fresh = run.outputPool.acquire()
        current = fresh
        filled = 0
        hashedUpTo = 0
        return UnsafeMutableRawBufferPointer(rebasing: fresh.storage[...])
    }

    mutating func commitOutput(_ written: Int) {
        guard written > 0, let chunk = current else { return }
        take(chunk.bytes(filled ..< filled + written))
        filled += written
    }

    mutating func finish() -> Result {
        var digest: String?
        if let batch {
            batch.add(index: index, range: batchStart ..< filled)
            current = nil
        } else {
            flush()
        }
        if queued {
            run.hashing?.finishEntry(index)
        } else if let hasher = inlineHasher {
            digest = hexDigest(hasher.finalize())
        }
        return Result(produced: produced, crc: crc, sha256: digest, target: target, ioError: ioError, crcDeferred: crcDeferred)
    }

    mutating func commitExtraction(unsafeTarget: Bool, modified: Int64?) throws(EntryFailure) {
        guard let extraction else { return }
        self.extraction = nil
        guard let extractor = run.extractor else { return }
        switch extraction {
        case .file(_, let file):
            try file.commit(modified: modified)
        case .directory(let components):
            try extractor.makeDirectory(components)
        case .symlink(let components):
            // A NUL would cut the target short in symlinkat(2): such a link is not created.
            guard !unsafeTarget, let target, !target.contains(0), let text = String(validating: target, as: UTF8.self) else { return }
            try extractor.makeSymlink(components, target: text)
        }
    }

    /// Drops a partly written file (the entry failed or was not committed).
    mutating func abandon() {
        if case .file(_, let file) = extraction { file.abort() }
        extraction = nil
        // A batch chunk belongs to the batch, not to this entry.
        if batch == nil { current?.release() }
        current = nil
    }

    private mutating func take(_ bytes: UnsafeRawBufferPointer) {
        if !crcDeferred { crc = crc32(crc, bytes) }
        produced += UInt64(bytes.count)
        if let kept = target?.count, kept < Self.maximumTargetLength {
            target?.append(contentsOf: bytes.prefix(Self.maximumTargetLength - kept))
        }
        if case .file(_, let file) = extraction, ioError == nil {
            do throws(EntryFailure) { try file.write(bytes) } catch { ioError = error }
        }
    }

    /// Hands the filled part of the output chunk to the hasher and lets it go.
    private mutating func flush() {
        guard let chunk = current else { return }
        if filled > hashedUpTo {
            if queued {
                run.hashing?.entry(chunk, hashedUpTo ..< filled)
            } else {
                inlineHasher?.update(bufferPointer: chunk.bytes(hashedUpTo ..< filled))
            }
            hashedUpTo = filled
        }
        if filled == run.outputPool.chunkSize {
            chunk.release()
            current = nil
        }
    }
}
