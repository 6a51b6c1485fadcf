import CZlib
import Crypto

/// What the streaming scan learnt about one entry from its local header and
/// its data, decoded as the bytes arrived.
struct StreamedEntry: Sendable {
    var dataStart: UInt64
    var methodCode: UInt16
    /// The local header's sizes, which bounded the decoding; `nil` when a data
    /// descriptor follows the data (sizes unknown until the central directory).
    var inputLimit: UInt64?
    var outputLimit: UInt64?
    /// Compressed bytes up to the verdict (for an unbounded entry: to the end
    /// of the deflate stream).
    var consumed: UInt64 = 0
    var produced: UInt64 = 0
    var crc: UInt32 = 0
    var sha256: String?
    /// The inflate verdict under the bounds above, worded as the two-pass reader words it.
    var inflateFailure: EntryFailure?
}

/// Everything the streaming scan settled, for `IndexRun` to reuse.
package struct StreamedScan: Sendable {
    /// Bytes scanned: the scan applies only to a file of exactly this size.
    package var bytes: UInt64
    package var archiveSHA256: String?
    /// By local header offset.
    var entries: [UInt64: StreamedEntry]

    package var settledEntries: Int { entries.count }
}

/// Decodes a ZIP archive front to back as its bytes arrive, guided only by
/// the local headers (APPNOTE 4.3.7): each entry's inflate, CRC-32, size and
/// SHA-256, with the same bounds and verdicts as the two-pass reader where the
/// local header gives the sizes. It settles what it can and stops quietly
/// where a stream cannot be followed (a broken header, prepended data, a
/// stored entry whose data descriptor has no signature); `EntryPass` then
/// reads those entries from the file. It never decides anything about the
/// archive itself: the central directory, read afterwards, does.
final class StreamScanner {
    private enum Phase {
        case header
        case data
        /// Stored data that a data descriptor ends (`StoredDataEnd`).
        case storedData
        case skip(UInt64)
        case descriptor
        case stopped
    }

    private let options: IndexOptions
    private let inflater: any RawInflater
    private let output: UnsafeMutableRawBufferPointer
    private var phase = Phase.header
    /// Stream offset of the next byte.
    private(set) var position: UInt64 = 0
    /// Header or descriptor bytes collected so far; in stored data, the bytes
    /// from a descriptor candidate on, not yet known to be data or not.
    private var held: [UInt8] = []
    private var heldStart: UInt64 = 0
    private var headerOffset: UInt64 = 0
    private var current = StreamedEntry(dataStart: 0, methodCode: 0)
    private var fed: UInt64 = 0
    private var hasher: SHA256?
    private var localZip64 = false
    private(set) var entries: [UInt64: StreamedEntry] = [:]
    /// When set, the bytes an index needs besides entry data are kept here
    /// (local headers, descriptors, everything from the central directory on).
    private let retained: RetainedBytes?
    /// The entry area is over: every further byte is kept.
    private var keepingTail = false
    /// Stored names of entries whose decoded bytes are kept (`captured`).
    private let captureNames: Set<[UInt8]>
    private var capturing: (name: [UInt8], bytes: [UInt8])?
    private var capturedSeen: Set<[UInt8]> = []
    private var capturedTwice: Set<[UInt8]> = []
    private var capturedBytes: [[UInt8]: [UInt8]] = [:]
    /// Most decoded bytes kept for one captured entry.
    private static let captureLimit = 16 << 20

    /// Output is decoded into a buffer of this size (as `DataSink` does).
    private static let outputSize = 256 << 10
    /// Descriptor (signature, CRC, two 8-byte sizes) plus the next signature.
    private static let descriptorWindow = 28

    init(options: IndexOptions, retaining retained: RetainedBytes? = nil,
         capturing captureNames: Set<[UInt8]> = []) throws(ArchiveFailure) {
        self.options = options
        self.retained = retained
        self.captureNames = captureNames
        inflater = try makeInflater()
        output = .allocate(byteCount: Self.outputSize, alignment: 64)
    }

    deinit { output.deallocate() }

