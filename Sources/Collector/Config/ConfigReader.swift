import OrderedJSON

/// Walks a parsed `pipeline.json` and collects every problem instead of
/// stopping at the first: people fix a configuration in one go, not one
/// error per run. Each reader returns `nil` after reporting, so the caller
/// keeps the default and carries on.
///
/// A class because the section readers hand it to member closures; it lives
/// for one parse on one thread.
final class ConfigReader {
    private(set) var problems: [ConfigError.Problem] = []

    func report(_ keyPath: String?, _ message: String) {
        problems.append(ConfigError.Problem(keyPath: keyPath, message: message))
    }

    /// Calls `body` with each known member of the object `value`, in document
    /// order, and reports unknown and repeated keys there. Returns `false`
    /// (after reporting) when `value` is not an object.
    @discardableResult
    func members(of value: JSONValue, at path: String, known: [String],
                 _ body: (_ key: String, _ value: JSONValue, _ path: String) -> Void) -> Bool {
        guard case .object(let members) = value else {
            report(path, "expected an object, found \(value.shownInMessage)")
            return false
        }
        var seen = Set<String>()
        for (key, member) in members {
            let memberPath = KeyPath.member(path, key)
            guard seen.insert(key).inserted else {
                // JSON parsers disagree on which repeat wins; refusing both is the only
                // reading that cannot silently differ from what the author meant.
                report(memberPath, "duplicate key")
                continue
            }
            guard known.contains(key) else {
                report(memberPath, "unknown key" + Suggestion.didYouMean(key, among: known))
                continue
            }
            body(key, member, memberPath)
        }
        return true
    }

    /// `null` means "not set" (`.some(nil)`); anything else goes through `read`.
    /// `nil` after a problem was reported.
    func orNull<T>(_ value: JSONValue, _ read: (JSONValue) -> T?) -> T?? {
        if case .null = value { return .some(nil) }
        return read(value).map { .some($0) }
    }

    func string(_ value: JSONValue, at path: String) -> String? {
        guard case .string(let text) = value else {
            report(path, "expected a string, found \(value.shownInMessage)")
            return nil
        }
        return text
    }

    func nonEmptyString(_ value: JSONValue, at path: String, emptyMessage: String) -> String? {
        guard let text = string(value, at: path) else { return nil }
        guard !text.isEmpty else {
            report(path, emptyMessage)
            return nil
        }
        return text
    }

    func bool(_ value: JSONValue, at path: String) -> Bool? {
        guard case .bool(let flag) = value else {
            report(path, "expected true or false, found \(value.shownInMessage)")
            return nil
        }
        return flag
    }

    /// One of `choices`, matched exactly (the service's enums are case-sensitive).
    func choice(_ value: JSONValue, at path: String, among choices: [String]) -> String? {
        let expected = Suggestion.list(choices)
        guard case .string(let text) = value else {
            report(path, "expected \(expected), found \(value.shownInMessage)")
            return nil
        }
        guard choices.contains(text) else {
            report(path, "expected \(expected), found \(value.shownInMessage)" + Suggestion.didYouMean(text, among: choices))
            return nil
        }
        return text
    }

    /// An integer in `range`. As in JSON Schema, `4.0` and `4e0` are the integer 4.
    func integer(_ value: JSONValue, at path: String, in range: ClosedRange<Int>) -> Int? {
        guard let number = value.doubleValue else {
            report(path, "expected an integer, found \(value.shownInMessage)")
            return nil
        }
        guard number == number.rounded() else {
            report(path, "expected an integer, found \(value.shownInMessage)")
            return nil
        }
        let exact: Int? = switch value {
        case .int(let int): Int(exactly: int)
        case .uint(let uint): Int(exactly: uint)
        default: Int(exactly: number)
        }
        guard let exact, range.contains(exact) else {
            report(path, "\(Self.rangeRule(range.lowerBound, range.upperBound, max: Int.max, below: number < Double(range.lowerBound))), found \(value.shownInMessage)")
            return nil
        }
        return exact
    }

    /// An integer of at least `minimum` that fits 64 unsigned bits.
    func unsignedInteger(_ value: JSONValue, at path: String, atLeast minimum: UInt64) -> UInt64? {
        guard let number = value.doubleValue, number == number.rounded() else {
            report(path, "expected an integer, found \(value.shownInMessage)")
            return nil
        }
        let exact: UInt64? = switch value {
        case .int(let int): UInt64(exactly: int)
        case .uint(let uint): uint
        default: UInt64(exactly: number)
        }
        guard let exact, exact >= minimum else {
            report(path, "\(Self.rangeRule(minimum, UInt64.max, max: UInt64.max, below: number < Double(minimum))), found \(value.shownInMessage)")
            return nil
        }
        return exact
    }

    /// Any number above (or, when `inclusive`, at least) `minimum`.
    func number(_ value: JSONValue, at path: String, minimum: Double, inclusive: Bool) -> Double? {
        guard let number = value.doubleValue else {
            report(path, "expected a number, found \(value.shownInMessage)")
            return nil
        }
        guard inclusive ? number >= minimum : number > minimum else {
            let bound = KeyPath.number(minimum)
            report(path, "must be \(inclusive ? "at least" : "greater than") \(bound), found \(value.shownInMessage)")
            return nil
        }
        return number
    }

    /// `must be 1…64`; without a real upper bound (only the type's), `must be
    /// at least 1` or, for a value past what 64 bits hold, `must be at most …`.
    private static func rangeRule<T: BinaryInteger>(_ lower: T, _ upper: T, max: T, below: Bool) -> String {
        guard upper == max else { return "must be \(lower)…\(upper)" }
        return below ? "must be at least \(lower)" : "must be at most \(upper)"
    }
}
