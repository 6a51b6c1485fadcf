import OrderedJSON

/// `report.html`: one self-contained page (inline CSS, script and SVG; no
/// network, no external fonts) for people reviewing a run.
///
/// The totals and charts are static HTML, readable without script. The
/// session table is drawn by the page's script from embedded JSON (see
/// ``HTMLData``) — 10,000 rows of markup would be slow to load and heavier —
/// and every string reaches the page through `textContent`, never as markup.
/// A Content-Security-Policy with a fresh nonce lets only the page's own
/// script run and blocks every network request, as a second line of defence
/// should an entry name ever get through as markup.
enum HTMLReport {
    static func write(run: JSONValue, sessions: [ReportSession], entries: HTMLData.EntriesBlock, to path: String) throws(ReportError) {
        let totals = ReportTotals(run: run, sessions: sessions)
        let nonce = randomNonce()
        let file = try ReportFile(path: path)
        try file.write(head(totals, nonce: nonce))
        try file.write(totalsSection(totals))
        try file.write(HTMLCharts.section(sessions))
        try file.write(sessionsSection)
        try HTMLData.writeSessions(sessions, totals: totals, to: file)
        try entries.write(to: file)
        try file.write("<script nonce=\"\(nonce)\">\(HTMLAssets.script)</script>\n</body>\n</html>\n")
        try file.commit()
    }

    static func head(_ totals: ReportTotals, nonce: String) -> String {
        let generated = ReportText.html(totals.generatedAt)
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
            <meta name="generator" content="export-collector">
            <link rel="icon" href="data:,">
            <title>GameLift Streams export report · \(ReportText.html(totals.generatedAt, mark: false))</title>
            <style>\(HTMLAssets.style)</style>
            </head>
            <body>
            <header class="top"><h1>GameLift Streams export report</h1><p class="muted">Generated <time>\(generated)</time> by export-collector</p></header>

            """
    }

    static func totalsSection(_ totals: ReportTotals) -> String {
        func card(_ id: String, _ label: String, _ value: String, _ kind: String = "", title: String = "") -> String {
            let titleAttribute = title.isEmpty ? "" : " title=\"\(ReportText.html(title, mark: false))\""
            return "<div class=\"card \(kind)\"\(titleAttribute)><span>\(label)</span><b id=\"t-\(id)\">\(value)</b></div>"
        }
        var cards = [
            card("sessions", "Sessions", ReportText.count(totals.sessions)),
            card("collected", "Collected", ReportText.count(totals.collected), "ok"),
            card("failed", "Failed", ReportText.count(totals.failed), totals.failed > 0 ? "bad" : ""),
            card("exportFailed", "Export failed", ReportText.count(totals.exportFailed), totals.exportFailed > 0 ? "warn" : ""),
            card("skipped", "Skipped", ReportText.count(totals.skipped)),
            card("archiveBytes", "Archives", ReportText.bytes(totals.archiveBytes), title: "\(ReportText.count(Int(clamping: totals.archiveBytes))) bytes in collected archives"),
            card("entries", "Entries", ReportText.count(totals.entries)),
            card("findings", "Findings", ReportText.count(totals.findings), totals.findings > 0 ? "warn" : ""),
        ]
        if totals.failedEntries > 0 {
            cards.append(card("failedEntries", "Failed entries", ReportText.count(totals.failedEntries), "bad"))
        }
        var html = "<section class=\"totals\" aria-label=\"Totals\">\(cards.joined())</section>\n"
        // One stacked bar: the share of each status at a glance.
        if totals.sessions > 0 {
            let segments = totals.byStatus.map { status, count in
                "<i class=\"st-\(HTMLCharts.statusClass(status))\" style=\"flex:\(count)\" title=\"\(ReportTotals.label(status)): \(ReportText.count(count))\"></i>"
            }
            html += "<div class=\"statusbar\" role=\"img\" aria-label=\"Sessions by status\">\(segments.joined())</div>\n"
        }
        if !totals.skippedManifests.isEmpty {
            let items = zip(totals.skippedManifests, totals.skippedReasons).prefix(20).map { file, reason in
                "<li><code>\(ReportText.html(file))</code>: \(ReportText.html(reason))</li>"
            }
            let more = totals.skippedManifests.count > 20 ? "<li>… and \(ReportText.count(totals.skippedManifests.count - 20)) more</li>" : ""
            html += "<div class=\"notice\" id=\"skipped-manifests\"><b>\(ReportText.count(totals.skippedManifests.count)) session manifest(s) could not be read</b> and are not in the totals or the table:<ul>\(items.joined())\(more)</ul></div>\n"
        }
        return html
    }

    static let sessionsSection = """
        <section class="sessions">
        <h2>Sessions</h2>
        <div class="controls">
        <input type="search" id="q" placeholder="Filter: session, group, app, user, location, problem…" aria-label="Filter sessions" autocomplete="off" spellcheck="false">
        <span id="statuses" class="statuses"></span>
        <label class="check"><input type="checkbox" id="problems-only"> with problems only</label>
        <button type="button" id="expand-all">Expand shown</button>
        </div>
        <p class="shown muted" id="shown" aria-live="polite"></p>
        <div class="tablewrap"><table id="sessions"><thead><tr id="head"></tr></thead><tbody id="rows"></tbody></table></div>
        <p><button type="button" id="more" hidden>Show more</button></p>
        <noscript><p class="notice">The session table needs JavaScript. summary.md, entries.csv and manifest.json beside this file hold the same data.</p></noscript>
        </section>

        """

    /// 128 random bits as hex: a fresh nonce per report, so markup planted in
    /// an archive cannot know it.
    static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0 ..< 2).map { _ in
            let digits = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }
}
