import OrderedJSON
import Logging

/// Log lines go to standard error, as text for people or JSON Lines for log
/// collectors (`--log-format`); standard output stays for manifests.
package enum LogSetup {
    package enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    /// Installs the process-wide handler; call once, before the first log line.
    package static func bootstrap(level: Logger.Level, format: Format) {
        LoggingSystem.bootstrap { label in
            var handler = StandardErrorLogHandler(label: label, format: format)
            handler.logLevel = level
            return handler
        }
    }
}

struct StandardErrorLogHandler: LogHandler {
    let label: String
    let format: LogSetup.Format
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        switch format {
        case .text:
            let details = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            Console.error("\(event.level): \(event.message)\(details.isEmpty ? "" : " \(details)")")
        case .json:
            var members: [(String, JSONValue)] = [
                ("level", .string(event.level.rawValue)),
                ("logger", .string(label)),
                ("message", .string(event.message.description)),
            ]
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
                members.append((key, .string(value.description)))
            }
            Console.error(JSONValue.object(members).serialized(pretty: false))
        }
    }
}
