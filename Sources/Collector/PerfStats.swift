import OrderedJSON

/// The `perfStats` summary of a session manifest, from the archive's
/// `stats/perf_stats_v1.csv`.
///
/// Amazon GameLift Streams samples once a second. Its documented columns
/// (developer guide, "Real-time performance stats", Performance stats
/// reference) are `timestamp` (ISO 8601), `app_cpu_normalized`, `app_mem_mb`,
/// `app_mem_normalized`, `shared_sys_cpu_pct`, `shared_sys_mem_mb`,
/// `shared_sys_mem_pct`, `shared_sys_gpu_pct`, `shared_sys_vram_mb` and
/// `shared_sys_vram_pct`; the `_v1` says they may change, so nothing here
/// depends on them: the header row names the columns, whatever they are.
///
/// - A column is numeric when every non-empty cell is a finite decimal
///   number; it gets `min`, `mean`, `p95` and `max` over those cells.
/// - The timestamp column is the first whose name contains `time` or `date`
///   (any case) and whose every non-empty cell is an ISO 8601 instant (UTC
///   when no zone is given) or an epoch number: seconds, or milliseconds from
///   1e11 up. Epoch numbers below 1e8 (before 1973) are not timestamps, so a
///   `frame_time_ms` column stays a statistic. It is left out of `columns`, and
///   `durationSeconds` is its last value minus its first; without one,
///   `durationSeconds` is samples − 1 (one sample a second).
/// - p95 is the nearest-rank percentile: the ⌈0.95 × n⌉-th smallest value,
///   always one of the samples, never interpolated.
/// - Values are rounded to 3 decimals so manifests compare equal run to run.
///
/// Parsing follows RFC 4180 (quoted fields with `""`, CRLF or LF, a UTF-8
/// byte order mark), forgiving what a cut-off export produces: blank lines
/// are skipped, and a last line with no line ending is dropped when it has
/// fewer fields than the header or ends inside quotes. The bytes are read
/// once, row by row; only the numbers of still-numeric columns are kept.
package enum PerfStats {
    /// `nil` when there is no header row or no data row.
    package static func summarize(_ csv: [UInt8]) -> JSONValue? {
        csv.withUnsafeBufferPointer { summarize($0) }
    }

    private static func summarize(_ buffer: UnsafeBufferPointer<UInt8>) -> JSONValue? {
        var reader = CSVReader(buffer)
        var row = CSVReader.Row()
        var columns: [Column] = []
        var sawHeader = false
        var samples = 0
        while let end = reader.next(into: &row) {
            if row.isBlank(in: buffer) { continue }
            guard sawHeader else {
                sawHeader = true
                columns = uniqueNames(row.fields.map { row.text(of: $0, in: buffer) }).map(Column.init(name:))
                continue
            }
            if end != .lineEnding, row.fields.count < columns.count || end == .unterminatedQuote {
                continue // the export was cut off in this row
            }
            samples += 1
            for index in 0 ..< min(columns.count, row.fields.count) {
                row.withBytes(of: row.fields[index], in: buffer) { columns[index].add($0) }
            }
        }
        guard sawHeader, samples > 0 else { return nil }

        let clock = columns.firstIndex { $0.isTimestampColumn }
        var summaries: [(String, JSONValue)] = []
        for (index, column) in columns.enumerated() where index != clock {
            if let summary = column.summary() { summaries.append((column.name, summary)) }
        }
        let duration = clock.flatMap { columns[$0].timeSpan } ?? Double(samples - 1)
        return .object([
            ("samples", .int(Int64(samples))),
            ("durationSeconds", .double(rounded(duration))),
            ("columns", .object(summaries)),
        ])
    }

    /// Header names, trimmed; an empty one becomes `column_<n>` and a repeat
    /// gets `_2`, `_3`, … so `columns` never has two members of one name.
    private static func uniqueNames(_ raw: [String]) -> [String] {
        var seen = Set<String>()
        return raw.enumerated().map { position, name in
            let base = name.isEmpty ? "column_\(position + 1)" : name
            var unique = base
            var suffix = 2
            while !seen.insert(unique).inserted {
                unique = "\(base)_\(suffix)"
                suffix += 1
            }
            return unique
        }
    }

    static func rounded(_ value: Double) -> Double {
        guard abs(value) < 1e15 else { return value }
        let result = (value * 1000).rounded() / 1000
        return result == 0 ? 0 : result // no "-0"
    }
}

