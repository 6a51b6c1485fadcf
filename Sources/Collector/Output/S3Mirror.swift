import Foundation
import S3

#if canImport(Glibc)
import Glibc
#endif

/// Copies between a local output folder and an S3 output prefix: the same
/// relative paths (`sessions/X.json`, `archives/X.zip`, `files/X/...`) as keys
/// under the prefix.
struct S3Mirror: Sendable {
    let s3: S3Client
    let location: S3OutputLocation
    let settings: UploadSettings
    let retry: RetryDecision
    /// Transfers at once when pulling or pushing many small objects.
    var width = 8

    /// Every `sessions/<id>.json` under the prefix, downloaded into
    /// `sessionsFolder` (the incremental run's view of what is collected).
    /// - Returns: how many.
    func pullManifests(into sessionsFolder: String) async throws(S3Error) -> Int {
        var keys: [String] = []
        let prefix = location.prefix + "sessions/"
        for try await object in s3.objects(bucket: location.bucket, prefix: prefix, retry: retry) {
            let name = String(object.key.dropFirst(prefix.count))
            guard name.hasSuffix(".json"), SessionCollector.isSafeName(String(name.dropLast(5))) else { continue }
            keys.append(name)
        }
        try await forEach(keys) { name throws(S3Error) in
            let bytes = try await s3.getObjectBytes(location.uri("sessions/" + name), retry: retry)
            try Self.write(bytes, to: sessionsFolder + "/" + name)
        }
        return keys.count
    }

    /// Everything under the prefix whose relative path is safe to place
    /// locally, downloaded into `folder` (a `merge` input).
    /// - Returns: how many objects.
    func pullAll(into folder: String) async throws(S3Error) -> Int {
        var relatives: [String] = []
        for try await object in s3.objects(bucket: location.bucket, prefix: location.prefix, retry: retry) {
            let relative = String(object.key.dropFirst(location.prefix.count))
            guard Self.isSafeRelative(relative) else { continue }
            relatives.append(relative)
        }
        try await forEach(relatives) { relative throws(S3Error) in
            let path = folder + "/" + relative
            do {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            } catch {
                throw S3Error(.io, "cannot create the folder of \(path): \(error.localizedDescription)")
            }
            _ = try await s3.download(.object(location.uri(relative)), to: path, hashing: false, retry: retry)
        }
        return relatives.count
    }

    /// Uploads one local file as `relative`.
    @discardableResult
    func push(file path: String, as relative: String) async throws(S3Error) -> UploadReport {
        try await s3.uploadFile(path, to: location.uri(relative), contentType: Self.contentType(relative), settings: settings, retry: retry)
    }

    /// Uploads the regular files under `folder` as `relative/...` and
    /// deletes the objects under `relative/` that are not among them, so the
    /// prefix holds what the folder holds. Symbolic links are not uploaded:
    /// S3 has no links (the manifest still lists them).
    func push(tree folder: String, as relative: String) async throws(S3Error) {
        var files: [String] = []
        if let walker = FileManager.default.enumerator(atPath: folder) {
            for case let sub as String in walker {
                var info = stat()
                if lstat(folder + "/" + sub, &info) == 0, info.st_mode & S_IFMT == S_IFREG { files.append(sub) }
            }
        }
        try await forEach(files) { sub throws(S3Error) in
            try await push(file: folder + "/" + sub, as: relative + "/" + sub)
        }
        try await removeExtras(under: relative + "/", keeping: Set(files.map { relative + "/" + $0 }))
    }

    /// Deletes the objects under `relative` whose relative path is not in `keeping`.
    func removeExtras(under relative: String, keeping: Set<String>) async throws(S3Error) {
        var extras: [String] = []
        for try await object in s3.objects(bucket: location.bucket, prefix: location.prefix + relative, retry: retry) {
            let path = String(object.key.dropFirst(location.prefix.count))
            if !keeping.contains(path) { extras.append(path) }
        }
        try await forEach(extras) { path throws(S3Error) in
            try await s3.deleteObject(location.uri(path), retry: retry)
        }
    }

    func delete(_ relative: String) async throws(S3Error) {
        try await s3.deleteObject(location.uri(relative), retry: retry)
    }

    /// Runs `body` for every item, `width` at a time; the first error wins
    /// (the others still finish: no transfer is left half-done).
    func forEach(_ items: [String], _ body: @escaping @Sendable (String) async throws(S3Error) -> Void) async throws(S3Error) {
        let failure: S3Error? = await withTaskGroup(of: S3Error?.self) { group in
            var next = 0
            var first: S3Error?
            func start() {
                let item = items[next]
                next += 1
                group.addTask {
                    do throws(S3Error) {
                        try await body(item)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            while next < items.count, next < width { start() }
            for await result in group {
                if let result, first == nil { first = result }
                if first == nil, next < items.count { start() }
            }
            return first
        }
        if let failure { throw failure }
    }

    static func write(_ bytes: [UInt8], to path: String) throws(S3Error) {
        do throws(OutputError) {
            try OutputFolder.writeAtomically(bytes, to: path)
        } catch {
            throw S3Error(.io, error.message)
        }
    }

    /// A key below the prefix that can be a local relative path: no empty,
    /// `.` or `..` segment, no NUL, not a temp or lock file of a folder.
    static func isSafeRelative(_ relative: String) -> Bool {
        let segments = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !relative.isEmpty, !relative.utf8.contains(0),
              segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else { return false }
        return !relative.contains(".tmp-") && relative != OutputFolder.lockName && segments.first.map(String.init) != OutputFolder.workName
    }

    /// What a browser or the S3 console should make of the object.
    static func contentType(_ relative: String) -> String? {
        if relative.hasSuffix(".json") { return "application/json" }
        if relative.hasSuffix(".html") { return "text/html; charset=utf-8" }
        if relative.hasSuffix(".md") { return "text/markdown; charset=utf-8" }
        if relative.hasSuffix(".csv") { return "text/csv; charset=utf-8" }
        if relative.hasSuffix(".jsonl") { return "application/x-ndjson" }
        if relative.hasPrefix("archives/"), relative.hasSuffix(".zip") { return "application/zip" }
        return nil
    }
}
