import OrderedJSON
import AWSCredentials
import HTTPTransport
import Logging
import S3

/// `export-collector fetch SOURCE -o FILE`: one object, signed (`s3://`) or
/// through a URL used as is (presigned or public), resumable, verified.
package struct FetchJob: Sendable {
    package var source: String
    package var output: String
    package var json: Bool
    package var settings: AWSSettings
    package var maxAttempts: Int
    /// Compute the object's SHA-256 (`--no-sha256` turns it off: the length and
    /// S3's checksum or the ETag's MD5 are still verified).
    package var sha256 = true

    package init(source: String, output: String, json: Bool, settings: AWSSettings, maxAttempts: Int = 5) {
        self.source = source
        self.output = output
        self.json = json
        self.settings = settings
        self.maxAttempts = maxAttempts
    }

    package struct Outcome: Sendable {
        package var report: DownloadReport?
        package var errors: [String]
        package var status: ExitStatus
    }

    package func run(output emit: ([UInt8]) -> Void) async -> Outcome {
        let logger = Logger(label: "export-collector.fetch")
        let shownSource = redactPresignedURL(source)
        let downloadSource: DownloadSource
        if source.hasPrefix("s3://") {
            do throws(S3Error) {
                downloadSource = .object(try S3URI(parsing: source))
            } catch {
                return Outcome(report: nil, errors: ["error: cannot fetch (\(shownSource)): \(error.message)"], status: .usage)
            }
        } else if source.hasPrefix("https://") || source.hasPrefix("http://") {
            downloadSource = .url(source)
        } else {
            return Outcome(report: nil, errors: ["error: cannot fetch (\(shownSource)): SOURCE must be s3://bucket/key or an http(s):// URL"], status: .usage)
        }
        let client: S3Client
        do {
            client = try makeS3Client(settings)
        } catch {
            return Outcome(report: nil, errors: ["error: cannot start the transport: \(error.message)"], status: .cannotProceed)
        }
        defer { client.http.shutdown() }
        let started = monotonicSeconds()
        let retry = S3Client.retryDecision(policy: RetryPolicy(maxAttempts: maxAttempts), quota: RetryQuota())
        do throws(S3Error) {
            let report = try await client.download(downloadSource, to: output, hashing: sha256, retry: retry)
            let seconds = monotonicSeconds() - started
            logger.info("fetched", metadata: ["source": "\(shownSource)", "bytes": "\(report.bytes)",
                                              "attempts": "\(report.attempts)", "seconds": "\(seconds)"])
            if json {
                emit(Array(Self.document(report, source: shownSource, path: output, seconds: seconds).serialized().utf8))
            } else {
                emit(Array("\(output): \(report.bytes) bytes\(sha256 ? ", sha256 \(report.sha256)" : "")\(report.resumedBytes > 0 ? ", resumed at \(report.resumedBytes)" : "")\n".utf8))
            }
            return Outcome(report: report, errors: [], status: .success)
        } catch {
            return Outcome(report: nil, errors: ["error: fetch failed (\(shownSource)): \(error.message)"], status: Self.status(for: error))
        }
    }

    static func document(_ report: DownloadReport, source: String, path: String, seconds: Double) -> JSONValue {
        .object([
            ("source", .string(source)),
            ("path", .string(path)),
            ("bytes", .uint(report.bytes)),
            ("sha256", report.sha256.isEmpty ? .null : .string(report.sha256)),
            ("etag", .optional(report.etag)),
            ("versionId", .optional(report.versionID)),
            ("attempts", .int(Int64(report.attempts))),
            ("resumedBytes", .uint(report.resumedBytes)),
            ("checksum", .optional(report.verifiedChecksum)),
            ("md5Verified", .bool(report.verifiedMD5)),
            ("seconds", .double((seconds * 1000).rounded() / 1000)),
        ])
    }

    /// Missing or damaged objects fail the object (1); credentials, access,
    /// the network or the output folder stop the job (3).
    static func status(for error: S3Error) -> ExitStatus {
        switch error.kind {
        case .notFound, .checksum, .truncated, .changed: .failures
        case .invalidURI: .usage
        case .accessDenied, .signature, .expired, .clockSkew, .throttled, .server, .transport, .io, .service: .cannotProceed
        }
    }
}

/// The libcurl client and S3 client for these settings.
package func makeS3Client(_ settings: AWSSettings) throws(TransportError) -> S3Client {
    let http = try HTTPClient()
    let chain = CredentialChain.standard(environment: settings.environment, profile: settings.explicitProfile,
                                         region: settings.region, http: http)
    return S3Client(http: http, credentials: CachedCredentials(chain), region: settings.region,
                    endpointOverride: settings.s3Endpoint, addressing: settings.addressing)
}
