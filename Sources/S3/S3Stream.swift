import AWSCredentials
import Crypto
import HTTPTransport

/// Takes a download's body in memory instead of a `.part` file: the ZIP
/// verifier's single pass with nothing written to disk (`ArchiveStreamer`).
/// Called on the transport thread.
package protocol ObjectStreamConsumer: AnyObject, Sendable {
    /// Bytes taken since the last restart: a resumed transfer continues here.
    var receivedBytes: UInt64 { get }
    /// Takes all of the object's next bytes, in order, or none while it is
    /// behind: the transfer then pauses until the resume handler is called.
    func offer(_ bytes: UnsafeRawBufferPointer) -> Bool
    /// Installed by the transport before the first `offer`.
    func setResumeHandler(_ resume: @escaping @Sendable () -> Void)
    /// The object starts again from byte zero (replaced, or a range was ignored).
    func restarted()
}

/// The digests of the bytes a consumer has taken, handed from one attempt to
/// the next: a file can be re-read to hash it again, a stream cannot.
struct CarriedDigests {
    var md5: Insecure.MD5
    /// MD5 was computed from byte zero, so it can still be checked against the ETag.
    var md5FromStart: Bool
    var checksum: RunningChecksum?
    var expectedChecksum: String?
}

/// One object streamed to a consumer across attempts (and calls of
/// `S3Client.stream`, when the caller renews a presigned URL between them).
package final class ObjectStream: @unchecked Sendable {
    let consumer: any ObjectStreamConsumer
    /// The ETag of the bytes taken so far; `nil` before any (start from zero).
    var etag: String?
    var carried: CarriedDigests?

    package init(consumer: any ObjectStreamConsumer) {
        self.consumer = consumer
    }
}

extension S3Client {
    /// Downloads into `stream`'s consumer with nothing written to disk. A
    /// broken transfer resumes at the consumer's byte count with `Range` and
    /// `If-Match`; a replaced object (`412`) or an ignored range starts the
    /// consumer again from zero. Content length, S3's full-object checksum
    /// (carried across resumed attempts) and the MD5 of a single-part ETag are
    /// checked, as for `download`.
    package func stream(_ source: DownloadSource, into stream: ObjectStream,
                        retry: RetryDecision) async throws(S3Error) -> DownloadReport {
        var attempts = 0
        var recovery = DownloadRecovery()
        while true {
            attempts += 1
            if stream.etag == nil, stream.consumer.receivedBytes > 0 {
                stream.consumer.restarted()
                stream.carried = nil
            }
            let offset = stream.etag == nil ? 0 : stream.consumer.receivedBytes
            var current: DownloadSink?
            do throws(S3Error) {
                var (report, _) = try await attempt(source, offset: offset, etag: stream.etag) { () throws(S3Error) in
                    let sink = DownloadSink(consumer: stream.consumer, offset: offset, carried: stream.carried)
                    current = sink
                    return sink
                }
                report.attempts = attempts
                return report
            } catch {
                if let current {
                    stream.carried = current.carriedDigests()
                    stream.etag = stream.consumer.receivedBytes > 0 ? current.receivedETag ?? stream.etag : nil
                }
                let next = await recovery.next(after: error, source: source, offset: offset, credentials: credentials)
                if next.startOver { stream.etag = nil }
                if !next.counts {
                    attempts -= 1
                    continue
                }
                guard await retry(error, attempts) else { throw error }
            }
        }
    }
}
