/// `pipeline.json` (CONTRACTS.md), read by ``PipelineConfig/load(path:)``.
/// Every member has the default CONTRACTS.md shows, so a file needs only
/// `source.streamGroups`; `pipeline.schema.json` states the same rules for
/// editors and CI.
package struct PipelineConfig: Sendable, Equatable {
    /// `nil` when not set: the command line, environment or shared config decide.
    package var region: String?
    package var profile: String?
    package var endpoints: Endpoints
    package var source: Source
    package var download: Download
    package var index: Index
    package var output: Output

    package init(region: String? = nil, profile: String? = nil, endpoints: Endpoints = Endpoints(),
                 source: Source, download: Download = Download(), index: Index = Index(), output: Output = Output()) {
        self.region = region
        self.profile = profile
        self.endpoints = endpoints
        self.source = source
        self.download = download
        self.index = index
        self.output = output
    }

    package struct Endpoints: Sendable, Equatable {
        /// `http(s)://host[:port][/path]`; `nil` uses the Region's endpoint.
        package var gameliftstreams: String?
        package var s3: String?
        /// `auto`, `path` or `virtual` (the AWS CLI's `s3.addressing_style`).
        package var s3AddressingStyle: String = "auto"

        package init(gameliftstreams: String? = nil, s3: String? = nil, s3AddressingStyle: String = "auto") {
            self.gameliftstreams = gameliftstreams
            self.s3 = s3
            self.s3AddressingStyle = s3AddressingStyle
        }

        static let addressingStyles = ["auto", "path", "virtual"]
    }

    package enum StreamGroups: Sendable, Equatable {
        /// Every stream group of the account (`ListStreamSessionsByAccount`).
        case all
        /// Stream group ids (`sg-…`) or ARNs, in the order given, without duplicates.
        case groups([String])
    }

    package struct Source: Sendable, Equatable {
        package var streamGroups: StreamGroups
        /// A `StreamSessionStatus` to filter on; `nil` lists every status.
        package var status: String?
        package var exportFilesStatus: String = "SUCCEEDED"
        /// Also records sessions whose export FAILED (as `export_failed`).
        package var includeFailedExports: Bool = false
        /// As written in the file, and as seconds since 1970 (a date means midnight UTC).
        package var createdAfter: String?
        package var createdAfterEpochSeconds: Double?
        /// Extension: the client-side GameLift Streams API rate limit, requests per second.
        package var requestsPerSecond: Double = 20

        package init(streamGroups: StreamGroups) {
            self.streamGroups = streamGroups
        }

        static let statuses = [
            "ACTIVATING", "ACTIVE", "CONNECTED", "PENDING_CLIENT_RECONNECTION",
            "RECONNECTING", "TERMINATING", "TERMINATED", "ERROR",
        ]
        static let exportFilesStatuses = ["SUCCEEDED", "FAILED", "PENDING"]
    }

    package enum DownloadVia: String, Sendable, Equatable, CaseIterable {
        /// GetObject signed with the run's credentials.
        case signed
        /// A presigned URL fetched without credentials (as another host would).
        case presigned
    }

    package struct Download: Sendable, Equatable {
        package var concurrency: Int = 4
        package var via: DownloadVia = .signed
        package var presignExpiresSeconds: Int = 900
        package var keepArchives: Bool = true
        package var maxAttempts: Int = 5
        /// Extension: a transfer that moves no byte for this long is broken off
        /// and tried again (resumed), instead of hanging on a dead connection.
        package var stallTimeoutSeconds: Int = 30

        package init() {}

        static let concurrencyRange = 1 ... 64
        /// SigV4 presigned URLs live at most seven days.
        static let presignExpiresRange = 1 ... 604_800
        static let maxAttemptsRange = 1 ... 20
        static let stallTimeoutRange = 1 ... 3600
    }

    /// `index.mode`: `verify` downloads and verifies every entry; `listing`
    /// reads only each archive's central directory with Range requests.
    package enum IndexMode: String, Sendable, Equatable, CaseIterable {
        case verify
        case listing
    }

    package struct Index: Sendable, Equatable {
        package var mode: IndexMode = .verify
        package var sha256: Bool = true
        /// Extension: verify while downloading (one pass over the bytes); `false`
        /// verifies after the download, reading the file again (two passes).
        package var singlePass: Bool = true
        /// fnmatch globs of entries to extract under `files/<sessionId>/`; none by default.
        package var extract: [String] = []
        package var maxEntries: Int = 200_000
        /// 64 GiB.
        package var maxUncompressedBytes: UInt64 = 68_719_476_736
        package var maxCompressionRatio: Double = 1000

        package init() {}
    }

    package struct Output: Sendable, Equatable {
        /// A local folder, or `s3://bucket/prefix/` (staged locally, uploaded as written).
        package var dir: String = "collected"
        /// Extension: S3 output uploads objects larger than this in parts
        /// (5 MiB … 5 GiB; the part size too, grown when 10,000 parts would not do).
        package var multipartThresholdBytes: Int = 16 << 20
        /// Extension: `auto` sends `UNSIGNED-PAYLOAD` over https (as the AWS CLI
        /// does) and signs the payload's SHA-256 over http; `signed` always signs it.
        package var payloadSigning: String = "auto"
        /// Which of ``reportKinds`` to write, in the order given.
        package var reports: [String] = Output.reportKinds

        package init() {}

        static let multipartThresholdRange = 5 << 20 ... 5 << 30
        static let payloadSigningChoices = ["auto", "signed"]

        /// `report.html`, `summary.md`, `entries.csv`, `entries.jsonl`.
        package static let reportKinds = ["html", "markdown", "csv", "jsonl"]
    }
}
