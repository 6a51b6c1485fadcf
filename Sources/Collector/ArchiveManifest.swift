import ZipIndex

/// The archive manifest of CONTRACTS.md ("Archive manifest").
package enum ArchiveManifest {
    package static let schemaVersion: Int64 = 1

    /// The `index --json` document.
    package static func document(_ index: ArchiveIndex) -> JSONValue {
        guard case .object(let members) = body(index) else { return .null }
        return .object([("schemaVersion", .int(schemaVersion))] + members)
    }

    /// The manifest without `schemaVersion`, as a session manifest embeds it.
    package static func body(_ index: ArchiveIndex) -> JSONValue {
        .object([
            ("archive", .object([
                ("path", .string(index.path)),
                ("bytes", .uint(index.bytes)),
                ("sha256", .optional(index.sha256)),
                ("entryCount", .int(Int64(index.entryCount))),
                ("comment", .string(index.comment)),
            ])),
            ("status", .string(index.isOK ? "ok" : "error")),
            ("error", index.error.map { .object([("kind", .string($0.kind.rawValue)), ("message", .string($0.message))]) } ?? .null),
            ("entries", .array(index.entries.map(entry))),
            ("findings", .array(index.findings.map { finding in
                .object([
                    ("kind", .string(finding.kind.rawValue)),
                    ("path", .string(finding.path)),
                    ("message", .string(finding.message)),
                ])
            })),
        ])
    }

    private static func entry(_ entry: IndexedEntry) -> JSONValue {
        .object([
            ("path", .string(entry.path)),
            ("type", .string(entry.type.rawValue)),
            ("method", .string(entry.method.description)),
            ("compressedBytes", .uint(entry.compressedBytes)),
            ("bytes", .uint(entry.bytes)),
            ("crc32", .string(entry.crc32String)),
            ("sha256", .optional(entry.sha256)),
            ("modified", .optional(entry.modified)),
            ("mode", .optional(entry.modeString)),
            ("encrypted", .bool(entry.encrypted)),
            ("status", .string(entry.isOK ? "ok" : "error")),
            ("error", entry.error.map { .object([("kind", .string($0.kind.rawValue)), ("message", .string($0.message))]) } ?? .null),
        ])
    }
}
