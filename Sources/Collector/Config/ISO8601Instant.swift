import GameLiftStreams
/// ISO 8601 instants as seconds since 1970, without Foundation's formatters:
/// `pipeline.json` needs the strict RFC 3339 profile with exact messages, and
/// `perf_stats_v1.csv` has a timestamp on each of up to a million rows.
package enum ISO8601Instant {
    package enum Outcome: Sendable, Equatable {
        case instant(Double)
        /// A well-formed date-time with no `Z` or offset (strict mode only).
        case missingZone
        case invalid
    }

    /// Parses `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
    ///
    /// Strict (configuration): exactly that, with upper-case `T` and `Z`, as
    /// `pipeline.schema.json`'s pattern says. Lenient (CSV timestamps): also a
    /// space or lower-case `t`, lower-case `z`, `±HHMM`, and no zone at all,
    /// which is taken as UTC.
    package static func parse(_ text: UnsafeBufferPointer<UInt8>, lenient: Bool = false) -> Outcome {
        var scanner = Scanner(bytes: text)
        guard let year = scanner.digits(4), scanner.take(UInt8(ascii: "-")),
              let month = scanner.digits(2), scanner.take(UInt8(ascii: "-")),
              let day = scanner.digits(2),
              (1 ... 12).contains(month), (1 ... daysIn(month: month, year: year)).contains(day)
        else { return .invalid }
        let midnight = Double(daysSinceEpoch(year: year, month: month, day: day)) * 86_400
        if scanner.atEnd { return .instant(midnight) }

        guard scanner.take(UInt8(ascii: "T")) || (lenient && scanner.take(UInt8(ascii: "t"), or: UInt8(ascii: " "))),
              let hour = scanner.digits(2), scanner.take(UInt8(ascii: ":")),
              let minute = scanner.digits(2), scanner.take(UInt8(ascii: ":")),
              let second = scanner.digits(2),
              hour < 24, minute < 60, second < 60
        else { return .invalid }
        var seconds = midnight + Double(hour * 3600 + minute * 60 + second)
        if scanner.take(UInt8(ascii: ".")) {
            guard let fraction = scanner.fraction() else { return .invalid }
            seconds += fraction
        }
        if scanner.atEnd { return lenient ? .instant(seconds) : .missingZone }

        if scanner.take(UInt8(ascii: "Z")) || (lenient && scanner.take(UInt8(ascii: "z"))) {
            return scanner.atEnd ? .instant(seconds) : .invalid
        }
        guard scanner.take(UInt8(ascii: "+"), or: UInt8(ascii: "-")) else { return .invalid }
        let offsetSign = scanner.previous
        guard let offsetHours = scanner.digits(2) else { return .invalid }
        let colon = scanner.take(UInt8(ascii: ":"))
        guard colon || lenient, let offsetMinutes = scanner.digits(2), offsetHours < 24, offsetMinutes < 60, scanner.atEnd else {
            return .invalid
        }
        let offset = Double(offsetHours * 3600 + offsetMinutes * 60)
        return .instant(offsetSign == UInt8(ascii: "+") ? seconds - offset : seconds + offset)
    }

    package static func parse(_ text: String, lenient: Bool = false) -> Outcome {
        var text = text
        return text.withUTF8 { parse($0, lenient: lenient) }
    }

    static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 (proleptic Gregorian calendar), one implementation
    /// for the whole tool: `APITimestamp`'s.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        Int(APITimestamp.days(year: Int64(year), month: Int64(month), day: Int64(day)))
    }

    /// Over a buffer pointer rather than a generic collection: unspecialised
    /// generics are slow in debug builds, and this runs once per CSV row.
    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        var previous: UInt8 = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        var atEnd: Bool { position == bytes.endIndex }

        /// Consumes `byte` (or `other`) when it comes next; no arrays, since
        /// this runs for every timestamp of a large CSV file.
        mutating func take(_ byte: UInt8, or other: UInt8? = nil) -> Bool {
            guard position < bytes.endIndex, bytes[position] == byte || bytes[position] == other else { return false }
            previous = bytes[position]
            position += 1
            return true
        }

        /// Exactly `count` ASCII digits.
        mutating func digits(_ count: Int) -> Int? {
            guard bytes.endIndex - position >= count else { return nil }
            var value = 0
            for offset in 0 ..< count {
                let byte = bytes[position + offset]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            position += count
            return value
        }

        /// One or more digits after the decimal point, as a fraction of a second.
        mutating func fraction() -> Double? {
            var value = 0.0
            var scale = 0.1
            let start = position
            while position < bytes.endIndex, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                value += Double(bytes[position] - UInt8(ascii: "0")) * scale
                scale /= 10
                position += 1
            }
            return position > start ? value : nil
        }
    }
}