    /// Takes the next bytes of the archive, in order.
    func consume(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        while !rest.isEmpty {
            switch phase {
            case .stopped:
                if keepingTail { retained?.keep(rest, at: position) }
                position += UInt64(rest.count)
                return
            case .header:
                rest = takeHeader(rest)
            case .data:
                rest = takeData(rest)
            case .storedData:
                rest = takeStoredData(rest)
            case .skip(let remaining):
                let count = Int(min(remaining, UInt64(rest.count)))
                position += UInt64(count)
                rest = UnsafeRawBufferPointer(rebasing: rest[count...])
                phase = UInt64(count) == remaining ? .header : .skip(remaining - UInt64(count))
            case .descriptor:
                rest = takeDescriptor(rest)
            }
        }
    }

    // MARK: Local headers

    private func takeHeader(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        if held.isEmpty { heldStart = position }
        let needed = held.count >= 30 ? headerLength : 30
        let count = min(needed - held.count, bytes.count)
        held.append(contentsOf: bytes[0 ..< count])
        position += UInt64(count)
        let rest = UnsafeRawBufferPointer(rebasing: bytes[count...])
        if held.count >= 4, held.withUnsafeBytes({ $0.le32(0) }) != Signature.localFileHeader {
            // The central directory (or anything else): the entry area is over.
            retained?.keep(held, at: heldStart)
            keepingTail = true
            stop(endOfEntries: true)
        } else if held.count >= 30, held.count == headerLength {
            beginEntry()
        }
        return rest
    }

    /// The whole local header's length, once its fixed part is held.
    private var headerLength: Int {
        held.withUnsafeBytes { 30 + Int($0.le16(26)) + Int($0.le16(28)) }
    }

    private func beginEntry() {
        let header = held
        held.removeAll(keepingCapacity: true)
        headerOffset = heldStart
        retained?.keep(header, at: heldStart)
        let parsed: (flags: UInt16, method: UInt16, compressed: UInt64, uncompressed: UInt64, zip64: Bool)? = header.withUnsafeBytes { raw in
            let flags = raw.le16(6), method = raw.le16(8)
            let compressed32 = raw.le32(18), uncompressed32 = raw.le32(22)
            let nameLength = Int(raw.le16(26))
            guard let extras = try? ExtraFields.parse(
                UnsafeRawBufferPointer(rebasing: raw[(30 + nameLength)...]),
                rawName: UnsafeRawBufferPointer(rebasing: raw[30 ..< 30 + nameLength]),
                needUncompressed: uncompressed32 == 0xFFFF_FFFF, needCompressed: compressed32 == 0xFFFF_FFFF,
                needOffset: false) else { return nil }
            let compressed = compressed32 == 0xFFFF_FFFF ? extras.zip64Compressed ?? UInt64(compressed32) : UInt64(compressed32)
            let uncompressed = uncompressed32 == 0xFFFF_FFFF ? extras.zip64Uncompressed ?? UInt64(uncompressed32) : UInt64(uncompressed32)
            return (flags, method, compressed, uncompressed, extras.hasZip64Field)
        }
        guard let parsed else { return stop() }
        localZip64 = parsed.zip64
        capturing = nil
        if !captureNames.isEmpty {
            let nameLength = header.withUnsafeBytes { Int($0.le16(26)) }
            let name = Array(header[30 ..< 30 + nameLength])
            if captureNames.contains(name) {
                // A name stored twice is ambiguous: which one the central directory means is not known here.
                if !capturedSeen.insert(name).inserted { capturedTwice.insert(name) }
                capturing = (name, [])
            }
        }
        let encrypted = parsed.flags & 0x0001 != 0
        let decodable = !encrypted && (parsed.method == 0 || parsed.method == 8)
        current = StreamedEntry(dataStart: position, methodCode: parsed.method)
        fed = 0

        if parsed.flags & 0x0008 != 0 {
            // Sizes come after the data: a deflate stream shows where it ends,
            // stored data only the descriptor after it.
            guard decodable else { return stop() }
        } else {
            current.inputLimit = parsed.compressed
            current.outputLimit = parsed.uncompressed
            let ratio = Double(parsed.uncompressed) / Double(max(parsed.compressed, 1))
            let refused = parsed.method == 8 && parsed.uncompressed > 0 && ratio > options.maxCompressionRatio
            guard decodable, !refused, parsed.uncompressed <= options.maxUncompressedBytes else {
                // The reader does not decode it either; pass over its data.
                phase = parsed.compressed == 0 ? .header : .skip(parsed.compressed)
                return
            }
        }
        hasher = options.sha256 ? SHA256() : nil
        if parsed.method == 0, current.inputLimit == nil {
            held.removeAll(keepingCapacity: true)
            phase = .storedData
            return
        }
        inflater.reset()
        phase = .data
        if current.inputLimit == 0 {
            if parsed.method == 0 { return settle(nil) }
            // An empty deflate entry: the reader still runs inflate once.
            runInflate(endOfInput: true)
        }
    }

