import Locking

/// Collects a body in memory, refusing more than `limit` bytes.
package final class BufferSink: HTTPBodySink {
    private let storage = Lock<[UInt8]>([])
    private let limit: Int
    private let what: String

    /// - Parameter what: "METHOD url" without query, for the error message.
    package init(limit: Int, what: String = "response") {
        self.limit = limit
        self.what = what
    }

    package func receive(_ bytes: UnsafeRawBufferPointer) throws {
        try storage.withLock { (buffer: inout [UInt8]) throws(TransportError) in
            guard buffer.count + bytes.count <= limit else {
                throw tooLarge(buffer.count + bytes.count)
            }
            buffer.append(contentsOf: bytes)
        }
    }

    /// Everything received so far.
    package var bytes: [UInt8] { storage.withLock { $0 } }

    func tooLarge(_ count: Int) -> TransportError {
        TransportError(.tooLarge, "\(what): body of at least \(count) bytes exceeds the limit of \(limit) bytes")
    }
}
