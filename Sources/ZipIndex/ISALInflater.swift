#if ISAL
import CISAL
import CZlib

/// Intel ISA-L's streaming `isal_inflate` behind `RawInflater`, with zlib's
/// statuses: finished and flushed is `Z_STREAM_END`, no progress possible is
/// `Z_BUF_ERROR`, any ISA-L error `Z_DATA_ERROR` (the caller has zlib word it).
final class ISALInflater: RawInflater {
    private let state: UnsafeMutablePointer<inflate_state>
    private var lastError: Int32 = 0

    init() {
        state = .allocate(capacity: 1)
        isal_inflate_init(state)
    }

    deinit { state.deallocate() }

    var isZlib: Bool { false }

    func reset() {
        isal_inflate_reset(state)
        state.pointee.crc_flag = UInt32(ISAL_DEFLATE)
        state.pointee.next_in = nil
        state.pointee.avail_in = 0
        lastError = 0
    }

    var pendingInput: Int { Int(state.pointee.avail_in) }

    /// Whole bytes ISA-L pulled into its bit buffer past the end count too.
    var inputAfterStreamEnd: Int {
        Int(state.pointee.avail_in) + Int(max(state.pointee.read_in_length, 0) / 8)
    }

    func setInput(_ bytes: UnsafeRawBufferPointer) {
        state.pointee.next_in = UnsafeMutablePointer(mutating: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self))
        state.pointee.avail_in = UInt32(bytes.count)
    }

    func inflate(into output: UnsafeMutableRawBufferPointer) -> (status: Int32, written: Int) {
        state.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        state.pointee.avail_out = UInt32(output.count)
        let availableBefore = state.pointee.avail_in
        let result = isal_inflate(state)
        let written = output.count - Int(state.pointee.avail_out)
        if result != ISAL_DECOMP_OK {
            lastError = result
            return (Z_DATA_ERROR, written)
        }
        if state.pointee.block_state == ISAL_BLOCK_FINISH { return (Z_STREAM_END, written) }
        if written == 0, state.pointee.avail_in == availableBefore, state.pointee.avail_in == 0 {
            return (Z_BUF_ERROR, 0)
        }
        return (Z_OK, written)
    }

    var lastMessage: String? { lastError == 0 ? nil : "isa-l error \(lastError)" }
}
#endif
