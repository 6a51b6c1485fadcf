import CZlib
import Crypto

/// What is known about one entry while the archive is indexed.
struct EntryState {
    var record: CentralRecord
    /// Local header offset in the file (recorded offset plus prepended bytes).
    var offset: UInt64?
    var error: EntryFailure?
    var findings: [Finding] = []
    /// Data is not decoded (encrypted, unsupported method, over a limit, overlapping).
    var skipData = false
    var sha256: String?
    var localModificationTime: Int64?
    var symlinkTarget: String?
    /// A blocking problem with the name or layout: never extracted.
    var unsafe = false
    /// The data's CRC-32 comes from the hashing queue; checked when the pass is done.
    var crcPending = false

    mutating func fail(_ failure: EntryFailure) {
        if error == nil { error = failure }
        skipData = true
    }

    /// The archive's structure is inconsistent at this entry: the entry fails and
    /// the archive reports a `format` error too (CONTRACTS.md names `format` an
    /// archive error kind).
    var breaksStructure = false

    mutating func failStructure(_ failure: EntryFailure) {
        fail(failure)
        breaksStructure = true
    }

    mutating func flag(_ kind: FindingKind, _ message: String) {
        findings.append(Finding(kind: kind, path: record.path, message: message))
        if kind.isBlocking { unsafe = true }
    }
}

/// The single front-to-back pass over the entry area.
final class EntryPass {
    let run: IndexRun
    let reader: SequentialReader
    private var states: [EntryState]
    private let directoryStart: UInt64
    private(set) var archiveLimitError: ArchiveFailure?
    private let batch: HashBatch?

    init(run: IndexRun, records: [CentralRecord], base: UInt64, directoryStart: UInt64) {
        self.run = run
        self.directoryStart = directoryStart
        reader = SequentialReader(file: run.file, pool: run.readPool, hashing: run.archiveHashing, tail: run.tail, end: directoryStart)
        batch = run.hashing.map { HashBatch(pool: run.outputPool, hashing: $0) }
        run.hashing?.expectEntries(records.count)
        states = records.map { record in
            var state = EntryState(record: record)
            let (offset, overflow) = record.localHeaderOffset.addingReportingOverflow(base)
            if !overflow { state.offset = offset }
            return state
        }
    }

    func perform() throws(ArchiveFailure) {
        planEntries()
        for (index, offset) in placedInOffsetOrder() {
            try visit(index, at: offset)
        }
        batch?.submit()
        resolveSymlinks()
    }

    // MARK: Planning from the central directory

    /// Checks every record before any data is read; alone, it is the listing.
    func planEntries() {
        var declaredTotal: UInt64 = 0
        var seen: [String: Int] = [:]
        seen.reserveCapacity(states.count)
        for index in states.indices {
            declaredTotal = declaredTotal &+ states[index].record.uncompressedSize
            plan(&states[index], index: index, seen: &seen)
        }
        if declaredTotal > run.options.maxUncompressedBytes {
            archiveLimitError = ArchiveFailure(.limits, "entries declare \(declaredTotal) uncompressed bytes, more than the limit of \(run.options.maxUncompressedBytes) (maxUncompressedBytes); entries not verified")
            for index in states.indices {
                states[index].fail(EntryFailure(.limits, "not verified: archive exceeds maxUncompressedBytes"))
            }
        }
        markOverlaps()
        markSymlinkPlanting()
    }

