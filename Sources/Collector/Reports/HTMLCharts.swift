/// The report's charts, drawn server-side as inline SVG (no script, no
/// library): archive sizes over time, and per-session perf bars. Colours come
/// from the page's CSS classes, so they follow the light or dark theme.
enum HTMLCharts {
    /// viewBox widths near the drawn sizes, so 11px text stays about 11px.
    static let wideWidth = 1100.0
    static let width = 600.0
    /// Up to this many sessions each point is a circle with a tooltip; beyond,
    /// points of one status share one path of round dots (10,000 circles with
    /// titles would make the page heavier and slower than it needs to be).
    static let pointsWithTooltips = 2000
    static let barsPerChart = 15

    static func section(_ sessions: [ReportSession]) -> String {
        var figures = [sizesOverTime(sessions)]
        for category in ReportPerf.Category.allCases {
            if let figure = perfBars(sessions, category) { figures.append(figure) }
        }
        return "<section class=\"charts\">\n" + figures.joined(separator: "\n") + "\n</section>\n"
    }

    // MARK: Archive sizes over time

    static func sizesOverTime(_ sessions: [ReportSession]) -> String {
        let points = sessions.compactMap { session -> (ReportSession, Double, UInt64)? in
            guard let time = session.createdEpoch, let bytes = session.archiveBytes else { return nil }
            return (session, time, bytes)
        }
        let caption = "<figcaption>Archive size by session start (CreatedAt, UTC)</figcaption>"
        guard let first = points.first else {
            return "<figure class=\"chart wide\">\(caption)<p class=\"empty\">No session has both an archive and a CreatedAt time.</p></figure>"
        }
        let width = wideWidth, height = 240.0
        let left = 70.0, right = 16.0, top = 14.0, bottom = 40.0
        var low = points.reduce(first.1) { min($0, $1.1) }
        var high = points.reduce(first.1) { max($0, $1.1) }
        if high - low < 60 {
            low -= 1800
            high += 1800
        }
        let maxBytes = points.reduce(UInt64(1)) { max($0, $1.2) }
        let (unit, unitName) = byteUnit(maxBytes)
        let yTicks = niceTicks(upTo: Double(maxBytes) / unit).map { $0 * unit }
        let yMax = yTicks.last ?? Double(maxBytes)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ time: Double) -> Double { left + (time - low) / (high - low) * plotWidth }
        func y(_ bytes: Double) -> Double { top + plotHeight - bytes / yMax * plotHeight }

