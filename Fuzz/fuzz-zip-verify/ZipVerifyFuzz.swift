import ZipIndex

/// libFuzzer target: the full verifier (`ZipIndexer`) over arbitrary bytes,
/// read through the same `ArchiveSource` path as a file. Every input must come
/// back classified; a trap, an ASan report, a leak or a hang is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
func zipVerifyOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    var options = IndexOptions()
    // One thread: libFuzzer measures one execution at a time, and a second
    // hashing thread only adds scheduling noise to its timings.
    options.parallelHashing = false
    let index = ZipIndexer.index(bytes: bytes, options: options)
    // Cheap invariants that hold for any input.
    precondition(index.bytes == UInt64(size), "the index must report the archive's size")
    precondition(index.sha256 == nil || index.sha256?.utf8.count == 64, "a digest is 64 hex digits")
    for entry in index.entries {
        precondition(entry.crc32String.utf8.count == 8)
        _ = entry.modeString
    }
    return 0
}
