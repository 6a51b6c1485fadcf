import OrderedJSON

/// The run's totals as the reports show them: taken from the run manifest the
/// caller passed (so the reports and manifest.json agree), each missing
/// member counted from the sessions instead.
struct ReportTotals {
    var generatedAt: String
    var sessions: Int
    var collected: Int
    var failed: Int
    var skipped: Int
    var exportFailed: Int
    var archiveBytes: UInt64
    var entries: Int
    var findings: Int
    var failedEntries: Int
    /// `sessions/x.json` files the run manifest says were skipped, and why.
    var skippedManifests: [String]
    var skippedReasons: [String]
    /// Sessions per status, failures first, only statuses that occur.
    var byStatus: [(String, Int)]

    static let statusOrder = ["failed", "export_failed", "collected", "skipped"]

    init(run: JSONValue, sessions: [ReportSession]) {
        let given = run["totals"]
        // Counted only when the run manifest lacks a member (a caller's own
        // run manifest, an older version): 10,000 sessions are not free.
        var cache: JSONValue??
        func counted() -> JSONValue? {
            if let cache { return cache }
            let totals = RunManifest.build(sorted: sessions, generatedAt: "", skippedManifests: [], rows: false)["totals"]
            cache = .some(totals)
            return totals
        }
        func int(_ key: String) -> Int { given?[key]?.intValue ?? counted()?[key]?.intValue ?? 0 }
        generatedAt = run["generatedAt"]?.stringValue ?? ""
        self.sessions = int("sessions")
        collected = int("collected")
        failed = int("failed")
        skipped = int("skipped")
        exportFailed = int("exportFailed")
        archiveBytes = ReportSession.unsigned(given?["archiveBytes"]) ?? ReportSession.unsigned(counted()?["archiveBytes"]) ?? 0
        entries = int("entries")
        findings = int("findings")
        failedEntries = int("failedEntries")
        let skippedList = run["skippedManifests"]?.arrayValue ?? []
        skippedManifests = skippedList.map { $0["file"]?.stringValue ?? "?" }
        skippedReasons = skippedList.map { $0["reason"]?.stringValue ?? "" }
        var counts: [String: Int] = [:]
        for session in sessions { counts[session.status, default: 0] += 1 }
        let others = counts.keys.filter { !Self.statusOrder.contains($0) }.sorted()
        byStatus = (Self.statusOrder + others).compactMap { status in counts[status].map { (status, $0) } }
    }

    static func label(_ status: String) -> String {
        switch status {
        case "collected": "Collected"
        case "failed": "Failed"
        case "export_failed": "Export failed"
        case "skipped": "Skipped"
        default: status
        }
    }
}
