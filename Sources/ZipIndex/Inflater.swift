import CZlib

/// Owns one zlib raw-inflate stream, reused across entries with `inflateReset`.
/// The `z_stream` lives on the heap because zlib keeps pointers into it.
final class Inflater {
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

    func reset() {
        inflateReset(stream)
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
    }

    var pendingInput: Int { Int(stream.pointee.avail_in) }

    func setInput(_ bytes: UnsafeRawBufferPointer) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = UInt32(bytes.count)
    }

    /// Inflates into `output`, returning zlib's status and the bytes written.
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
