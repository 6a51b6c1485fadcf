import Foundation
import Testing
@testable import Collector
import OrderedJSON

/// `stats/perf_stats_v1.csv` summaries: the documented columns, any other
/// header, RFC 4180 details, cut-off files, a million rows, random bytes.
@Suite("perf_stats_v1.csv")
struct PerfStatsTests {
    /// The columns Amazon GameLift Streams documents for the file (developer
    /// guide, "Real-time performance stats", Performance stats reference).
    static let documentedHeader = "timestamp,app_cpu_normalized,app_mem_mb,app_mem_normalized,shared_sys_cpu_pct,"
        + "shared_sys_mem_mb,shared_sys_mem_pct,shared_sys_gpu_pct,shared_sys_vram_mb,shared_sys_vram_pct"

    /// Ten minutes of a session as the service would export it: one row a
    /// second, ISO 8601 timestamps, CRLF line endings, a load that rises and falls.
    static func realisticSample(seconds: Int = 600) -> (csv: String, columns: [[Double]]) {
        var generator = SplitMix(seed: 42)
        var lines = [documentedHeader]
        var columns = [[Double]](repeating: [], count: 9)
        let start = 1_795_899_845 // 2026-11-28T21:04:05Z
        for second in 0 ..< seconds {
            let load = 0.5 + 0.4 * sin(Double(second) / 60) + generator.unit() * 0.1
            let row: [Double] = [
                (load * 1.1 * 1000).rounded() / 1000,        // app_cpu_normalized
                (3000 + load * 2000).rounded(),              // app_mem_mb
                (load * 0.9 * 1000).rounded() / 1000,        // app_mem_normalized
                (load * 80 * 10).rounded() / 10,             // shared_sys_cpu_pct
                (6000 + load * 3000).rounded(),              // shared_sys_mem_mb
                (40 + load * 30 * 10).rounded() / 10,        // shared_sys_mem_pct
                (load * 95 * 10).rounded() / 10,             // shared_sys_gpu_pct
                (2000 + load * 4000).rounded(),              // shared_sys_vram_mb
                (load * 60 * 10).rounded() / 10,             // shared_sys_vram_pct
            ]
            for (index, value) in row.enumerated() { columns[index].append(value) }
            let stamp = iso8601(start + second) // e.g. 2026-11-28T21:04:05.000Z
            lines.append(([stamp] + row.map { format($0) }).joined(separator: ","))
        }
        return (lines.joined(separator: "\r\n") + "\r\n", columns)
    }