    /// Checks one record before any data is read (in place: records are large).
    private func plan(_ state: inout EntryState, index: Int, seen: inout [String: Int]) {
        let options = run.options
        if let problem = state.record.problem { state.failStructure(problem) }
        if state.record.diskStart != 0 { state.failStructure(EntryFailure(.format, "entry starts on disk \(state.record.diskStart)")) }
        if let offset = state.offset {
            if offset > directoryStart || directoryStart - offset < 30 {
                state.failStructure(EntryFailure(.format, "local header offset \(state.record.localHeaderOffset) lies beyond the entry data (central directory starts at \(directoryStart))"))
                state.offset = nil
            }
        } else {
            state.failStructure(EntryFailure(.format, "local header offset \(state.record.localHeaderOffset) is out of range"))
        }

        if state.record.isEncrypted {
            let how = state.record.flags & 0x0040 != 0 ? "PKWARE strong encryption"
                : state.record.methodCode == 99 ? "WinZip AES encryption" : "traditional PKWARE encryption"
            state.fail(EntryFailure(.encrypted, "\(how); not decrypted"))
            state.flag(.encrypted, "entry is encrypted (\(how))")
        } else if case .other(let code) = state.record.method {
            state.fail(EntryFailure(.unsupportedMethod, "compression method \(code) (\(methodName(code))) is not supported; only stored and deflate are decoded"))
            state.flag(.unsupportedMethod, "compression method \(code) (\(methodName(code)))")
        } else if state.record.method == .deflate, state.record.uncompressedSize > 0 {
            let (compressed, uncompressed) = (state.record.compressedSize, state.record.uncompressedSize)
            let ratio = Double(uncompressed) / Double(max(compressed, 1))
            if ratio > options.maxCompressionRatio {
                state.fail(EntryFailure(.limits, "compression ratio \(Int(ratio)):1 exceeds the limit of \(Int(options.maxCompressionRatio)):1 (maxCompressionRatio); not inflated"))
                state.flag(.compressionRatio, "\(uncompressed) bytes from \(compressed) compressed: ratio \(Int(ratio)):1 exceeds \(Int(options.maxCompressionRatio)):1")
            }
        }

        if state.record.nonUTF8Name {
            state.flag(.nonUTF8Name, "name is not marked UTF-8; decoded as CP437")
        }
        switch PathSafety.verdict(forName: state.record.path) {
        case .absolute: state.flag(.absolutePath, "absolute path: would be written outside the extraction folder")
        case .traversal: state.flag(.pathTraversal, "path contains '..': would be written outside the extraction folder")
        case .nulByte:
            // No finding kind names this; path_traversal is the blocking one that fits:
            // a tool that stops at the NUL writes the entry under another path.
            let shown = String(decoding: state.record.path.utf8.prefix { $0 != 0 }, as: UTF8.self)
            state.flag(.pathTraversal, "name contains a NUL byte: a tool that stops there would write \"\(shown)\" instead")
        case .safe: break
        }
        if let first = seen.updateValue(index, forKey: state.record.path) {
            seen[state.record.path] = first
            state.flag(.duplicatePath, "same path as entry #\(first + 1)")
        }
    }

    /// Entries whose bytes share space with another entry's (the "better zip bomb"
    /// of overlapping files, or two records naming one local header). The extent
    /// used is the smallest the local header allows, so no false alarm is raised.
    private func markOverlaps() {
        var furthestEnd: UInt64 = 0
        var furthestOwner: Int?
        for (index, offset) in placedInOffsetOrder() {
            if let owner = furthestOwner, offset < furthestEnd {
                states[index].fail(EntryFailure(.format, "data overlaps entry #\(owner + 1) (\(states[owner].record.path)); not decoded"))
                states[index].flag(.overlappingEntries, "local header at \(offset) lies inside entry #\(owner + 1) (\(states[owner].record.path))")
                continue
            }
            let record = states[index].record
            let end = offset &+ 30 &+ UInt64(record.rawName.count) &+ record.compressedSize
            if end > furthestEnd {
                furthestEnd = end
                furthestOwner = index
            }
        }
    }

    /// An entry whose path runs through another entry that is a symlink would be
    /// written wherever the link points ("symlink planting").
    private func markSymlinkPlanting() {
        guard states.contains(where: { $0.record.entryType == .symlink }) else { return }
        let links = Set(states.filter { $0.record.entryType == .symlink }.map { PathSafety.components($0.record.path).joined(separator: "/") })
        for index in states.indices {
            let parts = PathSafety.components(states[index].record.path)
            guard parts.count > 1 else { continue }
            for length in 1 ..< parts.count {
                let prefix = parts[0 ..< length].joined(separator: "/")
                if links.contains(prefix) {
                    states[index].flag(.symlinkEscape, "path goes through symlink \(prefix), which an extraction would follow")
                    break
                }
            }
        }
    }

