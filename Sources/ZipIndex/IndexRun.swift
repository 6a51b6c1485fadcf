/// The state of indexing one archive; see `ZipIndexer`.
final class IndexRun {
    let file: any ArchiveSource
    let path: String
    let options: IndexOptions
    /// Stop after the central directory: list entries and the findings that
    /// need no data (`ListingIndexer`); the entry area is never read.
    let listingOnly: Bool
    let extractor: Extractor?
    let hashing: Hashing?
    let readPool = ChunkPool(count: 4, chunkSize: 1 << 20)
    let outputPool = ChunkPool(count: 4, chunkSize: 256 << 10)
    let inflater: any RawInflater
    /// What decoding the archive while it downloaded settled (`StreamScanner`),
    /// when it scanned exactly this file: entries it decoded are not read again,
    /// and the archive's digest is the stream's.
    let streamed: StreamedScan?

    /// The last bytes of the file, read once.
    var tail: [UInt8] = []
    var tailStart: UInt64 = 0

    init(file: any ArchiveSource, path: String, options: IndexOptions, extractor: Extractor?,
         listingOnly: Bool = false, streamed: StreamedScan? = nil) throws(ArchiveFailure) {
        self.file = file
        self.streamed = streamed.flatMap { $0.bytes == file.size ? $0 : nil }
        self.path = path
        self.options = options
        self.listingOnly = listingOnly
        self.extractor = extractor
        hashing = options.sha256 ? Hashing(parallel: options.parallelHashing) : nil
        inflater = try makeInflater()
    }

    func perform(into result: inout ArchiveIndex) {
        do throws(ArchiveFailure) {
            try index(into: &result)
        } catch {
            result.error = error
            if encryptedDirectoryFlag {
                result.findings.append(Finding(kind: .encrypted, path: "", message: error.message))
            }
            // Whatever stopped the index, the file's digest still identifies it.
            hashing?.drain()
            result.sha256 = streamed?.archiveSHA256 ?? (try? digestOfWholeFile())
        }
    }

    private func index(into result: inout ArchiveIndex) throws(ArchiveFailure) {
        let tailLength = Int(min(file.size, UInt64(maximumTailLength)))
        tailStart = file.size - UInt64(tailLength)
        tail = try file.read(at: tailStart, count: tailLength)

        let location = try tail.withBytes { raw throws(ArchiveFailure) in
            try EndOfCentralDirectory.locate(tail: raw, fileSize: file.size) { offset, count throws(ArchiveFailure) in
                try self.file.read(at: offset, count: count)
            }
        }
        guard let location else { throw try classifyWithoutEndRecord() }

        result.comment = location.comment.withUnsafeBytes { raw in
            decodeUTF8(raw) ?? decodeCP437(raw)
        }
        var archiveFindings: [Finding] = []
        if location.trailingBytes > 0 {
            archiveFindings.append(Finding(kind: .trailingData, path: "",
                message: "\(location.trailingBytes) bytes follow the end of central directory record"))
        }

        let directory = try locateDirectory(location, findings: &archiveFindings)
        result.findings = archiveFindings
        let records = try directory.bytes.withBytes { raw throws(ArchiveFailure) in
            try CentralDirectory.parse(raw, declaredCount: location.entryCount,
                                       isZip64: location.isZip64, maxEntries: options.maxEntries)
        }
        let pass = EntryPass(run: self, records: records, base: directory.base, directoryStart: directory.start)
        if listingOnly {
            pass.planEntries()
            result.entries = pass.entries(queueResults: []).map { entry in
                var entry = entry
                entry.verified = false
                return entry
            }
            result.findings = archiveFindings + pass.findings(prependedBytes: directory.base)
            result.error = pass.archiveLimitError ?? pass.structuralError
            return
        }
        try pass.perform()
        result.settledWhileDownloading = pass.replayedEntries

        // The archive digest: the entry area came through the reader; the central
        // directory and tail are in memory.
        if let hashing, streamed == nil {
            try pass.reader.skip(to: directory.start)
            var position = directory.start
            if position < tailStart {
                let held = min(UInt64(directory.bytes.count), tailStart - position)
                hashing.archive(Array(directory.bytes[0 ..< Int(held)]))
                position += held
                if position < tailStart {
                    // A ZIP64 archive with a maximal comment: its ZIP64 records lie
                    // between the directory and the tail, which starts at the end record.
                    hashing.archive(try file.read(at: position, count: Int(tailStart - position)))
                    position = tailStart
                }
            }
            hashing.archive(Array(tail[Int(position - tailStart)...]))
        }
        let digests = hashing?.finish()
        result.sha256 = streamed?.archiveSHA256 ?? digests?.archive
        result.entries = pass.entries(queueResults: digests?.entries ?? [])
        result.findings = archiveFindings + pass.findings(prependedBytes: directory.base)
        result.error = pass.archiveLimitError ?? pass.structuralError
    }

    struct Directory {
        var start: UInt64
        /// Bytes before the archive whose offsets were not adjusted.
        var base: UInt64
        /// From the directory's start to the record after it.
        var bytes: [UInt8]
    }

