#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard output and error through the file descriptors, unbuffered: each
/// call is written whole, so error lines never interleave mid-line.
package enum Console {
    package static func out(_ text: String) { write(text, to: 1) }

    package static func out(bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0, to: 1) }
    }

    /// One line on standard error; control characters inside it (from archive
    /// entry names, service messages) are shown escaped, so it stays one line.
    package static func error(_ line: String) {
        let body = line.hasSuffix("\n") ? String(line.dropLast()) : line
        write(body.withVisibleControls + "\n", to: 2)
    }

    /// Text for standard error as it is (a progress line rewritten with `\r`).
    package static func errorRaw(_ text: String) {
        write(text, to: 2)
    }

    private static func write(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0), to: descriptor) }
    }

    private static func write(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) {
        guard let base = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(descriptor, base + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            done += n
        }
    }
}
