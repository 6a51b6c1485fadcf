import OrderedJSON

/// Key paths as people write them in messages: `download.concurrency`,
/// `source.streamGroups[2]`, and `output["odd key"]` for names that are not
/// plain identifiers.
enum KeyPath {
    static func member(_ parent: String, _ key: String) -> String {
        if isIdentifier(key) { return parent.isEmpty ? key : "\(parent).\(key)" }
        return "\(parent)[\(JSONValue.string(key).serialized(pretty: false))]"
    }

    static func element(_ parent: String, _ index: Int) -> String {
        "\(parent)[\(index)]"
    }

    /// `1` rather than `1.0` in a rule such as "must be at least 1".
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(first) else { return false }
        return key.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"),
                 UInt8(ascii: "0") ... UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "$"): true
            default: false
            }
        }
    }
}

extension JSONValue {
    /// The value as a message shows it after "found": scalars as written
    /// (long strings cut), containers by kind.
    var shownInMessage: String {
        switch self {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let value): return String(value)
        case .uint(let value): return String(value)
        case .double(let value): return String(value)
        case .string(let text):
            let limit = 60
            let shown = text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
            return JSONValue.string(shown).serialized(pretty: false)
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// "did you mean" hints for misspelt keys and values.
enum Suggestion {
    /// ` (did you mean "via"?)` when one of `candidates` is within two edits
    /// of `word` (ignoring case, a swap of neighbours counting as one), else "".
    static func didYouMean(_ word: String, among candidates: [String]) -> String {
        let target = Array(word.lowercased())
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(target, Array(candidate.lowercased()), limit: 2)
            // A distance as long as the word itself means no resemblance ("a" is two edits from "via").
            guard distance <= 2, distance < target.count else { continue }
            if best.map({ distance < $0.distance }) ?? true { best = (candidate, distance) }
        }
        return best.map { " (did you mean \(JSONValue.string($0.candidate).serialized(pretty: false))?)" } ?? ""
    }

    /// `"signed" or "presigned"`; `one of "a", "b", "c"` for longer lists.
    static func list(_ choices: [String]) -> String {
        let quoted = choices.map { JSONValue.string($0).serialized(pretty: false) }
        if quoted.count == 2 { return "\(quoted[0]) or \(quoted[1])" }
        return "one of " + quoted.joined(separator: ", ")
    }

    /// Optimal string alignment distance; anything over `limit` is reported as
    /// `limit + 1` without the full table, so a megabyte-long key costs nothing.
    static func editDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int {
        guard abs(a.count - b.count) <= limit else { return limit + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0 ... b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1 ... a.count {
            current[0] = i
            for j in 1 ... b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previous2[j - 2] + 1)
                }
                current[j] = value
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
