// zipfoundation-bench FILE...
// Opens each archive with ZIPFoundation and extracts every entry into a
// consumer closure that only counts bytes, with CRC-32 computed
// (skipCRC32: false). ZIPFoundation's extract(_:consumer:) returns the CRC it
// computed but does not compare it, so we compare it with the central
// directory's value and exit 1 on any mismatch or error.
import Foundation
import ZIPFoundation

let paths = CommandLine.arguments.dropFirst()
if paths.isEmpty {
    FileHandle.standardError.write(Data("usage: zipfoundation-bench FILE...\n".utf8))
    exit(2)
}

var failed = false
for path in paths {
    do {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        var entries = 0
        var bytes: UInt64 = 0
        for entry in archive {
            var entryBytes = 0
            let crc = try archive.extract(entry, skipCRC32: false) { data in
                entryBytes += data.count
            }
            if entry.type == .file && crc != entry.checksum {
                FileHandle.standardError.write(Data(
                    "zipfoundation-bench: \(path): \(entry.path): CRC \(String(crc, radix: 16)) != \(String(entry.checksum, radix: 16))\n".utf8))
                failed = true
            }
            if entry.type == .file && UInt64(entryBytes) != entry.uncompressedSize {
                FileHandle.standardError.write(Data(
                    "zipfoundation-bench: \(path): \(entry.path): size \(entryBytes) != \(entry.uncompressedSize)\n".utf8))
                failed = true
            }
            entries += 1
            bytes += UInt64(entryBytes)
        }
        if ProcessInfo.processInfo.environment["ZFB_VERBOSE"] != nil {
            print("\(path): \(entries) entries, \(bytes) bytes")
        }
    } catch {
        FileHandle.standardError.write(Data("zipfoundation-bench: \(path): \(error)\n".utf8))
        failed = true
    }
}
exit(failed ? 1 : 0)