    /// Finds the central directory: where the EOCD says, shifted by any data
    /// prepended without adjusting offsets (self-extractors), or, failing that,
    /// at the recorded offset (Go's rule for a wrong directory size).
    private func locateDirectory(_ location: DirectoryLocation, findings: inout [Finding]) throws(ArchiveFailure) -> Directory {
        let end = location.directoryEndOffset
        if location.centralDirectoryEncrypted {
            throw encryptedDirectory()
        }
        var candidates: [UInt64] = []
        if location.directorySize <= end, end - location.directorySize >= location.recordedDirectoryOffset {
            candidates.append(end - location.directorySize)
        }
        if location.recordedDirectoryOffset <= end, !candidates.contains(location.recordedDirectoryOffset) {
            candidates.append(location.recordedDirectoryOffset)
        }
        for start in candidates {
            if end - start <= 256 << 20 { file.willRead(start ..< end) }
            let signature = end - start >= 4 ? try fourBytes(at: start) : nil
            guard location.entryCount == 0 || signature == Signature.centralFileHeader else {
                if signature == Signature.archiveExtraData { throw encryptedDirectory() }
                continue
            }
            let length = end - start
            guard length <= 256 << 20 else {
                throw ArchiveFailure(.limits, "central directory of \(length) bytes is larger than 256 MiB")
            }
            let base = start - location.recordedDirectoryOffset
            if base > 0 {
                findings.append(Finding(kind: .prependedData, path: "",
                    message: "\(base) bytes precede the archive (offsets not adjusted, as in a self-extractor)"))
            }
            return Directory(start: start, base: base, bytes: try bytes(from: start, to: end))
        }
        // ZIP64 records can claim any 64-bit offset and size: their sum may overflow.
        let (recordedEnd, overflow) = location.recordedDirectoryOffset.addingReportingOverflow(location.directorySize)
        if overflow || recordedEnd > file.size {
            throw ArchiveFailure(.format, "central directory (offset \(location.recordedDirectoryOffset), \(location.directorySize) bytes) lies outside the \(file.size)-byte file")
        }
        throw ArchiveFailure(.format, "no central directory at offset \(location.recordedDirectoryOffset) where the end record puts it")
    }

    private func encryptedDirectory() -> ArchiveFailure {
        encryptedDirectoryFlag = true
        return ArchiveFailure(.format, "central directory is encrypted (PKWARE strong encryption); entries cannot be listed")
    }

    /// Set when the directory itself is encrypted: the caller adds an `encrypted` finding.
    var encryptedDirectoryFlag = false

    private func fourBytes(at offset: UInt64) throws(ArchiveFailure) -> UInt32 {
        let raw = try bytes(from: offset, to: offset + 4)
        return raw.withUnsafeBytes { $0.le32(0) }
    }

    /// Bytes of `[start, end)`, from the tail buffer where it covers them.
    private func bytes(from start: UInt64, to end: UInt64) throws(ArchiveFailure) -> [UInt8] {
        if start >= tailStart {
            return Array(tail[Int(start - tailStart) ..< Int(end - tailStart)])
        }
        if end <= tailStart {
            return try file.read(at: start, count: Int(end - start))
        }
        var head = try file.read(at: start, count: Int(tailStart - start))
        head.append(contentsOf: tail[0 ..< Int(end - tailStart)])
        return head
    }

    /// No EOCD at all: an interrupted download, a split-archive segment, or not a ZIP.
    private func classifyWithoutEndRecord() throws(ArchiveFailure) -> ArchiveFailure {
        guard file.size >= 4 else {
            return ArchiveFailure(.notZip, file.size == 0 ? "empty file" : "\(file.size)-byte file has no ZIP structure")
        }
        let head = try bytes(from: 0, to: 4).withUnsafeBytes { $0.le32(0) }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if head == Signature.dataDescriptor || isSplitSegmentName(name) {
            return ArchiveFailure(.multiDisk, "segment of a split archive (no end of central directory record)")
        }
        if head == Signature.localFileHeader {
            return ArchiveFailure(.truncated, "no end of central directory record: the archive is cut short")
        }
        return ArchiveFailure(.notZip, "no end of central directory record and no ZIP header")
    }

    /// `name.z01` … `name.z99`: segments before the last of an Info-ZIP split archive.
    private func isSplitSegmentName(_ name: String) -> Bool {
        let lower = name.lowercased()
        guard let dot = lower.lastIndex(of: ".") else { return false }
        let suffix = lower[lower.index(after: dot)...]
        return suffix.count >= 3 && suffix.first == "z" && suffix.dropFirst().allSatisfy(\.isNumber)
    }

    /// The hasher the entry area's bytes go through for the archive digest:
    /// none when the stream already gave it.
    var archiveHashing: Hashing? { streamed == nil ? hashing : nil }

    private func digestOfWholeFile() throws(ArchiveFailure) -> String? {
        guard options.sha256 else { return nil }
        let hasher = Hashing(parallel: false)
        let reader = SequentialReader(file: file, pool: readPool, hashing: hasher, tail: tail, end: file.size)
        try reader.skip(to: file.size)
        return hasher.finish().archive
    }
}
