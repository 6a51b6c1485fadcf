import OrderedJSON

/// Perf highlights from a session's `perfStats` (the summary of
/// `stats/perf_stats_v1.csv`). The CSV's columns are the app's own, so they
/// are recognised by name, case-insensitively: `cpu`, `gpu`, `vram` and `mem`
/// anywhere in the name (`cpu_percent`, `Memory_MB`, `gpu_mem_used`).
enum ReportPerf {
    enum Category: String, CaseIterable, Sendable {
        case cpu, memory, gpu, vram

        var label: String {
            switch self {
            case .cpu: "CPU"
            case .memory: "Memory"
            case .gpu: "GPU"
            case .vram: "VRAM"
            }
        }

        /// Load is judged by its 95th percentile (spikes), memory by its peak.
        var usesPeak: Bool { self == .memory || self == .vram }

        var statName: String { usesPeak ? "max" : "p95" }

        /// Which category a column belongs to; GPU memory counts as VRAM, not
        /// as GPU load or system memory.
        static func of(column: String) -> Category? {
            let name = column.lowercased()
            if name.contains("vram") || (name.contains("gpu") && name.contains("mem")) { return .vram }
            if name.contains("gpu") { return .gpu }
            if name.contains("cpu") { return .cpu }
            if name.contains("mem") { return .memory }
            return nil
        }
    }

    struct Highlight: Sendable {
        var category: Category
        /// The column as the CSV names it (shown, since units are the app's).
        var column: String
        var mean: Double?
        var p95: Double?
        var max: Double?

        /// The value charts and the table sort by.
        var key: Double? { category.usesPeak ? max ?? p95 : p95 ?? max }
    }

    /// The first column of each category, in the order the manifest lists them.
    static func highlights(_ perfStats: JSONValue?) -> [Highlight] {
        guard let columns = perfStats?["columns"]?.objectMembers else { return [] }
        var found: [Category: Highlight] = [:]
        for (name, stats) in columns {
            guard let category = Category.of(column: name), found[category] == nil else { continue }
            let highlight = Highlight(category: category, column: name, mean: stats["mean"]?.doubleValue,
                                      p95: stats["p95"]?.doubleValue, max: stats["max"]?.doubleValue)
            if highlight.key != nil { found[category] = highlight }
        }
        return Category.allCases.compactMap { found[$0] }
    }
}
