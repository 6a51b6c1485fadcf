/// Why `pipeline.json` cannot be used: every problem found, each naming its
/// key path, so one run of the tool shows everything to fix (exit status 2).
package struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    package struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// `download.concurrency`, `source.streamGroups[2]`; `nil` for the file
        /// as a whole (unreadable, not JSON, not an object).
        package var keyPath: String?
        package var message: String

        package init(keyPath: String?, message: String) {
            self.keyPath = keyPath
            self.message = message
        }

        package var description: String { keyPath.map { "\($0): \(message)" } ?? message }
    }

    /// The file as the user named it.
    package var file: String
    /// Never empty: the first problem is kept apart so the type cannot say "no problem".
    private var first: Problem
    private var rest: [Problem]

    package init(file: String, keyPath: String? = nil, message: String) {
        self.init(file: file, first: Problem(keyPath: keyPath, message: message), rest: [])
    }

    /// `nil` when `problems` is empty.
    package init?(file: String, problems: [Problem]) {
        guard let first = problems.first else { return nil }
        self.init(file: file, first: first, rest: Array(problems.dropFirst()))
    }

    private init(file: String, first: Problem, rest: [Problem]) {
        self.file = file
        self.first = first
        self.rest = rest
    }

    /// In document order.
    package var problems: [Problem] { [first] + rest }
    package var keyPath: String? { first.keyPath }
    package var message: String { first.message }

    /// `pipeline.json: download.concurrency: must be 1…64, found 0 (and 2 more)`.
    package var description: String {
        "\(file): \(first)" + (rest.isEmpty ? "" : " (and \(rest.count) more)")
    }

    /// One `<file>: <keyPath>: <message>` line per problem, for standard error.
    package var lines: [String] { problems.map { "\(file): \($0)" } }
}
