import AWSSigning
import HTTPTransport
import S3

/// `export-collector presign s3://bucket/key [--expires SECONDS]`: the one
/// command that prints a presigned URL whole.
package struct PresignJob: Sendable {
    package var uri: String
    package var expires: Int
    package var settings: AWSSettings

    package init(uri: String, expires: Int, settings: AWSSettings) {
        self.uri = uri
        self.expires = expires
        self.settings = settings
    }

    /// - Returns: the URL and a newline, or one error line and the exit status.
    package func run() async -> (output: String?, error: String?, status: ExitStatus) {
        guard (1 ... AWSSigner.maximumExpiry).contains(expires) else {
            return (nil, "error: --expires must be 1…\(AWSSigner.maximumExpiry) seconds, not \(expires)", .usage)
        }
        let location: S3URI
        do throws(S3Error) {
            location = try S3URI(parsing: uri)
        } catch {
            return (nil, "error: cannot presign (\(uri)): \(error.message)", .usage)
        }
        guard !location.key.isEmpty else {
            return (nil, "error: cannot presign (\(uri)): the URI names a bucket, not an object", .usage)
        }
        do {
            let client = try makeS3Client(settings)
            defer { client.http.shutdown() }
            do throws(S3Error) {
                return (try await client.presign(location, expires: expires) + "\n", nil, .success)
            } catch {
                return (nil, "error: cannot presign (\(uri)): \(error.message)", .cannotProceed)
            }
        } catch {
            return (nil, "error: cannot start the transport: \(error.message)", .cannotProceed)
        }
    }
}