    private func resolveSymlinks() {
        for index in states.indices where states[index].record.entryType == .symlink {
            guard let target = states[index].symlinkTarget else { continue }
            if PathSafety.symlinkEscapes(linkPath: states[index].record.path, target: target) {
                states[index].flag(.symlinkEscape, "symlink target \(target) leaves the extraction folder")
            }
        }
    }

    /// Entries with a usable local header offset, in file order (ties by index).
    private func placedInOffsetOrder() -> [(index: Int, offset: UInt64)] {
        states.indices.compactMap { index in states[index].offset.map { (index, $0) } }
            .sorted { ($0.offset, $0.index) < ($1.offset, $1.index) }
    }

    // MARK: The pass

    private func visit(_ index: Int, at offset: UInt64) throws(ArchiveFailure) {
        if offset < reader.position {
            // The previous entry's real extent (local extra field, data descriptor) reached this header.
            if !states[index].skipData {
                states[index].fail(EntryFailure(.format, "local header at \(offset) lies inside the previous entry's data; not decoded"))
                states[index].flag(.overlappingEntries, "local header at \(offset) lies inside the previous entry's data")
            }
            return
        }
        try reader.skip(to: offset)
        guard let local = try readLocalHeader(index, at: offset) else { return }
        let record = states[index].record
        let dataStart = reader.position
        let (dataEnd, overflow) = dataStart.addingReportingOverflow(record.compressedSize)
        if overflow || dataEnd > directoryStart {
            let kind: EntryFailure.Kind = overflow || dataEnd > run.file.size ? .truncated : .format
            states[index].failStructure(EntryFailure(kind, kind == .truncated
                ? "compressed data (\(record.compressedSize) bytes from offset \(dataStart)) runs past the end of the file"
                : "compressed data (\(record.compressedSize) bytes from offset \(dataStart)) runs into the central directory"))
            return
        }
        guard !states[index].skipData else { return }
        if try !replayStreamed(index, headerOffset: offset, dataStart: dataStart, dataEnd: dataEnd) {
            try verifyData(index, dataEnd: dataEnd)
        }
        if record.usesDataDescriptor, states[index].error == nil || states[index].error?.kind == .checksum {
            try checkDataDescriptor(index, zip64: local.hasZip64Field || record.extras.hasZip64Field)
        }
        if states[index].error != nil { states[index].sha256 = nil }
    }

