#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a configuration file whole, turning every failure into a
/// `ConfigError` (exit status 2) with the system's reason.
enum ConfigFile {
    /// A pipeline.json is a few hundred bytes; anything this large is the
    /// wrong file, and is refused before it fills memory.
    static let maximumBytes = 64 << 20

    static func read(path: String) throws(ConfigError) -> [UInt8] {
        guard !path.isEmpty else { throw ConfigError(file: "\"\"", message: "cannot read: the file name is empty") }
        var descriptor: Int32
        repeat {
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
        } while descriptor < 0 && errno == EINTR
        guard descriptor >= 0 else { throw failure(path, errno) }
        defer { close(descriptor) }

        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure(path, errno) }
        // Linux opens a directory for reading without complaint; say what it is.
        guard (info.st_mode & S_IFMT) != S_IFDIR else {
            throw ConfigError(file: path, message: "cannot read: it is a directory, not a file")
        }

        // Read to the end rather than trusting st_size, so pipes and
        // process substitution (`--config <(…)`) work too.
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                #if canImport(Glibc)
                Glibc.read(descriptor, buffer.baseAddress, buffer.count)
                #else
                Darwin.read(descriptor, buffer.baseAddress, buffer.count)
                #endif
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(path, errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
            guard bytes.count <= maximumBytes else {
                throw ConfigError(file: path, message: "cannot read: larger than \(maximumBytes >> 20) MiB, which is no pipeline.json")
            }
        }
    }

    private static func failure(_ path: String, _ code: Int32) -> ConfigError {
        ConfigError(file: path, message: "cannot read: \(String(cString: strerror(code)))")
    }
}