// MARK: - Columns

extension PerfStats {
    /// What one column has shown so far.
    fileprivate struct Column {
        let name: String
        /// Still numeric: every non-empty cell so far was a number.
        var numeric = true
        var values: [Double] = []
        var minimum = Double.infinity
        var maximum = -Double.infinity
        var sum = 0.0
        /// Still a timestamp candidate (by name, then by every value).
        var timestamps: Bool
        var firstInstant: Double?
        var lastInstant: Double?

        init(name: String) {
            self.name = name
            let lower = name.lowercased()
            timestamps = lower.contains("time") || lower.contains("date")
        }

        var isTimestampColumn: Bool { timestamps && firstInstant != nil }

        var timeSpan: Double? {
            guard let firstInstant, let lastInstant else { return nil }
            return lastInstant - firstInstant
        }

        mutating func add(_ cell: UnsafeBufferPointer<UInt8>) {
            guard numeric || timestamps else { return } // a text column: nothing left to learn
            let trimmed = PerfStats.trim(cell)
            guard !trimmed.isEmpty else { return }
            let number = PerfStats.parseNumber(trimmed)
            if numeric {
                if let number {
                    values.append(number)
                    minimum = Swift.min(minimum, number)
                    maximum = Swift.max(maximum, number)
                    sum += number
                } else {
                    numeric = false
                    values = [] // give the memory back at once
                }
            }
            if timestamps {
                if let instant = number.flatMap(PerfStats.epochSeconds) ?? PerfStats.isoSeconds(trimmed) {
                    if firstInstant == nil { firstInstant = instant }
                    lastInstant = instant
                } else {
                    timestamps = false
                }
            }
        }

        /// `{"min", "mean", "p95", "max"}`, or `nil` for a column with no numbers.
        func summary() -> JSONValue? {
            guard numeric, !values.isEmpty else { return nil }
            var mean = sum / Double(values.count)
            if !mean.isFinite {
                // The sum overflowed (values near Double's limit): average piecewise instead.
                let count = Double(values.count)
                mean = values.reduce(0) { $0 + $1 / count }
            }
            return .object([
                ("min", .double(PerfStats.rounded(minimum))),
                ("mean", .double(PerfStats.rounded(mean))),
                ("p95", .double(PerfStats.rounded(PerfStats.nearestRank95(values)))),
                ("max", .double(PerfStats.rounded(maximum))),
            ])
        }
    }

    /// An epoch number as seconds: milliseconds from 1e11 (that many seconds is
    /// the year 5138), `nil` below 1e8 (1973), which is no clock reading.
    fileprivate static func epochSeconds(_ number: Double) -> Double? {
        guard number >= 1e8 else { return nil }
        return number >= 1e11 ? number / 1000 : number
    }

    fileprivate static func isoSeconds(_ cell: UnsafeBufferPointer<UInt8>) -> Double? {
        if case .instant(let seconds) = ISO8601Instant.parse(cell, lenient: true) { return seconds }
        return nil
    }

    /// The ⌈0.95 × n⌉-th smallest of `values` (n ≥ 1), by selection on a copy:
    /// O(n) instead of sorting a million numbers.
    static func nearestRank95(_ values: [Double]) -> Double {
        let rank = (95 * values.count + 99) / 100 // ⌈0.95 n⌉ in integers, no rounding surprises
        var copy = values
        return copy.withUnsafeMutableBufferPointer { select(rank - 1, in: $0) }
    }

