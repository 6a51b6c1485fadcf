import OrderedJSON

/// The run manifest (`<dir>/manifest.json`, CONTRACTS.md "Output folder"):
/// totals and one summary row per session, built from the session manifests
/// alone so `export-collector report` can rebuild it at any time.
///
/// Output is stable: rows are sorted by session id and every member is always
/// present, so two runs over the same sessions give equal manifests apart
/// from `generatedAt`.
package enum RunManifest {
    package static let schemaVersion: Int64 = 1

    /// A session manifest that could not be read, kept in the run manifest so
    /// a reviewer sees that the totals leave it out.
    package struct SkippedManifest: Sendable, Equatable {
        /// Relative to the output folder: `sessions/x.json`.
        package var file: String
        package var reason: String

        package init(file: String, reason: String) {
            self.file = file
            self.reason = reason
        }
    }

    package static func build(sessions: [JSONValue], generatedAt: String) -> JSONValue {
        build(sessions: sessions, generatedAt: generatedAt, skippedManifests: [])
    }

    package static func build(sessions: [JSONValue], generatedAt: String, skippedManifests: [SkippedManifest]) -> JSONValue {
        build(sorted: ReportSession.sorted(sessions), generatedAt: generatedAt, skippedManifests: skippedManifests)
    }

    static func build(sorted sessions: [ReportSession], generatedAt: String, skippedManifests: [SkippedManifest]) -> JSONValue {
        var counts: [String: Int] = [:]
        var archiveBytes: UInt64 = 0
        var entries = 0
        var findings = 0
        var failedEntries = 0
        for session in sessions {
            counts[session.status, default: 0] += 1
            findings += session.findings.count
            failedEntries += session.failedEntries
            // What this run holds: the archives (and their entries) of the
            // collected sessions, not the broken ones a failed session left.
            guard session.status == "collected" else { continue }
            archiveBytes &+= session.archiveBytes ?? 0
            entries += session.entryCount ?? 0
        }
        let totals: JSONValue = .object([
            ("sessions", .int(Int64(sessions.count))),
            ("collected", .int(Int64(counts["collected", default: 0]))),
            ("failed", .int(Int64(counts["failed", default: 0]))),
            ("skipped", .int(Int64(counts["skipped", default: 0]))),
            ("exportFailed", .int(Int64(counts["export_failed", default: 0]))),
            ("archiveBytes", number(archiveBytes)),
            ("entries", .int(Int64(entries))),
            ("findings", .int(Int64(findings))),
            ("failedEntries", .int(Int64(failedEntries))),
            ("skippedManifests", .int(Int64(skippedManifests.count))),
        ])
        return .object([
            ("schemaVersion", .int(schemaVersion)),
            ("generatedAt", .string(generatedAt)),
            ("totals", totals),
            ("sessions", .array(sessions.map(row))),
            ("skippedManifests", .array(skippedManifests.map { .object([("file", .string($0.file)), ("reason", .string($0.reason))]) })),
        ])
    }

    /// One row: the contract's six members first, then conveniences.
    static func row(_ session: ReportSession) -> JSONValue {
        let error = session.manifest["error"]
        return .object([
            ("sessionId", .string(session.sessionId)),
            ("status", .string(session.status)),
            ("archiveSha256", .optional(session.archiveSha256)),
            ("entryCount", session.entryCount.map { .int(Int64($0)) } ?? .null),
            ("bytes", session.archiveBytes.map(number) ?? .null),
            ("error", error?.objectMembers != nil ? error ?? .null : .null),
            ("streamGroupId", .optional(session.streamGroupId)),
            ("createdAt", .optional(session.createdAt)),
            ("findings", .int(Int64(session.findings.count))),
            ("failedEntries", .int(Int64(session.failedEntries))),
        ])
    }

    /// `.int` whenever it fits, as the parser reads numbers back, so a
    /// manifest compares equal to itself after a round trip.
    static func number(_ value: UInt64) -> JSONValue {
        Int64(exactly: value).map(JSONValue.int) ?? .uint(value)
    }
}