    /// Reads and cross-checks the local header (APPNOTE 4.3.7) against the central record.
    private func readLocalHeader(_ index: Int, at offset: UInt64) throws(ArchiveFailure) -> ExtraFields? {
        let record = states[index].record
        guard let fixed = try reader.read(30) else {
            states[index].failStructure(EntryFailure(.format, "local header runs into the central directory"))
            return nil
        }
        let (signature, flags, method, crc, compressed32, uncompressed32, nameLength, extraLength) = fixed.withUnsafeBytes {
            ($0.le32(0), $0.le16(6), $0.le16(8), $0.le32(14), $0.le32(18), $0.le32(22), Int($0.le16(26)), Int($0.le16(28)))
        }
        guard signature == Signature.localFileHeader else {
            states[index].failStructure(EntryFailure(.format, "no local file header at offset \(offset)"))
            return nil
        }
        guard let variable = try reader.read(nameLength + extraLength) else {
            states[index].failStructure(EntryFailure(.format, "local header name and extra field run into the central directory"))
            return nil
        }
        let extras: ExtraFields
        do {
            extras = try variable.withUnsafeBytes { raw throws(ExtraFields.Malformed) in
                try ExtraFields.parse(
                    UnsafeRawBufferPointer(rebasing: raw[nameLength...]),
                    rawName: UnsafeRawBufferPointer(rebasing: raw[..<nameLength]),
                    needUncompressed: uncompressed32 == 0xFFFF_FFFF, needCompressed: compressed32 == 0xFFFF_FFFF,
                    needOffset: false)
            }
        } catch let error as ExtraFields.Malformed {
            if case .blockOverrun(let id, let declared, let remaining) = error {
                states[index].failStructure(EntryFailure(.format, "local extra field 0x\(hex16(id)) declares \(declared) bytes where \(remaining) remain"))
            }
            return nil
        } catch {
            return nil
        }
        if let seconds = extras.modificationTime { states[index].localModificationTime = seconds }

        var mismatches: [String] = []
        if !variable[..<nameLength].elementsEqual(record.rawName) {
            let localName = variable[..<nameLength].withUnsafeBytes { decodeName($0, utf8Flag: flags & 0x0800 != 0).name }
            mismatches.append("name \"\(localName)\" differs from the central directory's \"\(record.path)\"")
        }
        if method != record.methodCode { mismatches.append("method \(method) differs from the central directory's \(record.methodCode)") }
        if flags & 0x0001 != record.flags & 0x0001 { mismatches.append("encryption flag differs from the central directory's") }
        if flags & 0x0008 == 0 {
            let compressed = compressed32 == 0xFFFF_FFFF ? extras.zip64Compressed ?? UInt64(compressed32) : UInt64(compressed32)
            let uncompressed = uncompressed32 == 0xFFFF_FFFF ? extras.zip64Uncompressed ?? UInt64(uncompressed32) : UInt64(uncompressed32)
            if crc != record.crc { mismatches.append("CRC-32 \(hex32(crc)) differs from the central directory's \(hex32(record.crc))") }
            if compressed != record.compressedSize {
                mismatches.append("compressed size \(compressed) differs from the central directory's \(record.compressedSize)")
            }
            if uncompressed != record.uncompressedSize {
                mismatches.append("uncompressed size \(uncompressed) differs from the central directory's \(record.uncompressedSize)")
            }
        } else if record.flags & 0x0008 == 0 {
            mismatches.append("data descriptor flag is set in the local header only")
        }
        if !mismatches.isEmpty {
            states[index].failStructure(EntryFailure(.format, "local header " + mismatches.joined(separator: "; ")))
            return nil
        }
        return extras
    }

    /// Decodes the entry's data: CRC-32, SHA-256, declared size, optional extraction.
    private func verifyData(_ index: Int, dataEnd: UInt64) throws(ArchiveFailure) {
        let record = states[index].record
        let extractor = run.extractor.flatMap { !states[index].unsafe && $0.selects(record.path) ? $0 : nil }
        var sink = DataSink(run: run, index: index, record: record, wantsTarget: record.entryType == .symlink,
                            extracting: extractor != nil, batch: batch)
        defer { sink.abandon() }
        if let extractor {
            do throws(EntryFailure) {
                try sink.openExtraction(extractor)
            } catch {
                states[index].error = error
            }
        }

        var failure: EntryFailure?
        switch record.method {
        case .stored:
            while reader.position < dataEnd, let (chunk, range) = try reader.next(upTo: dataEnd - reader.position) {
                sink.consume(chunk, range)
            }
        case .deflate:
            failure = try inflate(record, dataEnd: dataEnd, into: &sink)
        case .other:
            return
        }
        try reader.skip(to: dataEnd)

        let result = sink.finish()
        if failure == nil, let ioError = result.ioError { failure = ioError }
        if failure == nil, result.produced != record.uncompressedSize {
            failure = .decodedSize(result.produced, declared: record.uncompressedSize)
        }
        if failure == nil, !result.crcDeferred, result.crc != record.crc {
            failure = crcMismatch(result.crc, record)
        }
        states[index].crcPending = failure == nil && result.crcDeferred
        if let target = result.target {
            states[index].symlinkTarget = String(decoding: target, as: UTF8.self)
        }
        if let failure {
            if states[index].error == nil { states[index].error = failure }
            return
        }
        states[index].sha256 = result.sha256
        if states[index].error == nil {
            do throws(EntryFailure) {
                try sink.commitExtraction(unsafeTarget: states[index].symlinkTarget.map {
                    PathSafety.symlinkEscapes(linkPath: record.path, target: $0)
                } ?? false, modified: states[index].record.extras.modificationTime ?? states[index].localModificationTime)
            } catch {
                states[index].error = error
            }
        }
    }