    static func iso8601(_ seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// What the summary must say, computed the plain way: sort, index, divide.
    static func expected(_ values: [Double]) -> JSONValue {
        let sorted = values.sorted()
        let rank = Int((0.95 * Double(sorted.count)).rounded(.up))
        func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
        return .object([
            ("min", .double(round3(sorted[0]))),
            ("mean", .double(round3(values.reduce(0, +) / Double(values.count)))),
            ("p95", .double(round3(sorted[max(rank, 1) - 1]))),
            ("max", .double(round3(sorted[sorted.count - 1]))),
        ])
    }

    static func summary(_ text: String) -> JSONValue? {
        PerfStats.summarize(Array(text.utf8))
    }

    static func columnNames(_ summary: JSONValue?) -> [String] {
        summary?["columns"]?.objectMembers?.map(\.0) ?? []
    }

    @Test("the documented columns: every statistic, header order, timestamp left out, duration from it")
    func realistic() throws {
        let (csv, columns) = Self.realisticSample()
        let summary = try #require(Self.summary(csv))
        #expect(summary["samples"] == .int(600))
        #expect(summary["durationSeconds"] == .double(599))
        let names = Self.documentedHeader.split(separator: ",").dropFirst().map(String.init)
        #expect(Self.columnNames(summary) == names)
        for (name, values) in zip(names, columns) {
            #expect(summary["columns"]?[name] == Self.expected(values), "\(name)")
        }
        #expect(summary.objectMembers?.map(\.0) == ["samples", "durationSeconds", "columns"])
        #expect(summary["columns"]?["app_mem_mb"]?.objectMembers?.map(\.0) == ["min", "mean", "p95", "max"])
    }

    @Test("any header: epoch-second timestamps, text and empty columns skipped, gaps tolerated")
    func otherColumns() throws {
        let csv = """
            timestamp,cpu_percent,memory_mb,note,gpu_percent,empty
            1796335200,20.5,3000,start,,
            1796335201,30.5,3100,,50,
            1796335202,40.5,3200,busy,60,
            1796335205,50.5,3300,,70,

            """
        let summary = try #require(Self.summary(csv))
        #expect(summary["samples"] == .int(4))
        #expect(summary["durationSeconds"] == .double(5))
        #expect(Self.columnNames(summary) == ["cpu_percent", "memory_mb", "gpu_percent"])
        #expect(summary["columns"]?["cpu_percent"] == Self.expected([20.5, 30.5, 40.5, 50.5]))
        #expect(summary["columns"]?["gpu_percent"] == Self.expected([50, 60, 70]))
    }

    @Test("timestamps: milliseconds, offsets and spaces, or none at all (samples − 1); frame_time_ms is no clock")
    func timestamps() throws {
        let millis = Self.summary("time_ms,v\n1796335200000,1\n1796335201500,2\n")
        #expect(millis?["durationSeconds"] == .double(1.5))
        #expect(Self.columnNames(millis) == ["v"])
        let offsets = Self.summary("Date,v\n2026-11-28 23:00:00+02:00,1\n2026-11-28T21:00:30Z,2\n")
        #expect(offsets?["durationSeconds"] == .double(30))
        let none = Self.summary("cpu,gpu\n1,2\n3,4\n5,6\n")
        #expect(none?["durationSeconds"] == .double(2))
        let frames = try #require(Self.summary("frame_time_ms,fps\n16.6,60\n33.3,30\n16.7,60\n"))
        #expect(frames["durationSeconds"] == .double(2))
        #expect(Self.columnNames(frames) == ["frame_time_ms", "fps"])
        // The first column that really holds times wins; a later one is a statistic like any other.
        let two = try #require(Self.summary("frame_time,timestamp,uptime\n16,1796335200,100\n17,1796335210,110\n"))
        #expect(two["durationSeconds"] == .double(10))
        #expect(Self.columnNames(two) == ["frame_time", "uptime"])
    }

    static let percentileCases: [([Double], Double)] = [
        ((1 ... 20).map { Double($0) }, 19),
        ((1 ... 100).map { Double($0) }, 95),
        ((1 ... 21).map { Double($0) }, 20),
        ([7], 7),
        ([1, 2], 2),
        ([5, 5, 5, 5], 5),
        ([3, -1, 2, 10, 0.5], 10),
    ]

    @Test("p95 is the nearest rank: the ⌈0.95 n⌉-th smallest sample", arguments: percentileCases)
    func percentile(_ values: [Double], _ expected: Double) {
        #expect(PerfStats.nearestRank95(values) == expected)
        #expect(PerfStats.nearestRank95(values.reversed()) == expected)
    }

    @Test("selection agrees with sorting on shuffled, sorted, reversed and repetitive data")
    func selection() {
        var generator = SplitMix(seed: 7)
        for count in [1, 2, 3, 10, 99, 100, 101, 1000, 4097] {
            let random = (0 ..< count).map { _ in (generator.unit() * 1000).rounded() }
            let repetitive = (0 ..< count).map { Double($0 % 3) }
            let ascending = (0 ..< count).map(Double.init)
            for values in [random, repetitive, ascending, Array(ascending.reversed())] {
                let rank = Int((0.95 * Double(count)).rounded(.up))
                #expect(PerfStats.nearestRank95(values) == values.sorted()[rank - 1], "\(count)")
            }
        }
    }

    @Test("RFC 4180: quotes, doubled quotes, CRLF and lone CR, a byte order mark, blank lines")
    func rfc4180() throws {
        let csv = "\u{FEFF}\"time,stamp\",\"say \"\"hi\"\"\",\"cpu\"\r\n"
            + "\r\n"
            + "1796335200,\"a,b\",\" 1.5 \"\r\n"
            + "   \n"
            + "1796335201,\"multi\nline\",2.5\r"
            + "1796335203,\"\",\"3.5\"\r\n"
        let summary = try #require(Self.summary(csv))
        #expect(summary["samples"] == .int(3))
        #expect(summary["durationSeconds"] == .double(3))
        #expect(Self.columnNames(summary) == ["cpu"])
        #expect(summary["columns"]?["cpu"] == Self.expected([1.5, 2.5, 3.5]))
        // Header names: quoted names keep their commas, quotes are unescaped.
        let names = try #require(Self.summary("\"a,b\",\"say \"\"hi\"\"\"\n1,2\n"))
        #expect(Self.columnNames(names) == ["a,b", "say \"hi\""])
    }

    @Test("a cut-off file: a short last line or an open quote is dropped; a whole last line is kept")
    func truncated() {
        let header = "timestamp,cpu,gpu\n1796335200,10,20\n1796335201,11,21\n"
        #expect(Self.summary(header + "1796335202,1")?["samples"] == .int(2))
        #expect(Self.summary(header + "1796335202,12,\"2")?["samples"] == .int(2))
        #expect(Self.summary(header + "1796335202,12,22")?["samples"] == .int(3))
        #expect(Self.summary(header + "1796335202,12,22")?["durationSeconds"] == .double(2))
        // A trailing comma at the very end leaves an empty last field, not a short row.
        #expect(Self.summary(header + "1796335202,12,")?["samples"] == .int(3))
        // Short rows in the middle are kept; their missing cells are empty.
        let middle = Self.summary("a,b\n1\n2,3\n")
        #expect(middle?["samples"] == .int(2))
        #expect(middle?["columns"]?["b"] == Self.expected([3]))
    }

    @Test("nothing to summarise: no header or no rows", arguments: ["", "\u{FEFF}", "\n\n  \r\n", "timestamp,cpu\n", "timestamp,cpu", "\n\ncpu\n\n"])
    func empty(_ csv: String) {
        #expect(Self.summary(csv) == nil)
    }

    @Test("header names: trimmed, empty ones numbered, repeats suffixed; rounding to 3 decimals, no -0")
    func namesAndRounding() throws {
        let summary = try #require(Self.summary(" cpu ,,cpu,cpu,x\n0.3333333,1,2,3,-0.0004\n0.6666666,1,2,3,-0.0001\n"))
        #expect(Self.columnNames(summary) == ["cpu", "column_2", "cpu_2", "cpu_3", "x"])
        #expect(summary["columns"]?["cpu"] == .object([("min", .double(0.333)), ("mean", .double(0.5)), ("p95", .double(0.667)), ("max", .double(0.667))]))
        #expect(summary["columns"]?["x"]?["max"] == .double(0))
        #expect(summary.serialized(pretty: false).contains("\"x\":{\"min\":0,\"mean\":0,\"p95\":0,\"max\":0}"))
    }

    @Test("numbers: decimal forms only, exact on the fast path, correctly rounded past it")
    func numbers() {
        func parse(_ text: String) -> Double? {
            Array(text.utf8).withUnsafeBufferPointer { PerfStats.parseNumber($0) }
        }
        #expect(parse("42") == 42 && parse("-0.25") == -0.25 && parse("+3") == 3)
        #expect(parse(".5") == 0.5 && parse("5.") == 5 && parse("1e3") == 1000 && parse("2.5E-3") == 0.0025)
        #expect(parse("0.000000000000000000000001") == 1e-24)
        for text in ["", "-", ".", "e5", "1e", "1e+", "nan", "NaN", "inf", "-Infinity", "0x10", "1.2.3", "1,5", "12a", "1e400", "--1"] {
            #expect(parse(text) == nil, "\(text)")
        }
        for text in ["0.1", "0.3", "123456.789", "3.141592653589793", "12345678901234567890", "1.7976931348623157e308",
                     "4.9e-324", "0.30000000000000004", "9007199254740993", "1e22", "1e23", "123.456e-20"] {
            #expect(parse(text) == Double(text), "\(text)")
        }
    }

    @Test("a million rows, streamed", .timeLimit(.minutes(3)))
    func millionRows() throws {
        let rows = 1_000_000
        var csv: [UInt8] = []
        csv.reserveCapacity(rows * 40)
        csv += Array("timestamp,cpu_pct,mem_mb,gpu_pct\n".utf8)
        func append(_ value: Int) {
            if value >= 10 { append(value / 10) }
            csv.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        let start = 1_795_899_845
        for row in 0 ..< rows {
            append(start + row)
            csv.append(UInt8(ascii: ","))
            append(row % 100)
            csv += [UInt8(ascii: "."), UInt8(ascii: "5"), UInt8(ascii: ",")]
            append(4000 + row % 1000)
            csv.append(UInt8(ascii: ","))
            append((row * 7) % 101)
            csv.append(UInt8(ascii: "\n"))
        }
        let started = Date()
        let summary = try #require(PerfStats.summarize(csv))
        let seconds = Date().timeIntervalSince(started)
        #expect(summary["samples"] == .int(Int64(rows)))
        #expect(summary["durationSeconds"] == .double(Double(rows - 1)))
        // cpu_pct is 0.5 … 99.5, each 10,000 times: the 950,000th smallest is 94.5.
        #expect(summary["columns"]?["cpu_pct"] == .object([("min", .double(0.5)), ("mean", .double(50)), ("p95", .double(94.5)), ("max", .double(99.5))]))
        #expect(summary["columns"]?["mem_mb"]?["p95"] == .double(4949))
        #expect(Self.columnNames(summary) == ["cpu_pct", "mem_mb", "gpu_pct"])
        // Generous for a debug build on a loaded 2-core machine; a release build takes well under a second.
        #expect(seconds < 60, "summarising 1,000,000 rows took \(seconds) s")
    }

    @Test("random bytes and damaged files never crash")
    func garbage() {
        var generator = SplitMix(seed: 2026)
        let alphabet = Array("0123456789.,-+eE\"\r\n \tabcTZ:".utf8)
        let (sample, _) = Self.realisticSample(seconds: 30)
        let template = Array(sample.utf8)
        for round in 0 ..< 3000 {
            var bytes: [UInt8]
            switch round % 3 {
            case 0:
                bytes = (0 ..< generator.below(200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            case 1:
                bytes = (0 ..< generator.below(200)).map { _ in alphabet[generator.below(alphabet.count)] }
            default:
                bytes = Array(template.prefix(generator.below(template.count + 1)))
                for _ in 0 ..< generator.below(5) where !bytes.isEmpty {
                    bytes[generator.below(bytes.count)] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            if let summary = PerfStats.summarize(bytes) {
                #expect((summary["samples"]?.intValue ?? 0) >= 1)
                #expect(summary["columns"]?.objectMembers != nil)
                _ = summary.serialized(pretty: false)
            }
        }
    }
}

/// A small seeded generator, so a failing case can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    mutating func below(_ bound: Int) -> Int { bound <= 0 ? 0 : Int(next() % UInt64(bound)) }
}
