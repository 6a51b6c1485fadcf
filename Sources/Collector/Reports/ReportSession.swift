import OrderedJSON

/// What the reports need from one session manifest, read liberally: any member
/// may be missing, `null` or of another type (an older or hand-edited manifest,
/// a session that failed before it had an archive), and then reads as absent.
struct ReportSession: Sendable {
    /// One `{stage, kind, message}` (session errors) or `{kind, message}` (archive errors).
    struct Problem: Sendable {
        var stage: String?
        var kind: String?
        var message: String?
    }

    struct Finding: Sendable {
        var kind: String
        var path: String
        var message: String
    }

    let manifest: JSONValue
    let sessionId: String
    let streamGroupId: String?
    /// `collected`, `failed`, `skipped` or `export_failed` (anything else is kept as given).
    let status: String
    let applicationId: String?
    let location: String?
    let userId: String?
    let createdAt: String?
    let createdEpoch: Double?
    /// The API's session status (`TERMINATED`, ...) and reason.
    let apiStatus: String?
    let apiStatusReason: String?
    /// Why the service's export failed (`export_failed` sessions).
    let exportStatusReason: String?
    let archiveBytes: UInt64?
    let archiveSha256: String?
    let entryCount: Int?
    let archiveStatus: String?
    let archiveError: Problem?
    let error: Problem?
    let findings: [Finding]
    let failedEntries: Int
    let perf: [ReportPerf.Highlight]

    init(_ manifest: JSONValue) {
        self.manifest = manifest
        let session = manifest["session"]
        let archive = manifest["archive"]
        let summary = archive?["archive"]
        sessionId = manifest["sessionId"]?.stringValue ?? ""
        streamGroupId = manifest["streamGroupId"]?.stringValue
        status = manifest["status"]?.stringValue ?? "unknown"
        applicationId = session?["ApplicationArn"]?.stringValue.map(Self.resourceId)
        location = session?["Location"]?.stringValue
        userId = session?["UserId"]?.stringValue
        let created = session?["CreatedAt"]
        createdAt = created?.stringValue ?? created?.doubleValue.map { ReportTime.format(epochSeconds: Int($0)) }
        createdEpoch = ReportTime.epochSeconds(created)
        apiStatus = session?["Status"]?.stringValue
        apiStatusReason = session?["StatusReason"]?.stringValue
        exportStatusReason = session?["ExportFilesMetadata"]?["StatusReason"]?.stringValue
        archiveBytes = Self.unsigned(summary?["bytes"]) ?? Self.unsigned(manifest["source"]?["bytes"])
        archiveSha256 = summary?["sha256"]?.stringValue
        let entries = archive?["entries"]?.arrayValue
        entryCount = summary?["entryCount"]?.intValue ?? entries?.count
        archiveStatus = archive?["status"]?.stringValue
        archiveError = Self.problem(archive?["error"])
        error = Self.problem(manifest["error"])
        findings = (archive?["findings"]?.arrayValue ?? []).compactMap { finding in
            guard finding.objectMembers != nil else { return nil }
            return Finding(kind: finding["kind"]?.stringValue ?? "unknown",
                           path: finding["path"]?.stringValue ?? "",
                           message: finding["message"]?.stringValue ?? "")
        }
        failedEntries = (entries ?? []).reduce(0) { count, entry in
            let failed = entry["status"]?.stringValue.map { $0 != "ok" } ?? false
            return count + (failed || entry["error"]?.objectMembers != nil ? 1 : 0)
        }
        perf = ReportPerf.highlights(manifest["perfStats"])
    }

    /// The entries of the archive (empty when there is none).
    var entries: [JSONValue] { manifest["archive"]?["entries"]?.arrayValue ?? [] }

    var isFailure: Bool { status == "failed" || status == "export_failed" }

    /// Anything a reviewer should look at: a failure, an error, a finding, a failed entry.
    var hasProblems: Bool {
        isFailure || error != nil || archiveError != nil || !findings.isEmpty || failedEntries > 0 || archiveStatus == "error"
    }

    /// The one problem that best explains the session, as `stage`, `kind`, `message`.
    var headline: Problem? {
        if let error { return error }
        if status == "export_failed" {
            let session = apiStatusReason.map { " (session status reason: \($0))" } ?? ""
            return Problem(stage: "export", kind: "export_failed",
                           message: exportStatusReason ?? "the service reported the export FAILED\(session)")
        }
        if var archiveError {
            archiveError.stage = "index"
            return archiveError
        }
        if failedEntries > 0 {
            return Problem(stage: "index", kind: "entries", message: "\(failedEntries) entr\(failedEntries == 1 ? "y" : "ies") failed")
        }
        if let finding = findings.first {
            let more = findings.count > 1 ? " (and \(findings.count - 1) more)" : ""
            let path = finding.path.isEmpty ? "" : "\(finding.path): "
            return Problem(stage: "index", kind: finding.kind, message: path + finding.message + more)
        }
        return nil
    }

    /// Sorting rank: failures first, then problems, then the rest.
    var rank: Int {
        switch status {
        case "failed": 0
        case "export_failed": 1
        case "collected": hasProblems ? 2 : 4
        case "skipped": 5
        default: 3
        }
    }

    /// `a-9ZY8X7Wv6` from `arn:aws:gameliftstreams:...:application/a-9ZY8X7Wv6`; anything else as is.
    static func resourceId(_ arn: String) -> String {
        guard arn.hasPrefix("arn:"), let slash = arn.lastIndex(of: "/") else { return arn }
        let id = arn[arn.index(after: slash)...]
        return id.isEmpty ? arn : String(id)
    }

    static func unsigned(_ value: JSONValue?) -> UInt64? {
        switch value {
        case .int(let number)?: number >= 0 ? UInt64(number) : nil
        case .uint(let number)?: number
        case .double(let number)? where number >= 0 && number < 1.8e19 && number == number.rounded(): UInt64(number)
        default: nil
        }
    }

    static func problem(_ value: JSONValue?) -> Problem? {
        guard let value, value.objectMembers != nil else { return nil }
        return Problem(stage: value["stage"]?.stringValue, kind: value["kind"]?.stringValue,
                       message: value["message"]?.stringValue)
    }

    /// Sorts by session id, bytewise, so every report lists sessions in the
    /// order of the run manifest whatever the locale.
    static func sorted(_ manifests: [JSONValue]) -> [ReportSession] {
        manifests.map(ReportSession.init).sorted { $0.sessionId.utf8.lexicographicallyPrecedes($1.sessionId.utf8) }
    }
}
