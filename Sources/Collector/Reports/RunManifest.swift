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
        build(sorted: sessions, generatedAt: generatedAt, skippedManifests: skippedManifests, rows: true)
    }

    /// - Parameter rows: `false` leaves the `sessions` rows out (an empty
    ///   array), for ``write(_:sorted:to:)`` to stream them.
    static func build(sorted sessions: [ReportSession], generatedAt: String, skippedManifests: [SkippedManifest], rows: Bool) -> JSONValue {
        var counts: [String: Int] = [:]
        var archiveBytes: UInt64 = 0
        var entries = 0
        var findings = 0
        var failedEntries = 0
        for session in sessions {
            counts[session.status, default: 0] += 1
            findings += session.findingCount
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
            ("sessions", .array(rows ? sessions.map(row) : [])),
            ("skippedManifests", .array(skippedManifests.map { .object([("file", .string($0.file)), ("reason", .string($0.reason))]) })),
        ])
    }

    /// Writes `manifest.json` as `run.serialized(pretty: true)` would with the
    /// rows of `sessions` in its `sessions` member, a row at a time (100,000
    /// rows never make one string).
    static func write(_ run: JSONValue, sorted sessions: [ReportSession], to path: String) throws(ReportError) {
        let file = try ReportFile(path: path)
        try file.write("{")
        for (position, (key, value)) in (run.objectMembers ?? []).enumerated() {
            try file.append { out in
                if position > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.newline(&out, pretty: true, depth: 1)
                JSONValue.writeString(key, into: &out)
                out.append(contentsOf: Array(": ".utf8))
                if key != "sessions" || sessions.isEmpty { value.write(into: &out, pretty: true, depth: 1) }
            }
            guard key == "sessions", !sessions.isEmpty else { continue }
            try file.write("[")
            for (index, session) in sessions.enumerated() {
                try file.append { out in
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    JSONValue.newline(&out, pretty: true, depth: 2)
                    row(session).write(into: &out, pretty: true, depth: 2)
                }
            }
            try file.append { out in
                JSONValue.newline(&out, pretty: true, depth: 1)
                out.append(UInt8(ascii: "]"))
            }
        }
        try file.write("\n}\n")
        try file.commit()
    }

    /// One row: the contract's six members first, then conveniences.
    static func row(_ session: ReportSession) -> JSONValue {
        .object([
            ("sessionId", .string(session.sessionId)),
            ("status", .string(session.status)),
            ("archiveSha256", .optional(session.archiveSha256)),
            ("entryCount", session.entryCount.map { .int(Int64($0)) } ?? .null),
            ("bytes", session.archiveBytes.map(number) ?? .null),
            ("error", session.errorValue ?? .null),
            ("streamGroupId", .optional(session.streamGroupId)),
            ("createdAt", .optional(session.createdAt)),
            ("findings", .int(Int64(session.findingCount))),
            ("failedEntries", .int(Int64(session.failedEntries))),
        ])
    }

    /// `.int` whenever it fits, as the parser reads numbers back, so a
    /// manifest compares equal to itself after a round trip.
    static func number(_ value: UInt64) -> JSONValue {
        Int64(exactly: value).map(JSONValue.int) ?? .uint(value)
    }
}
