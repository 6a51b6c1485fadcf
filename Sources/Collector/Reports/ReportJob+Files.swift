#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import OrderedJSON
import Synchronization

/// The few file operations `report` needs, in POSIX terms so each failure has
/// its errno text (`No such file or directory`, `Permission denied`).
extension ReportJob {
    struct FileError: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    static func requireDirectory(_ path: String) throws(ReportError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .read(path: path, reason: ReportFile.lastError()) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .read(path: path, reason: "not a folder") }
    }

    /// The `*.json` files of `sessions/`, sorted bytewise; dot-files (temp
    /// files of a writer at work) are left out.
    static func manifestNames(in folder: String) throws(ReportError) -> [String] {
        try requireDirectory(folder)
        guard let stream = opendir(folder) else { throw .read(path: folder, reason: ReportFile.lastError()) }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix("."), name.hasSuffix(".json"), name.count > 5 else { continue }
            names.append(name)
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    static func readFile(_ path: String) throws(FileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileError(description: "cannot open: \(ReportFile.lastError())") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FileError(description: "cannot read: \(ReportFile.lastError())") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw FileError(description: "not a regular file") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size) + 1)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileError(description: "cannot read: \(ReportFile.lastError())")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return bytes
    }

    /// Reads, parses, checks and renders one session manifest (on a worker
    /// thread); the parsed manifest is dropped before this returns.
    static func load(_ path: String, formats: Set<ReportFormat>, perSession: Int) -> Result<ReportStream.Rendered, FileError> {
        switch readManifest(path) {
        case .failure(let error): return .failure(error)
        case .success(let manifest):
            if let problem = problem(in: manifest) { return .failure(FileError(description: problem)) }
            return .success(ReportStream.render(manifest, formats: formats, perSession: perSession))
        }
    }

    static func readManifest(_ path: String) -> Result<JSONValue, FileError> {
        let bytes: [UInt8]
        do throws(FileError) {
            bytes = try readFile(path)
        } catch {
            return .failure(error)
        }
        do throws(JSONParseError) {
            return .success(try JSONParser.parse(bytes))
        } catch {
            return .failure(FileError(description: "not valid JSON: \(error)"))
        }
    }
}
