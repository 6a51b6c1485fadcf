import GameLiftStreams
import OrderedJSON
import ZipIndex

/// Where a session stands at the end of a run (CONTRACTS.md, "Output folder").
package enum SessionStatus: String, Sendable {
    case collected
    case failed
    case skipped
    case exportFailed = "export_failed"
}

/// The stage a session failed at, and why, in the manifest's words.
package struct StageError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Stage: String, Sendable {
        case resolve, fetch, index, publish
    }

    package var stage: Stage
    package var kind: String
    package var message: String

    package init(_ stage: Stage, _ kind: String, _ message: String) {
        self.stage = stage
        self.kind = kind
        self.message = message
    }

    package var description: String { "\(stage.rawValue): \(kind): \(message)" }

    var json: JSONValue {
        .object([("stage", .string(stage.rawValue)), ("kind", .string(kind)), ("message", .string(message))])
    }
}

/// The archive's origin in S3, as resolved.
package struct ArchiveSource: Sendable, Equatable {
    package var outputURI: String
    package var bucket: String
    package var key: String
    package var etag: String?
    package var versionID: String?
    package var bytes: UInt64?
}

/// How the download went.
package struct DownloadSummary: Sendable, Equatable {
    package var attempts: Int
    package var resumedBytes: UInt64
    package var seconds: Double
    package var via: String
}

/// Everything the pipeline learnt about one session; becomes its manifest.
package struct SessionRecord: Sendable {
    package var sessionID: String
    package var streamGroupID: String?
    package var session: StreamSession
    package var source: ArchiveSource?
    package var download: DownloadSummary?
    package var archive: ArchiveIndex?
    package var perfStats: JSONValue?
    package var status: SessionStatus
    package var error: StageError?

    package init(sessionID: String, streamGroupID: String?, session: StreamSession, status: SessionStatus) {
        self.sessionID = sessionID
        self.streamGroupID = streamGroupID
        self.session = session
        self.status = status
    }

    package static let schemaVersion: Int64 = 1

    /// The session manifest, members in CONTRACTS.md's order, then ours.
    package func manifest(collectedAt: String) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("schemaVersion", .int(Self.schemaVersion)),
            ("sessionId", .string(sessionID)),
            ("streamGroupId", .optional(streamGroupID)),
            ("session", session.json),
            ("source", source.map { source in
                .object([
                    ("outputUri", .string(source.outputURI)),
                    ("bucket", .string(source.bucket)),
                    ("key", .string(source.key)),
                    ("etag", .optional(source.etag)),
                    ("versionId", .optional(source.versionID)),
                    ("bytes", source.bytes.map { .uint($0) } ?? .null),
                ])
            } ?? .null),
            ("download", download.map { download in
                .object([
                    ("attempts", .int(Int64(download.attempts))),
                    ("resumedBytes", .uint(download.resumedBytes)),
                    ("seconds", .double((download.seconds * 1000).rounded() / 1000)),
                    ("via", .string(download.via)),
                ])
            } ?? .null),
            ("archive", archive.map(ArchiveManifest.body) ?? .null),
        ]
        if let perfStats { members.append(("perfStats", perfStats)) }
        members += [
            ("status", .string(status.rawValue)),
            ("error", error?.json ?? .null),
            ("collectedAt", .string(collectedAt)),
        ]
        return .object(members)
    }
}