    /// Settles the entry from what the streaming scan decoded, when the scan
    /// worked under the same conditions this pass would: the same local
    /// header, the same method, and bounds from which the central directory's
    /// sizes give the same verdict. Entries to extract and symlinks (whose
    /// bytes are needed) are read as usual.
    /// - Returns: whether the entry was settled.
    private func replayStreamed(_ index: Int, headerOffset: UInt64, dataStart: UInt64, dataEnd: UInt64) throws(ArchiveFailure) -> Bool {
        guard let streamed = run.streamed?.entries[headerOffset] else { return false }
        let record = states[index].record
        guard streamed.dataStart == dataStart, streamed.methodCode == record.methodCode,
              record.entryType != .symlink,
              run.extractor.map({ states[index].unsafe || !$0.selects(record.path) }) ?? true
        else { return false }
        let (compressed, declared) = (record.compressedSize, record.uncompressedSize)
        var failure: EntryFailure?
        if streamed.inputLimit == compressed, streamed.outputLimit == declared {
            // Decoded under exactly this entry's bounds: the same verdict.
            failure = streamed.inflateFailure
        } else if streamed.inputLimit == nil, streamed.inflateFailure == nil, record.method == .deflate,
                  streamed.consumed <= compressed {
            // A data-descriptor entry whose stream ended cleanly within the
            // compressed size the central directory gives.
            if streamed.produced > declared {
                failure = .inflatesPastDeclared(declared)
            } else if streamed.consumed < compressed {
                failure = .bytesAfterStreamEnd(compressed - streamed.consumed)
            }
        } else if streamed.inputLimit == nil, streamed.inflateFailure == nil, record.method == .stored,
                  streamed.consumed == compressed {
            // A stored data-descriptor entry whose data the scan ended exactly
            // where the central directory does: the bytes this pass would read,
            // so the same size, CRC-32 and digest. Ended anywhere else (a
            // descriptor planted in the data), the scan saw other bytes as the
            // data: read it here.
        } else {
            return false
        }
        try reader.skip(to: dataEnd)
        if failure == nil, streamed.produced != declared {
            failure = .decodedSize(streamed.produced, declared: declared)
        }
        if failure == nil, streamed.crc != record.crc {
            failure = crcMismatch(streamed.crc, record)
        }
        states[index].crcPending = false
        if let failure {
            if states[index].error == nil { states[index].error = failure }
        } else {
            states[index].sha256 = streamed.sha256
        }
        replayedEntries += 1
        return true
    }

    /// Entries settled from the streaming scan (the rest were decoded here).
    private(set) var replayedEntries = 0

    /// Raw-inflates the entry's bytes, stopping as soon as the output exceeds the
    /// declared size, so a lying header cannot make the reader inflate without end.
    private func inflate(_ record: CentralRecord, dataEnd: UInt64, into sink: inout DataSink) throws(ArchiveFailure) -> EntryFailure? {
        let inflater = run.inflater
        inflater.reset()
        while true {
            if inflater.pendingInput == 0, reader.position < dataEnd {
                if let (chunk, range) = try reader.next(upTo: dataEnd - reader.position) {
                    inflater.setInput(chunk.bytes(range))
                }
            }
            let (status, written) = inflater.inflate(into: sink.outputBuffer())
            sink.commitOutput(written)
            guard let verdict = Self.verdict(status: status, produced: sink.produced, declared: record.uncompressedSize,
                                             inflater: inflater, inputNotGiven: dataEnd - reader.position) else { continue }
            if !inflater.isZlib, sink.produced <= record.uncompressedSize, ![Z_STREAM_END, Z_OK, Z_BUF_ERROR].contains(status) {
                // The manifest words a corrupt stream as zlib does.
                return try zlibVerdict(record, from: dataEnd - record.compressedSize, to: dataEnd) ?? verdict
            }
            return verdict
        }
    }

