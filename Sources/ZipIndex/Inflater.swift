import CZlib

/// A raw-deflate decoder (APPNOTE 4.4.5, method 8), streaming, reused across
/// entries. Statuses are zlib's (`Z_OK`, `Z_STREAM_END`, `Z_BUF_ERROR`, or an
/// error), whatever the engine, so the callers' checks are written once.
protocol RawInflater: AnyObject {
    /// zlib's verdicts are the reference: an engine that is not zlib has its
    /// errors decoded again by zlib for the manifest's wording (`EntryPass`).
    var isZlib: Bool { get }
    func reset()
    /// Input bytes given and not yet consumed: more is given only at zero.
    var pendingInput: Int { get }
    /// After `Z_STREAM_END`: the input bytes given that lie after the stream's
    /// end (an engine reading ahead into a bit buffer counts those too).
    var inputAfterStreamEnd: Int { get }
    func setInput(_ bytes: UnsafeRawBufferPointer)
    /// Inflates into `output`, returning the status and the bytes written.
    func inflate(into output: UnsafeMutableRawBufferPointer) -> (status: Int32, written: Int)
    var lastMessage: String? { get }
}

/// The inflater the reader uses: zlib, or Intel ISA-L when the package is
/// built with the `ISAL` trait and `EC_INFLATER` is not `zlib`.
func makeInflater() throws(ArchiveFailure) -> any RawInflater {
    #if ISAL
    if preferredEngine != "zlib" { return ISALInflater() }
    #endif
    return try Inflater()
}

#if ISAL
import Glibc
private let preferredEngine: String = getenv("EC_INFLATER").map { String(cString: $0) } ?? "isal"
#endif

/// Owns one zlib raw-inflate stream, reused across entries with `inflateReset`.
/// The `z_stream` lives on the heap because zlib keeps pointers into it.
final class Inflater: RawInflater {
    let stream: UnsafeMutablePointer<z_stream>

    init() throws(ArchiveFailure) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // Negative window bits: raw deflate, no zlib header (APPNOTE 4.4.5, method 8).
        let status = ec_inflateInit2(stream, -15)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw ArchiveFailure(.io, "zlib inflateInit2 failed with code \(status)")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    var isZlib: Bool { true }

    func reset() {
        inflateReset(stream)
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
    }

    var pendingInput: Int { Int(stream.pointee.avail_in) }

    var inputAfterStreamEnd: Int { pendingInput }

    func setInput(_ bytes: UnsafeRawBufferPointer) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(bytes.count)
    }

    func inflate(into output: UnsafeMutableRawBufferPointer) -> (status: Int32, written: Int) {
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = UInt32(output.count)
        let status = CZlib.inflate(stream, Z_NO_FLUSH)
        return (status, output.count - Int(stream.pointee.avail_out))
    }

    var lastMessage: String? {
        stream.pointee.msg.map { String(cString: $0) }
    }
}
