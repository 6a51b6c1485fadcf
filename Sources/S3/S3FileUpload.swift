import Foundation
import HTTPTransport

#if canImport(Glibc)
import Glibc
#endif

/// How files are uploaded: one PutObject up to a threshold, multipart above it.
package struct UploadSettings: Sendable, Equatable {
    /// S3's smallest part (every part but the last).
    package static let minimumPartBytes: UInt64 = 5 << 20
    /// S3's largest single PUT and largest part.
    package static let maximumSingleBytes: UInt64 = 5 << 30
    /// S3's most parts per upload.
    package static let maximumParts: UInt64 = 10_000

    /// Objects larger than this go up in parts (5 MiB … 5 GiB). It also
    /// bounds memory: a body goes to libcurl from memory, so each upload
    /// holds at most one part (about twice, with libcurl's copy).
    package var multipartThresholdBytes: UInt64 = 16 << 20
    package var signing: PayloadSigning = .signed

    package init(multipartThresholdBytes: UInt64 = 16 << 20, signing: PayloadSigning = .signed) {
        self.multipartThresholdBytes = min(max(multipartThresholdBytes, Self.minimumPartBytes), Self.maximumSingleBytes)
        self.signing = signing
    }

    /// The part size for an object of `size` bytes: the threshold, grown
    /// (to whole MiB) when 10,000 parts of it would not hold the object.
    package func partBytes(for size: UInt64) -> UInt64 {
        let needed = (size + Self.maximumParts - 1) / Self.maximumParts
        let rounded = (needed + (1 << 20) - 1) / (1 << 20) * (1 << 20)
        return max(multipartThresholdBytes, rounded)
    }
}

/// What an upload did.
package struct UploadReport: Sendable, Equatable {
    package var bytes: UInt64
    package var etag: String?
    /// 0 for a single PutObject.
    package var parts: Int
}

extension S3Client {
    /// Uploads the file at `path` to `uri`: one PutObject up to the
    /// threshold, else a multipart upload that is aborted when any step
    /// fails (or the task is cancelled), so no orphan parts stay behind.
    package func uploadFile(_ path: String, to uri: S3URI, contentType: String? = nil, settings: UploadSettings,
                            retry: @escaping RetryDecision) async throws(S3Error) -> UploadReport {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw S3Error(.io, "cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw S3Error(.io, "cannot read \(path): \(String(cString: strerror(errno)))") }
        let size = UInt64(info.st_size)
        if size <= settings.multipartThresholdBytes {
            let body = try Self.read(descriptor, path: path, offset: 0, count: Int(size))
            let etag = try await putObject(uri, body: body, contentType: contentType, signing: settings.signing, retry: retry)
            return UploadReport(bytes: size, etag: etag, parts: 0)
        }
        let uploadID = try await createMultipartUpload(uri, contentType: contentType, retry: retry)
        do throws(S3Error) {
            let partBytes = settings.partBytes(for: size)
            var parts: [(number: Int, etag: String)] = []
            var offset: UInt64 = 0
            while offset < size {
                if Task.isCancelled { throw S3Error(.transport, "upload of \(uri) cancelled") }
                let count = Int(min(partBytes, size - offset))
                let body = try Self.read(descriptor, path: path, offset: offset, count: count)
                let etag = try await uploadPart(uri, uploadID: uploadID, number: parts.count + 1, body: body,
                                                signing: settings.signing, retry: retry)
                parts.append((parts.count + 1, etag))
                offset += UInt64(count)
            }
            let etag = try await completeMultipartUpload(uri, uploadID: uploadID, parts: parts, retry: retry)
            return UploadReport(bytes: size, etag: etag, parts: parts.count)
        } catch {
            // Aborted even when this task was cancelled: the abort runs in a
            // task of its own, with its own retries.
            let abort = Task { () async -> S3Error? in
                do throws(S3Error) {
                    try await self.abortMultipartUpload(uri, uploadID: uploadID, retry: retry)
                    return nil
                } catch {
                    return error
                }
            }
            if let abortError = await abort.value {
                throw S3Error(error.kind, "\(error.message); the upload \(uploadID) could not be aborted either"
                    + " (its parts stay until a lifecycle rule removes them): \(abortError.message)", code: error.code)
            }
            throw error
        }
    }

    static func read(_ descriptor: Int32, path: String, offset: UInt64, count: Int) throws(S3Error) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return pread(descriptor, base + done, count - done, off_t(offset) + off_t(done))
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw S3Error(.io, "cannot read \(path): " + (n < 0 ? String(cString: strerror(errno)) : "the file shrank while it was uploaded"))
            }
            done += n
        }
        return bytes
    }
}