    /// What one inflate call means for the entry, the same for every loop that
    /// decodes it: `nil` to go on; else the verdict (`.some(nil)`: a clean end).
    /// - Parameter inputNotGiven: compressed bytes not yet handed to the inflater.
    static func verdict(status: Int32, produced: UInt64, declared: UInt64, inflater: any RawInflater,
                        inputNotGiven: UInt64) -> EntryFailure?? {
        // Checked first: a lying header must not make the reader inflate without end.
        if produced > declared { return .some(.inflatesPastDeclared(declared)) }
        switch status {
        case Z_STREAM_END:
            let leftover = UInt64(inflater.inputAfterStreamEnd) + inputNotGiven
            return .some(leftover > 0 ? .bytesAfterStreamEnd(leftover) : nil)
        case Z_OK:
            return nil
        case Z_BUF_ERROR where inflater.pendingInput == 0 && inputNotGiven == 0:
            return .some(.streamCutShort)
        case Z_BUF_ERROR:
            return nil
        default:
            return .some(.corruptStream(inflater.lastMessage, status: status))
        }
    }

    /// What zlib concludes about the entry's compressed bytes, read again from
    /// the file; the output is only counted. Used when another engine found the
    /// stream corrupt, so that its verdict reads the same as with zlib.
    private func zlibVerdict(_ record: CentralRecord, from dataStart: UInt64, to dataEnd: UInt64) throws(ArchiveFailure) -> EntryFailure? {
        let zlib = try Inflater()
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 64)
        defer {
            input.deallocate()
            output.deallocate()
        }
        var position = dataStart
        var produced: UInt64 = 0
        while true {
            if zlib.pendingInput == 0, position < dataEnd {
                let count = Int(min(UInt64(input.count), dataEnd - position))
                let slice = UnsafeMutableRawBufferPointer(rebasing: input[0 ..< count])
                try run.file.read(at: position, into: slice)
                position += UInt64(count)
                zlib.setInput(UnsafeRawBufferPointer(slice))
            }
            let (status, written) = zlib.inflate(into: output)
            produced += UInt64(written)
            if let verdict = Self.verdict(status: status, produced: produced, declared: record.uncompressedSize,
                                          inflater: zlib, inputNotGiven: dataEnd - position) {
                return verdict
            }
        }
    }

    /// Checks the data descriptor (APPNOTE 4.3.9): optional signature, CRC-32,
    /// then sizes of 4 bytes, or 8 when the entry is in ZIP64 form.
    private func checkDataDescriptor(_ index: Int, zip64: Bool) throws(ArchiveFailure) {
        let record = states[index].record
        let sizeWidth = zip64 ? 8 : 4
        let start = reader.position
        guard let first = try reader.read(4) else {
            return descriptorCutShort(index, at: start)
        }
        let firstWord = first.withUnsafeBytes { $0.le32(0) }
        let descriptorCRC: UInt32
        if firstWord == Signature.dataDescriptor && record.crc != Signature.dataDescriptor {
            guard let crc = try reader.read(4) else { return descriptorCutShort(index, at: start) }
            descriptorCRC = crc.withUnsafeBytes { $0.le32(0) }
        } else {
            descriptorCRC = firstWord
        }
        guard let sizes = try reader.read(2 * sizeWidth) else { return descriptorCutShort(index, at: start) }
        let (compressed, uncompressed): (UInt64, UInt64) = sizes.withUnsafeBytes {
            zip64 ? ($0.le64(0), $0.le64(8)) : (UInt64($0.le32(0)), UInt64($0.le32(4)))
        }
        if descriptorCRC != record.crc {
            states[index].fail(EntryFailure(.checksum, "data descriptor CRC-32 \(hex32(descriptorCRC)) differs from the central directory's \(hex32(record.crc))"))
        } else if compressed != record.compressedSize || uncompressed != record.uncompressedSize {
            states[index].failStructure(EntryFailure(.format, "data descriptor sizes \(compressed)/\(uncompressed) differ from the central directory's \(record.compressedSize)/\(record.uncompressedSize)"))
        }
    }

    private func descriptorCutShort(_ index: Int, at offset: UInt64) {
        states[index].fail(EntryFailure(.truncated, "data descriptor at \(offset) runs past the entry data (into the central directory at \(directoryStart))"))
    }

    // MARK: Results

    private func crcMismatch(_ computed: UInt32, _ record: CentralRecord) -> EntryFailure {
        .crcMismatch(computed, declared: record.crc)
    }

    /// The entries, with what the hashing queue computed settled in: digests,
    /// and the CRC-32 comparisons left pending during the pass.
    func entries(queueResults: [Hashing.EntryResult?]) -> [IndexedEntry] {
        func result(_ index: Int) -> Hashing.EntryResult? { index < queueResults.count ? queueResults[index] : nil }
        for index in states.indices where states[index].crcPending {
            let computed = result(index)?.crc
            if let computed, computed != states[index].record.crc {
                // The data's CRC-32 wins, as when it is computed during the pass:
                // an error already here can only be the data descriptor's, found
                // after the data (a pending CRC means nothing failed before).
                // Otherwise the verdict would depend on `parallelHashing`.
                states[index].error = crcMismatch(computed, states[index].record)
            } else if computed == nil, states[index].error == nil {
                states[index].error = EntryFailure(.checksum, "CRC-32 was not computed")
            }
        }
        return states.enumerated().map { index, state in
            let record = state.record
            var modified = record.modified
            if record.extras.modificationTime == nil, let local = state.localModificationTime {
                modified = Timestamps.iso8601(unixSeconds: local)
            }
            let digest = state.error == nil ? (state.sha256 ?? result(index)?.sha256) : nil
            return IndexedEntry(
                path: record.path, type: record.entryType, method: record.method,
                compressedBytes: record.compressedSize, bytes: record.uncompressedSize, crc32: record.crc,
                sha256: digest, modified: modified, mode: record.unixMode.map { $0 & 0o7777 },
                encrypted: record.isEncrypted, error: state.error)
        }
    }

    /// The first entry whose layout breaks the archive's structure, as an archive error.
    var structuralError: ArchiveFailure? {
        guard let index = states.firstIndex(where: { $0.breaksStructure }), let error = states[index].error else { return nil }
        let kind: ArchiveFailure.Kind = error.kind == .truncated ? .truncated : .format
        return ArchiveFailure(kind, "entry #\(index + 1) (\(states[index].record.path)): \(error.message)")
    }

    func findings(prependedBytes: UInt64) -> [Finding] {
        var findings: [Finding] = []
        if prependedBytes == 0, let first = states.compactMap(\.offset).min(), first > 0 {
            findings.append(Finding(kind: .prependedData, path: "", message: "\(first) bytes precede the first entry"))
        }
        for state in states { findings += state.findings }
        return findings
    }
}

private func methodName(_ code: UInt16) -> String {
    switch code {
    case 1: "shrink"
    case 6: "implode"
    case 9: "Deflate64"
    case 12: "bzip2"
    case 14: "LZMA"
    case 93: "Zstandard"
    case 95: "xz"
    case 96: "JPEG"
    case 97: "WavPack"
    case 98: "PPMd"
    case 99: "AES"
    default: "unknown"
    }
}