        var svg = "<svg viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" role=\"img\" aria-label=\"Archive size by session start time, \(points.count) sessions\">"
        for tick in yTicks {
            svg += "<line class=\"grid\" x1=\"\(fmt(left))\" x2=\"\(fmt(width - right))\" y1=\"\(fmt(y(tick)))\" y2=\"\(fmt(y(tick)))\"/>"
            svg += "<text class=\"tick\" x=\"\(fmt(left - 6))\" y=\"\(fmt(y(tick) + 4))\" text-anchor=\"end\">\(ReportText.decimal(tick / unit, places: 2)) \(unitName)</text>"
        }
        let span = high - low
        for step in 0 ... 6 {
            let time = low + span * Double(step) / 6
            let label = ReportTime.format(epochSeconds: Int(time.rounded()))
            // Days apart: the date; within a day or two: date and time.
            let shown = span > 3 * 86_400 ? String(label.prefix(10)) : String(label.dropFirst(5).prefix(11).map { $0 == "T" ? " " : $0 })
            let anchor = step == 0 ? "start" : step == 6 ? "end" : "middle"
            svg += "<text class=\"tick\" x=\"\(fmt(x(time)))\" y=\"\(fmt(height - bottom + 18))\" text-anchor=\"\(anchor)\">\(shown)</text>"
        }
        svg += "<line class=\"axis\" x1=\"\(fmt(left))\" x2=\"\(fmt(width - right))\" y1=\"\(fmt(top + plotHeight))\" y2=\"\(fmt(top + plotHeight))\"/>"
        if points.count <= pointsWithTooltips {
            for (session, time, bytes) in points {
                let title = "\(session.sessionId) · \(ReportText.bytes(bytes)) · \(session.createdAt ?? "") · \(session.status)"
                svg += "<circle class=\"pt st-\(statusClass(session.status))\" cx=\"\(fmt(x(time)))\" cy=\"\(fmt(y(Double(bytes))))\" r=\"3.5\"><title>\(ReportText.html(title, mark: false))</title></circle>"
            }
        } else {
            var paths: [String: String] = [:]
            for (session, time, bytes) in points {
                paths[statusClass(session.status), default: ""] += "M\(fmt(x(time))) \(fmt(y(Double(bytes))))h0"
            }
            for (status, path) in paths.sorted(by: { $0.key < $1.key }) {
                svg += "<path class=\"dots st-\(status)\" d=\"\(path)\"/>"
            }
        }
        svg += "</svg>"
        let legend = legendHTML(Set(points.map { statusClass($0.0.status) }))
        return "<figure class=\"chart wide\">\(caption)\(svg)\(legend)</figure>"
    }

    static func legendHTML(_ statuses: Set<String>) -> String {
        let items = ReportTotals.statusOrder.filter { statuses.contains(statusClass($0)) }
            .map { "<span><i class=\"sw st-\(statusClass($0))\"></i>\(ReportTotals.label($0))</span>" }
        return items.count > 1 ? "<p class=\"legend\">\(items.joined())</p>" : ""
    }

    // MARK: Perf bars

    /// The sessions with the highest p95 (load) or peak (memory) of one
    /// category, with the median of all sessions as a dashed line.
    static func perfBars(_ sessions: [ReportSession], _ category: ReportPerf.Category) -> String? {
        let values = sessions.compactMap { session -> (ReportSession, ReportPerf.Highlight, Double)? in
            guard let highlight = session.perf.first(where: { $0.category == category }), let key = highlight.key, key.isFinite else { return nil }
            return (session, highlight, key)
        }
        guard !values.isEmpty else { return nil }
        let top = values.sorted { ($1.2, $0.0.sessionId) < ($0.2, $1.0.sessionId) }.prefix(barsPerChart)
        let sorted = values.map(\.2).sorted()
        let median = sorted[sorted.count / 2]
        let columns = Set(values.map(\.1.column)).sorted().prefix(3).map { ReportText.html($0) }.joined(separator: ", ")
        let shown = values.count > barsPerChart ? "top \(barsPerChart) of \(ReportText.count(values.count)) sessions" : "\(values.count) session\(values.count == 1 ? "" : "s")"
        let caption = "<figcaption>\(category.label) \(category.statName) per session — \(shown) <span class=\"muted\">(\(columns); median \(ReportText.decimal(median)))</span></figcaption>"
        let row = 20.0, left = 130.0, right = 56.0, top0 = 6.0
        let height = top0 + row * Double(top.count) + 20
        let maxValue = max(top.first?.2 ?? 1, 1e-9)
        let scaleMax = niceTicks(upTo: maxValue).last ?? maxValue
        let plotWidth = width - left - right
        var svg = "<svg viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" role=\"img\" aria-label=\"\(category.label) \(category.statName) per session\">"
        for (position, (session, highlight, value)) in top.enumerated() {
            let y = top0 + row * Double(position)
            let barWidth = max(1, value / scaleMax * plotWidth)
            let id = session.sessionId.count > 18 ? String(session.sessionId.prefix(17)) + "…" : session.sessionId
            let mean = highlight.mean.map { " · mean \(ReportText.decimal($0))" } ?? ""
            let title = "\(session.sessionId) · \(highlight.column) \(category.statName) \(ReportText.decimal(value))\(mean)"
            svg += "<g><title>\(ReportText.html(title, mark: false))</title>"
            svg += "<text class=\"label\" x=\"\(fmt(left - 8))\" y=\"\(fmt(y + 14))\" text-anchor=\"end\">\(ReportText.html(id, mark: false))</text>"
            svg += "<rect class=\"bar\(session.isFailure ? " st-failed" : "")\" x=\"\(fmt(left))\" y=\"\(fmt(y + 3))\" width=\"\(fmt(barWidth))\" height=\"\(fmt(row - 6))\" rx=\"2\"/>"
            if let mean = highlight.mean, mean.isFinite, !category.usesPeak {
                svg += "<line class=\"mean\" x1=\"\(fmt(left + max(0, mean) / scaleMax * plotWidth))\" x2=\"\(fmt(left + max(0, mean) / scaleMax * plotWidth))\" y1=\"\(fmt(y + 2))\" y2=\"\(fmt(y + row - 2))\"/>"
            }
            svg += "<text class=\"value\" x=\"\(fmt(left + barWidth + 6))\" y=\"\(fmt(y + 14))\">\(ReportText.decimal(value))</text></g>"
        }
        let medianX = left + median / scaleMax * plotWidth
        svg += "<line class=\"median\" x1=\"\(fmt(medianX))\" x2=\"\(fmt(medianX))\" y1=\"\(fmt(top0))\" y2=\"\(fmt(height - 16))\"/>"
        svg += "<text class=\"tick\" x=\"\(fmt(medianX))\" y=\"\(fmt(height - 4))\" text-anchor=\"middle\">median</text>"
        svg += "</svg>"
        let note = category.usesPeak ? "" : "<p class=\"legend\"><span><i class=\"sw mean\"></i>mean</span><span><i class=\"sw bar\"></i>\(category.statName)</span></p>"
        return "<figure class=\"chart\">\(caption)\(svg)\(note)</figure>"
    }

    // MARK: Helpers

    /// The binary unit the size axis counts in, so its ticks are round in it
    /// (`0, 2, 4, 6 MiB`, not `0, 2.38, 4.77 MiB`).
    static func byteUnit(_ bytes: UInt64) -> (Double, String) {
        var unit = 1.0
        var names = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"][...]
        while Double(bytes) / unit >= 1024, names.count > 1 {
            unit *= 1024
            names.removeFirst()
        }
        return (unit, names.first ?? "B")
    }

    /// 0 and up to five round steps (1, 2, 2.5 or 5 × 10ⁿ) reaching at least `value`.
    static func niceTicks(upTo value: Double) -> [Double] {
        guard value > 0, value.isFinite else { return [0, 1] }
        var magnitude = 1.0
        while magnitude * 10 <= value / 4 { magnitude *= 10 }
        while magnitude > value / 4, magnitude > 1e-9 { magnitude /= 10 }
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { value / $0 <= 5 } ?? magnitude * 10
        var ticks: [Double] = [0]
        while (ticks.last ?? 0) < value { ticks.append((ticks.last ?? 0) + step) }
        return ticks
    }

    static func statusClass(_ status: String) -> String {
        ReportTotals.statusOrder.contains(status) ? String(status.map { $0 == "_" ? "-" : $0 }) : "other"
    }

    /// Coordinates to a tenth of a unit: enough on screen, short in the file.
    static func fmt(_ value: Double) -> String {
        ReportText.decimal(value, places: 1)
    }
}
