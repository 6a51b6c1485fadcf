import Logging
import OrderedJSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `export-collector report DIR`: rebuilds `DIR/manifest.json` and the
/// reports from the session manifests in `DIR/sessions/` alone, so an output
/// folder can be re-reported after a change of this tool, a merge of shards
/// or a hand edit, without AWS.
package struct ReportJob: Sendable {
    package var directory: String
    package var formats: Set<ReportFormat>
    package var json: Bool
    /// The run manifest's `generatedAt`; now when `nil`.
    package var generatedAt: String?

    package init(directory: String, formats: Set<ReportFormat> = Set(ReportFormat.allCases), json: Bool, generatedAt: String? = nil) {
        self.directory = directory
        self.formats = formats
        self.json = json
        self.generatedAt = generatedAt
    }

    package struct Outcome: Sendable {
        /// The rebuilt run manifest (`nil` when the folder could not be read),
        /// without its `sessions` rows (an empty array): manifest.json holds
        /// them, and 100,000 rows are not kept in memory twice.
        package var run: JSONValue?
        /// One line each for standard error: `warning: skipped sessions/x.json: <why>`, `error: ...`.
        package var messages: [String]
        package var status: ExitStatus
    }

    package func run(output: ([UInt8]) -> Void) -> Outcome {
        let logger = Logger(label: "export-collector.report")
        let started = monotonicSeconds()
        let folder = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let sessionsFolder = folder + "/sessions"
        let names: [String]
        do {
            try Self.requireDirectory(folder.isEmpty ? "/" : folder)
            names = try Self.manifestNames(in: sessionsFolder)
        } catch {
            return Outcome(run: nil, messages: ["error: \(error)"], status: .cannotProceed)
        }

        // One pass in file name order (a session's file is named after it, so
        // this is session id order): each manifest is parsed on a worker into
        // a compact summary and its report rows, which are written here in
        // order; neither the manifests nor their entries are kept.
        let perSession = HTMLData.perSession(sessions: names.count)
        var stream = ReportStream(directory: folder, formats: formats, perSession: perSession)
        var sessions: [ReportSession] = []
        var files: [Int] = []
        sessions.reserveCapacity(names.count)
        files.reserveCapacity(names.count)
        var skipped: [RunManifest.SkippedManifest] = []
        var owners: [String: Int] = [:]
        var ordered = true
        let selected = formats
        ReportStream.forEach(count: names.count, load: { index in
            Self.load(sessionsFolder + "/" + names[index], formats: selected, perSession: perSession)
        }) { index, outcome in
            let file = "sessions/" + names[index]
            let rendered: ReportStream.Rendered
            switch outcome {
            case .success(let value): rendered = value
            case .failure(let error):
                skipped.append(.init(file: file, reason: error.description))
                return
            }
            // The first file (in name order) that names a session wins.
            let sessionId = rendered.session.sessionId
            if let owner = owners[sessionId] {
                skipped.append(.init(file: file, reason: "session \(sessionId) is already in sessions/\(names[owner])"))
                return
            }
            owners[sessionId] = index
            if let last = sessions.last, !last.sessionId.utf8.lexicographicallyPrecedes(sessionId.utf8) { ordered = false }
            sessions.append(rendered.session)
            files.append(index)
            if ordered { stream.add(rendered) }
        }
        owners = [:]

        // A file named otherwise than its session (a hand edit, a rename)
        // breaks the order, and skipped files change the page's entries per
        // session: then the rows are written again, in a second pass over
        // the files in session id order.
        if !ordered || HTMLData.perSession(sessions: sessions.count) != perSession {
            let order = sessions.indices.sorted { sessions[$0].sessionId.utf8.lexicographicallyPrecedes(sessions[$1].sessionId.utf8) }
            sessions = order.map { sessions[$0] }
            let sortedFiles = order.map { files[$0] }
            let perSession = HTMLData.perSession(sessions: sessions.count)
            stream = ReportStream(directory: folder, formats: formats, perSession: perSession)
            let expected = sessions
            ReportStream.forEach(count: sortedFiles.count, load: { position in
                // A file changed since the first pass keeps its summary, without entries.
                let outcome = Self.load(sessionsFolder + "/" + names[sortedFiles[position]], formats: selected, perSession: perSession)
                if case .success(let rendered) = outcome, rendered.session.sessionId == expected[position].sessionId { return rendered }
                return ReportStream.render(expected[position], entries: [], formats: selected, perSession: perSession)
            }) { _, rendered in
                stream.add(rendered)
            }
        }
        files = []
        let parsed = monotonicSeconds()

        // The rows are streamed into manifest.json, not kept in `run`.
        let run = RunManifest.build(sorted: sessions, generatedAt: generatedAt ?? ReportTime.now(), skippedManifests: skipped, rows: false)
        var messages = skipped.map { "warning: skipped \($0.file): \($0.reason)" }
        do {
            try RunManifest.write(run, sorted: sessions, to: folder + "/manifest.json")
            try stream.finish(run: run, sessions: sessions)
        } catch {
            messages.append("error: \(error)")
            return Outcome(run: run, messages: messages, status: .cannotProceed)
        }
        logger.debug("rebuilt the run manifest and reports", metadata: [
            "directory": "\(folder)",
            "sessions": "\(sessions.count)",
            "skipped": "\(skipped.count)",
            "readSeconds": "\(((parsed - started) * 1000).rounded() / 1000)",
            "writeSeconds": "\(((monotonicSeconds() - parsed) * 1000).rounded() / 1000)",
        ])

        let totals = run["totals"] ?? .null
        if json {
            output(Array(totals.serialized(pretty: true).utf8))
        } else {
            let written = (["manifest.json"] + ReportFormat.allCases.filter(formats.contains).map(\.fileName)).joined(separator: ", ")
            let counts = ReportTotals(run: run, sessions: sessions)
            var line = "\(counts.sessions) session\(counts.sessions == 1 ? "" : "s"): \(counts.collected) collected, \(counts.failed) failed, "
            line += "\(counts.exportFailed) export failed, \(counts.skipped) skipped; \(ReportText.bytes(counts.archiveBytes)) in \(counts.entries) entries"
            if !skipped.isEmpty { line += "; \(skipped.count) manifest\(skipped.count == 1 ? "" : "s") skipped" }
            output(Array("\(line)\nwrote \(written) in \(folder)\n".utf8))
        }
        return Outcome(run: run, messages: messages, status: skipped.isEmpty ? .success : .failures)
    }

    /// Why a session manifest cannot be reported, or `nil` when it can. Only
    /// what identifies and classifies a session is required; every other
    /// member may be missing or null (reports read them liberally).
    package static func problem(in manifest: JSONValue) -> String? {
        guard manifest.objectMembers != nil else { return "not a JSON object (\(manifest.typeName))" }
        if let version = manifest["schemaVersion"], version != .null, version.intValue != 1 {
            return "schemaVersion \(version.serialized(pretty: false)) is not 1, the version this tool reads"
        }
        guard let sessionId = manifest["sessionId"]?.stringValue, !sessionId.isEmpty else {
            return "no sessionId"
        }
        let statuses = ["collected", "failed", "skipped", "export_failed"]
        guard let status = manifest["status"]?.stringValue else { return "no status" }
        guard statuses.contains(status) else {
            return "status \"\(ReportText.visible(status))\" is not one of \(statuses.joined(separator: ", "))"
        }
        return nil
    }
}
