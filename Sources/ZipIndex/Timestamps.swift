/// ISO 8601 UTC formatting without Foundation's formatters, which are slow
/// for archives with tens of thousands of entries.
enum Timestamps {
    /// Formats seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ`.
    static func iso8601(unixSeconds: Int64) -> String {
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let secondsOfDay = unixSeconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        return format(year: year, month: month, day: day, hour: Int(secondsOfDay / 3600),
                      minute: Int(secondsOfDay % 3600 / 60), second: Int(secondsOfDay % 60))
    }

    /// Formats a DOS date and time (APPNOTE 4.4.6), taken as UTC; `nil` when invalid.
    static func iso8601(dosDate: UInt16, dosTime: UInt16) -> String? {
        let year = 1980 + Int(dosDate >> 9)
        let month = Int(dosDate >> 5 & 0xF)
        let day = Int(dosDate & 0x1F)
        let hour = Int(dosTime >> 11)
        let minute = Int(dosTime >> 5 & 0x3F)
        let second = Int(dosTime & 0x1F) * 2
        guard (1 ... 12).contains(month), (1 ... 31).contains(day), hour < 24, minute < 60, second < 60 else {
            return nil
        }
        return format(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    private static func civilDate(daysSinceEpoch: Int64) -> (Int, Int, Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    /// Formats into 20 ASCII bytes directly: string interpolation with padding
    /// showed up in profiles of 50,000-entry archives.
    private static func format(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> String {
        guard (0 ... 9999).contains(year) else {
            return "\(year)-\(month)-\(day)T\(hour):\(minute):\(second)Z"
        }
        return String(unsafeUninitializedCapacity: 20) { buffer in
            func put(_ value: Int, _ width: Int, at offset: Int) {
                var value = value
                for position in stride(from: offset + width - 1, through: offset, by: -1) {
                    buffer[position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(year, 4, at: 0)
            buffer[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            buffer[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            buffer[10] = UInt8(ascii: "T")
            put(hour, 2, at: 11)
            buffer[13] = UInt8(ascii: ":")
            put(minute, 2, at: 14)
            buffer[16] = UInt8(ascii: ":")
            put(second, 2, at: 17)
            buffer[19] = UInt8(ascii: "Z")
            return 20
        }
    }
}
