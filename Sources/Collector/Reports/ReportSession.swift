import OrderedJSON

/// What the reports need from one session manifest, read liberally: any member
/// may be missing, `null` or of another type (an older or hand-edited manifest,
/// a session that failed before it had an archive), and then reads as absent.
///
/// Compact: neither the manifest nor its entries are kept (the entry tables
/// and the page's entries are written while the manifests are read, see
/// ``ReportStream``), findings only as many as the page lists, so 100,000
/// sessions fit in a few hundred bytes each whatever their entry counts. A
/// class, so the charts' and the summary's lists share it instead of copying.
final class ReportSession: Sendable {
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
    /// The manifest's `error` when it is an object, as given (the run manifest's row).
    let errorValue: JSONValue?
    /// The first ``HTMLData/findingsPerSession`` findings; `findingCount` counts all.
    let findings: [Finding]
    let findingCount: Int
    /// Occurrences per kind of finding and of entry error (`entry error: <kind>`),
    /// in order of first occurrence: summary.md's top findings.
    let problemKinds: [(kind: String, count: Int)]
    let failedEntries: Int
    let perf: [ReportPerf.Highlight]

    init(_ manifest: JSONValue) {
        let session = manifest["session"]
        let archive = manifest["archive"]
        let summary = archive?["archive"]
        sessionId = manifest["sessionId"]?.stringValue ?? ""
        streamGroupId = manifest["streamGroupId"]?.stringValue
        status = manifest["status"]?.stringValue ?? "unknown"
        applicationId = session?["ApplicationArn"]?.stringValue.map(ReportSession.resourceId)
        location = session?["Location"]?.stringValue
        userId = session?["UserId"]?.stringValue
        let created = session?["CreatedAt"]
        createdAt = created?.stringValue ?? created?.doubleValue.map { ReportTime.format(epochSeconds: Int($0)) }
        createdEpoch = ReportTime.epochSeconds(created)
        apiStatus = session?["Status"]?.stringValue
        apiStatusReason = session?["StatusReason"]?.stringValue
        exportStatusReason = session?["ExportFilesMetadata"]?["StatusReason"]?.stringValue
        archiveBytes = ReportSession.unsigned(summary?["bytes"]) ?? ReportSession.unsigned(manifest["source"]?["bytes"])
        archiveSha256 = summary?["sha256"]?.stringValue
        let entries = archive?["entries"]?.arrayValue
        entryCount = summary?["entryCount"]?.intValue ?? entries?.count
        archiveStatus = archive?["status"]?.stringValue
        archiveError = ReportSession.problem(archive?["error"])
        error = ReportSession.problem(manifest["error"])
        let errorMember = manifest["error"]
        errorValue = errorMember?.objectMembers != nil ? errorMember : nil
        var kinds: [(kind: String, count: Int)] = []
        var kindIndex: [String: Int] = [:]
        func count(_ kind: String) {
            if let index = kindIndex[kind] {
                kinds[index].count += 1
            } else {
                kindIndex[kind] = kinds.count
                kinds.append((kind, 1))
            }
        }
        var kept: [Finding] = []
        var findingCount = 0
        for finding in archive?["findings"]?.arrayValue ?? [] where finding.objectMembers != nil {
            let kind = finding["kind"]?.stringValue ?? "unknown"
            findingCount += 1
            count(kind)
            guard kept.count < HTMLData.findingsPerSession else { continue }
            kept.append(Finding(kind: kind, path: finding["path"]?.stringValue ?? "",
                                message: finding["message"]?.stringValue ?? ""))
        }
        findings = kept
        self.findingCount = findingCount
        var failedEntries = 0
        for entry in entries ?? [] {
            let failed = entry["status"]?.stringValue.map { $0 != "ok" } ?? false
            if failed || entry["error"]?.objectMembers != nil { failedEntries += 1 }
            if let kind = entry["error"]?["kind"]?.stringValue { count("entry error: \(kind)") }
        }
        self.failedEntries = failedEntries
        problemKinds = kinds
        perf = ReportPerf.highlights(manifest["perfStats"])
    }

    /// The entries of a session manifest's archive (empty when there is none).
    static func entries(of manifest: JSONValue) -> [JSONValue] { manifest["archive"]?["entries"]?.arrayValue ?? [] }

    var isFailure: Bool { status == "failed" || status == "export_failed" }

    /// Anything a reviewer should look at: a failure, an error, a finding, a failed entry.
    var hasProblems: Bool {
        isFailure || error != nil || archiveError != nil || findingCount > 0 || failedEntries > 0 || archiveStatus == "error"
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
            let more = findingCount > 1 ? " (and \(findingCount - 1) more)" : ""
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
