import Dispatch
import ZipIndex

/// libFuzzer target: the listing indexer (`ListingIndexer`) over arbitrary
/// bytes, fetched by range as from S3, so the range cache and the re-fetch loop
/// are exercised too. The fetch returns exactly the bytes asked for.
@_cdecl("LLVMFuzzerTestOneInput")
func zipListingOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    let (index, requested) = runSynchronously { () async -> (ArchiveIndex, UInt64) in
        var requested: UInt64 = 0
        let index = await ListingIndexer.index(path: "fuzz.zip", size: UInt64(bytes.count)) { (range: Range<UInt64>) async -> [UInt8] in
            precondition(range.upperBound <= UInt64(bytes.count),
                         "the listing asked for bytes \(range) of a \(bytes.count)-byte archive")
            requested += UInt64(range.count)
            return Array(bytes[Int(range.lowerBound) ..< Int(range.upperBound)])
        }
        return (index, requested)
    }
    precondition(index.bytesRead == requested, "bytesRead counts every fetched byte")
    precondition(index.mode == .listing)
    for entry in index.entries {
        precondition(!entry.verified && entry.sha256 == nil, "a listing verifies nothing")
    }
    return 0
}

/// Runs `body` to completion and waits for it on this (non-async) thread; the
/// fetch above answers at once, so the task never waits on anything outside.
func runSynchronously<T>(_ body: @escaping @Sendable () async -> T) -> T {
    let slot = ResultSlot<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        slot.value = await body()
        done.signal()
    }
    done.wait()
    return slot.value!
}

/// Written by the task before it signals, read after the wait: the semaphore orders them.
final class ResultSlot<T>: @unchecked Sendable {
    var value: T?
}