    /// Quickselect with three-way partitioning (runs of equal values, common
    /// in idle columns, cost nothing) and a median-of-three pivot; after too
    /// many rounds (hostile orderings) it sorts what is left.
    private static func select(_ target: Int, in values: UnsafeMutableBufferPointer<Double>) -> Double {
        var low = 0
        var high = values.count - 1
        var rounds = 0
        while low < high {
            rounds += 1
            if rounds > 64 {
                var rest = UnsafeMutableBufferPointer(rebasing: values[low ... high])
                rest.sort()
                break
            }
            let middle = low + (high - low) / 2
            let pivot = medianOfThree(values[low], values[middle], values[high])
            // values[low..<less] < pivot, values[less..<scan] == pivot, values[greater+1...high] > pivot
            var less = low
            var scan = low
            var greater = high
            while scan <= greater {
                let value = values[scan]
                if value < pivot {
                    values.swapAt(less, scan)
                    less += 1
                    scan += 1
                } else if value > pivot {
                    values.swapAt(scan, greater)
                    greater -= 1
                } else {
                    scan += 1
                }
            }
            if target < less {
                high = less - 1
            } else if target > greater {
                low = greater + 1
            } else {
                return pivot
            }
        }
        return values[target]
    }

    private static func medianOfThree(_ a: Double, _ b: Double, _ c: Double) -> Double {
        max(min(a, b), min(max(a, b), c))
    }
}

// MARK: - Numbers

extension PerfStats {
    fileprivate static func trim(_ cell: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0
        var end = cell.count
        while start < end, cell[start] == 0x20 || cell[start] == 0x09 { start += 1 }
        while end > start, cell[end - 1] == 0x20 || cell[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: cell[start ..< end])
    }

    /// A finite decimal number (`-12`, `3.5`, `.5`, `1e-3`), else `nil`: no
    /// `nan`, `inf` or hex floats, which `Double(String)` would take. Up to 15
    /// digits and 10^±22 are converted exactly here (Clinger's fast path: both
    /// the digits and the power of ten are exact doubles); longer forms go to
    /// the standard library's correctly rounded parser.
    static func parseNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        let count = bytes.count
        var position = 0
        var negative = false
        if position < count, bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+") {
            negative = bytes[position] == UInt8(ascii: "-")
            position += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var significant = 0
        var scale = 0 // power of ten to apply to the mantissa
        var sawDigit = false
        while position < count, let digit = digitValue(bytes[position]) {
            sawDigit = true
            accumulate(digit, into: &mantissa, significant: &significant, dropped: &scale)
            digits += 1
            position += 1
        }
        if position < count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            while position < count, let digit = digitValue(bytes[position]) {
                sawDigit = true
                var dropped = 0
                accumulate(digit, into: &mantissa, significant: &significant, dropped: &dropped)
                if dropped == 0 { scale -= 1 }
                digits += 1
                position += 1
            }
        }
        guard sawDigit else { return nil }
        var exponent = 0
        if position < count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            var exponentNegative = false
            if position < count, bytes[position] == UInt8(ascii: "-") || bytes[position] == UInt8(ascii: "+") {
                exponentNegative = bytes[position] == UInt8(ascii: "-")
                position += 1
            }
            var exponentDigits = 0
            while position < count, let digit = digitValue(bytes[position]) {
                if exponent < 100_000 { exponent = exponent * 10 + digit }
                exponentDigits += 1
                position += 1
            }
            guard exponentDigits > 0 else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        guard position == count else { return nil }

        let power = scale + exponent
        let value: Double
        if significant <= 15, abs(power) <= 22 {
            let magnitude = Double(mantissa)
            value = power < 0 ? magnitude / powersOfTen[-power] : magnitude * powersOfTen[power]
        } else {
            guard let parsed = Double(String(decoding: bytes, as: UTF8.self)) else { return nil }
            value = abs(parsed)
        }
        guard value.isFinite else { return nil }
        return negative ? -value : value
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }

    /// Adds a digit to the mantissa while it has room for 19; past that the
    /// digit only counts (`significant`, and `dropped` for integer digits),
    /// and the slow path takes over.
    private static func accumulate(_ digit: Int, into mantissa: inout UInt64, significant: inout Int, dropped: inout Int) {
        if significant == 0, digit == 0 { return } // leading zeros are not significant
        if significant < 19 {
            mantissa = mantissa * 10 + UInt64(digit)
        } else {
            dropped += 1
        }
        significant += 1
    }

    private static let powersOfTen: [Double] = (0 ... 22).map { exponent in
        var value = 1.0
        for _ in 0 ..< exponent { value *= 10 }
        return value
    }
}