    // MARK: Entry data

    private func takeData(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var count = bytes.count
        if let limit = current.inputLimit { count = Int(min(UInt64(count), limit - fed)) }
        let chunk = UnsafeRawBufferPointer(rebasing: bytes[0 ..< count])
        fed += UInt64(count)
        position += UInt64(count)
        if current.methodCode == 0 {
            take(chunk)
            current.consumed = fed
            if fed == current.inputLimit { settle(nil) }
            return UnsafeRawBufferPointer(rebasing: bytes[count...])
        }
        inflater.setInput(chunk)
        let endOfInput = current.inputLimit.map { fed == $0 } ?? false
        let unused = runInflate(endOfInput: endOfInput)
        // Bytes after an unbounded stream's end belong to its data descriptor.
        let returned = unused
        position -= UInt64(returned)
        fed -= UInt64(returned)
        return UnsafeRawBufferPointer(rebasing: bytes[(count - returned)...])
    }

    /// Inflates what was given, mirroring `EntryPass.inflate` call for call
    /// in its checks, so a bounded entry ends with the reader's own verdict.
    /// - Returns: input bytes handed back (those after an unbounded stream's end).
    @discardableResult
    private func runInflate(endOfInput: Bool) -> Int {
        let bounded = current.inputLimit != nil
        while true {
            let (status, written) = inflater.inflate(into: output)
            take(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(output)[0 ..< written]))
            if let limit = current.outputLimit, current.produced > limit {
                settle(.inflatesPastDeclared(limit))
                return 0
            }
            if !bounded, current.produced > unboundedOutputCap {
                // A bomb behind a data descriptor: leave it to the central directory's limits.
                stop()
                return 0
            }
            let pending = status == Z_STREAM_END ? inflater.inputAfterStreamEnd : inflater.pendingInput
            switch status {
            case Z_STREAM_END:
                if let limit = current.inputLimit {
                    let leftover = UInt64(pending) + (limit - fed)
                    current.consumed = fed - UInt64(pending)
                    settle(leftover > 0 ? .bytesAfterStreamEnd(leftover) : nil)
                    return 0
                }
                current.consumed = fed - UInt64(pending)
                settle(nil)
                held.removeAll(keepingCapacity: true)
                phase = .descriptor
                return pending
            case Z_OK, Z_BUF_ERROR:
                if pending > 0 || written == output.count { continue }
                if !endOfInput { return 0 }
                if status == Z_BUF_ERROR {
                    current.consumed = fed
                    settle(.streamCutShort)
                    return 0
                }
            default:
                // Another engine's errors are worded by zlib: the reader decodes it again.
                guard bounded, inflater.isZlib else {
                    stop()
                    return 0
                }
                current.consumed = fed - UInt64(pending)
                settle(.corruptStream(inflater.lastMessage, status: status))
                return 0
            }
        }
    }

    private var unboundedOutputCap: UInt64 {
        let byRatio = options.maxCompressionRatio * Double(max(fed, 1)) + Double(1 << 20)
        return min(options.maxUncompressedBytes, byRatio >= Double(UInt64.max) ? .max : UInt64(byRatio))
    }

    private func take(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        current.crc = crc32(current.crc, bytes)
        current.produced += UInt64(bytes.count)
        hasher?.update(bufferPointer: bytes)
        if capturing != nil {
            if current.produced > UInt64(Self.captureLimit) {
                capturing = nil
            } else {
                capturing?.bytes.append(contentsOf: bytes)
            }
        }
    }

    /// Decoded bytes of the entries asked for by name, for names stored once
    /// whose entries decoded cleanly.
    var captured: [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for (name, bytes) in capturedBytes where !capturedTwice.contains(name) {
            result[String(decoding: name, as: UTF8.self)] = bytes
        }
        return result
    }

    /// Records the entry's verdict; a bounded entry's remaining data is passed over.
    private func settle(_ failure: EntryFailure?) {
        current.inflateFailure = failure
        if failure == nil, let hasher { current.sha256 = hexDigest(hasher.finalize()) }
        hasher = nil
        if let capture = capturing, failure == nil {
            capturedBytes[capture.name] = capture.bytes
        }
        capturing = nil
        entries[headerOffset] = current
        if let limit = current.inputLimit {
            let remaining = limit - fed
            phase = remaining == 0 ? .header : .skip(remaining)
        }
    }

    // MARK: Data descriptors

    /// Finds where the descriptor after an unbounded entry ends: the layout
    /// (optional signature; 4- or 8-byte sizes) whose compressed size matches
    /// the stream and after which a known record signature follows.
    private func takeDescriptor(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        if held.isEmpty { heldStart = position }
        let count = min(Self.descriptorWindow - held.count, bytes.count)
        held.append(contentsOf: bytes[0 ..< count])
        position += UInt64(count)
        let rest = UnsafeRawBufferPointer(rebasing: bytes[count...])
        guard held.count == Self.descriptorWindow else { return rest }
        let window = held
        held.removeAll(keepingCapacity: true)
        retained?.keep(window, at: heldStart)
        guard let length = descriptorLength(window) else {
            stop()
            return rest
        }
        // The bytes after the descriptor start the next record: scan them again.
        position = heldStart + UInt64(length)
        phase = .header
        window[length...].withUnsafeBytes { consume($0) }
        return rest
    }

    private func descriptorLength(_ window: [UInt8]) -> Int? {
        window.withUnsafeBytes { raw -> Int? in
            let signed = raw.le32(0) == Signature.dataDescriptor
            let widths = localZip64 ? [8, 4] : [4, 8]
            for prefix in signed ? [4, 0] : [0] {
                for width in widths {
                    let length = prefix + 4 + 2 * width
                    let compressed = width == 8 ? raw.le64(prefix + 4) : UInt64(raw.le32(prefix + 4))
                    let expected = width == 8 ? current.consumed : current.consumed & 0xFFFF_FFFF
                    guard compressed == expected else { continue }
                    if Self.recordSignatures.contains(raw.le32(length)) { return length }
                }
            }
            return nil
        }
    }

    static let recordSignatures: Set<UInt32> = [
        Signature.localFileHeader, Signature.centralFileHeader, Signature.endOfCentralDirectory,
        Signature.zip64EndOfCentralDirectory, Signature.archiveExtraData, 0x0505_4b50,
    ]

    // MARK: Stored data ended by a data descriptor

    /// Takes stored data up to its data descriptor (`StoredDataEnd`), holding
    /// back a candidate until its whole window has arrived. Bytes count as
    /// data (CRC-32, size, SHA-256) only once no descriptor can start at them,
    /// so each candidate is judged against exactly the data before it.
    ///
    /// A descriptor without its optional signature cannot be told from data
    /// this way (it would take a CRC-32 at every byte): such an entry is never
    /// settled. The scan reads on as its data until the stream ends or the
    /// data exceeds `maxUncompressedBytes`, and the reader reads it, and the
    /// entries after it, from the file.
    private func takeStoredData(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        if !held.isEmpty { return completeHeldCandidate(bytes) }
        var offset = 0
        while let candidate = StoredDataEnd.nextCandidate(in: bytes, from: offset) {
            takeStored(UnsafeRawBufferPointer(rebasing: bytes[offset ..< candidate]))
            guard case .storedData = phase else { return UnsafeRawBufferPointer(rebasing: bytes[candidate...]) }
            let window = UnsafeRawBufferPointer(rebasing: bytes[candidate...])
            if window.count < StoredDataEnd.window {
                // The piece ends inside the window: wait for the next one.
                heldStart = position
                held.append(contentsOf: window)
                position += UInt64(window.count)
                return UnsafeRawBufferPointer(rebasing: bytes[bytes.count...])
            }
            if let length = storedDescriptorLength(window) {
                endStoredData(descriptor: UnsafeRawBufferPointer(rebasing: window[0 ..< length]))
                return UnsafeRawBufferPointer(rebasing: window[length...])
            }
            // Not the descriptor: its first byte is data; look again after it.
            takeStored(UnsafeRawBufferPointer(rebasing: window[0 ..< 1]))
            guard case .storedData = phase else { return UnsafeRawBufferPointer(rebasing: window[1...]) }
            offset = candidate + 1
        }
        takeStored(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
        return UnsafeRawBufferPointer(rebasing: bytes[bytes.count...])
    }

    /// Fills the held candidate's window from the next piece and judges it
    /// once whole, or as soon as it no longer starts with the signature. The
    /// held bytes after the verdict (the next record's first bytes, or data
    /// after the rejected candidate's first byte) are scanned again.
    private func completeHeldCandidate(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let count = min(StoredDataEnd.window - held.count, bytes.count)
        held.append(contentsOf: bytes[0 ..< count])
        position += UInt64(count)
        let rest = UnsafeRawBufferPointer(rebasing: bytes[count...])
        let undecided = held.count < StoredDataEnd.window && held.withUnsafeBytes { StoredDataEnd.startsLikeSignature($0) }
        if undecided { return rest }
        let window = held
        held.removeAll(keepingCapacity: true)
        window.withUnsafeBytes { raw in
            if let length = storedDescriptorLength(raw) {
                position = heldStart
                endStoredData(descriptor: UnsafeRawBufferPointer(rebasing: raw[0 ..< length]))
                consume(UnsafeRawBufferPointer(rebasing: raw[length...]))
            } else {
                // Fewer bytes than a window remain: this finds at most one
                // candidate and holds it again, so the recursion ends here.
                // (A short window is judged only when it is not a descriptor.)
                position = heldStart
                takeStored(UnsafeRawBufferPointer(rebasing: raw[0 ..< 1]))
                consume(UnsafeRawBufferPointer(rebasing: raw[1...]))
            }
        }
        return rest
    }

    private func storedDescriptorLength(_ window: UnsafeRawBufferPointer) -> Int? {
        StoredDataEnd.descriptorLength(window, crc: current.crc, size: fed, zip64: localZip64)
    }

    /// Bytes known to be the entry's data. Stops when the data outgrows
    /// `maxUncompressedBytes`: the reader enforces that limit on the central
    /// directory's sizes, and the scan must not decode more than it would.
    private func takeStored(_ bytes: UnsafeRawBufferPointer) {
        take(bytes)
        fed += UInt64(bytes.count)
        position += UInt64(bytes.count)
        if fed > options.maxUncompressedBytes { stop() }
    }

    /// Settles the entry at the descriptor starting at `position`, which is
    /// kept for the index (`EntryPass` checks it); the next record starts after it.
    private func endStoredData(descriptor: UnsafeRawBufferPointer) {
        current.consumed = fed
        settle(nil)
        retained?.keep(descriptor, at: position)
        position += UInt64(descriptor.count)
        held.removeAll(keepingCapacity: true)
        phase = .header
    }

    /// - Parameter endOfEntries: the central directory (or whatever follows
    ///   the entries) begins; otherwise the scan gives up on the rest, and an
    ///   index from kept bytes alone is no longer possible.
    private func stop(endOfEntries: Bool = false) {
        if !endOfEntries { retained?.abandon() }
        capturing = nil
        held.removeAll()
        hasher = nil
        phase = .stopped
    }
}

extension StreamedScan {
    /// Scans an archive handed over in pieces, in order, as `ArchiveFollower`
    /// does with a growing file (tests and tools).
    package static func scanning(_ pieces: some Sequence<[UInt8]>, options: IndexOptions) -> StreamedScan? {
        guard let scanner = try? StreamScanner(options: options) else { return nil }
        var hasher = options.sha256 ? SHA256() : nil
        for piece in pieces {
            piece.withUnsafeBytes { bytes in
                hasher?.update(bufferPointer: bytes)
                scanner.consume(bytes)
            }
        }
        return StreamedScan(bytes: scanner.position, archiveSHA256: hasher.map { hexDigest($0.finalize()) },
                            entries: scanner.entries)
    }
}