// MARK: - CSV

/// RFC 4180 rows over a byte buffer, one at a time, without copying
/// unquoted fields.
private struct CSVReader {
    enum RowEnd: Equatable {
        case lineEnding
        /// The input ended without a line ending after this row.
        case endOfInput
        /// The input ended inside a quoted field.
        case unterminatedQuote
    }

    /// A field: a range of the input, or (quoted fields, unescaped) of `scratch`.
    struct Field {
        var start: Int
        var end: Int
        var inScratch: Bool
        var quoted: Bool
    }

    struct Row {
        var fields: [Field] = []
        var scratch: [UInt8] = []

        /// One empty or whitespace-only unquoted field: a blank line.
        func isBlank(in input: UnsafeBufferPointer<UInt8>) -> Bool {
            guard fields.count == 1, let field = fields.first, !field.quoted else { return false }
            return withBytes(of: field, in: input) { PerfStats.trim($0).isEmpty }
        }

        func withBytes<Result>(of field: Field, in input: UnsafeBufferPointer<UInt8>,
                               _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
            if field.inScratch {
                return scratch.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[field.start ..< field.end])) }
            }
            return body(UnsafeBufferPointer(rebasing: input[field.start ..< field.end]))
        }

        func text(of field: Field, in input: UnsafeBufferPointer<UInt8>) -> String {
            withBytes(of: field, in: input) { String(decoding: PerfStats.trim($0), as: UTF8.self) }
        }
    }

    private let input: UnsafeBufferPointer<UInt8>
    private var position = 0

    init(_ input: UnsafeBufferPointer<UInt8>) {
        self.input = input
        if input.count >= 3, input[0] == 0xEF, input[1] == 0xBB, input[2] == 0xBF { position = 3 }
    }

    /// Reads the next row into `row`; `nil` at the end of the input.
    mutating func next(into row: inout Row) -> RowEnd? {
        guard position < input.count else { return nil }
        row.fields.removeAll(keepingCapacity: true)
        row.scratch.removeAll(keepingCapacity: true)
        while true {
            if input[position] == UInt8(ascii: "\"") {
                guard readQuoted(into: &row) else { return .unterminatedQuote }
            } else {
                let start = position
                while position < input.count, !isDelimiter(input[position]) { position += 1 }
                row.fields.append(Field(start: start, end: position, inScratch: false, quoted: false))
            }
            guard position < input.count else { return .endOfInput }
            switch input[position] {
            case UInt8(ascii: ","):
                position += 1
                if position == input.count {
                    // "a,b," at the very end: the row's last field is empty.
                    row.fields.append(Field(start: position, end: position, inScratch: false, quoted: false))
                    return .endOfInput
                }
            case UInt8(ascii: "\r"):
                position += 1
                if position < input.count, input[position] == UInt8(ascii: "\n") { position += 1 }
                return .lineEnding
            default: // "\n"
                position += 1
                return .lineEnding
            }
        }
    }

    /// A quoted field into `row.scratch` with `""` unescaped; text after the
    /// closing quote (not RFC 4180, but seen) is kept. `false` when the input
    /// ends inside the quotes.
    private mutating func readQuoted(into row: inout Row) -> Bool {
        let start = row.scratch.count
        position += 1
        var closed = false
        while position < input.count {
            let byte = input[position]
            position += 1
            if byte == UInt8(ascii: "\"") {
                if position < input.count, input[position] == UInt8(ascii: "\"") {
                    row.scratch.append(byte)
                    position += 1
                } else {
                    closed = true
                    break
                }
            } else {
                row.scratch.append(byte)
            }
        }
        while closed, position < input.count, !isDelimiter(input[position]) {
            row.scratch.append(input[position])
            position += 1
        }
        row.fields.append(Field(start: start, end: row.scratch.count, inScratch: true, quoted: true))
        return closed
    }

    private func isDelimiter(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }
}
