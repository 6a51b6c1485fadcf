import OrderedJSON
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
    /// A listing (`mode` `listing`) says so first; a verified index has no `mode`,
    /// so its manifest is what it always was.
    package static func body(_ index: ArchiveIndex) -> JSONValue {
        .object(modeMember(index) + [
            ("archive", archive(index)),
            ("status", .string(index.isOK ? "ok" : "error")),
            ("error", index.error.map { .object([("kind", .string($0.kind.rawValue)), ("message", .string($0.message))]) } ?? .null),
            ("entries", .array(index.entries.map(entry))),
            ("findings", .array(index.findings.map(finding))),
        ])
    }

    private static func modeMember(_ index: ArchiveIndex) -> [(String, JSONValue)] {
        index.mode == .listing ? [("mode", .string(index.mode.rawValue))] : []
    }

    /// Writes the `index --json` document piece by piece, handing `emit` about a
    /// megabyte at a time, so an archive of 200,000 entries never needs its whole
    /// manifest in memory twice. Byte for byte what `document(_:)` serialises to.
    package static func stream(_ index: ArchiveIndex, emit: ([UInt8]) -> Void) {
        var out: [UInt8] = []
        out.reserveCapacity(1 << 20)
        func member(_ name: String, first: Bool = false) {
            if !first { out.append(UInt8(ascii: ",")) }
            JSONValue.newline(&out, pretty: true, depth: 1)
            JSONValue.writeString(name, into: &out)
            out.append(contentsOf: ": ".utf8)
        }
        out.append(UInt8(ascii: "{"))
        member("schemaVersion", first: true)
        JSONValue.int(schemaVersion).write(into: &out, pretty: true, depth: 1)
        for (name, value) in modeMember(index) {
            member(name)
            value.write(into: &out, pretty: true, depth: 1)
        }
        member("archive")
        archive(index).write(into: &out, pretty: true, depth: 1)
        member("status")
        JSONValue.string(index.isOK ? "ok" : "error").write(into: &out, pretty: true, depth: 1)
        member("error")
        (index.error.map { .object([("kind", .string($0.kind.rawValue)), ("message", .string($0.message))]) } ?? JSONValue.null)
            .write(into: &out, pretty: true, depth: 1)
        member("entries")
        writeArray(index.entries, into: &out, emit: emit) { entry, out in writeEntry(entry, into: &out) }
        member("findings")
        writeArray(index.findings, into: &out, emit: emit) { finding($0).write(into: &$1, pretty: true, depth: 2) }
        JSONValue.newline(&out, pretty: true, depth: 0)
        out.append(contentsOf: "}\n".utf8)
        emit(out)
    }

    private static func writeArray<T>(_ items: [T], into out: inout [UInt8], emit: ([UInt8]) -> Void, element: (T, inout [UInt8]) -> Void) {
        guard !items.isEmpty else { return out.append(contentsOf: "[]".utf8) }
        out.append(UInt8(ascii: "["))
        for (position, item) in items.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.newline(&out, pretty: true, depth: 2)
            element(item, &out)
            if out.count >= 1 << 20 {
                emit(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        JSONValue.newline(&out, pretty: true, depth: 1)
        out.append(UInt8(ascii: "]"))
    }

    private static func archive(_ index: ArchiveIndex) -> JSONValue {
        .object([
            ("path", .string(index.path)),
            ("bytes", .uint(index.bytes)),
            ("sha256", .optional(index.sha256)),
            ("entryCount", .int(Int64(index.entryCount))),
            ("comment", .string(index.comment)),
        ])
    }

    private static func finding(_ finding: Finding) -> JSONValue {
        .object([
            ("kind", .string(finding.kind.rawValue)),
            ("path", .string(finding.path)),
            ("message", .string(finding.message)),
        ])
    }

    /// The same bytes as `entry(_:).write(into:pretty:depth: 2)`, without building
    /// the intermediate value: archives of 50,000 entries spend their time here.
    private static func writeEntry(_ entry: IndexedEntry, into out: inout [UInt8]) {
        var first = true
        func key(_ name: StaticString) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: "\n      \"".utf8)
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: "\": ".utf8)
        }
        func string(_ value: String?) {
            if let value { JSONValue.writeString(value, into: &out) } else { out.append(contentsOf: "null".utf8) }
        }
        out.append(UInt8(ascii: "{"))
        key("path"); string(entry.path)
        key("type"); string(entry.type.rawValue)
        key("method"); string(entry.method.description)
        key("compressedBytes"); writeNumber(entry.compressedBytes, into: &out)
        key("bytes"); writeNumber(entry.bytes, into: &out)
        key("crc32"); string(entry.crc32String)
        key("sha256"); string(entry.sha256)
        if !entry.verified { key("verified"); out.append(contentsOf: "false".utf8) }
        key("modified"); string(entry.modified)
        key("mode"); string(entry.modeString)
        key("encrypted"); out.append(contentsOf: (entry.encrypted ? "true" : "false").utf8)
        key("status"); string(entry.isOK ? "ok" : "error")
        key("error")
        if let error = entry.error {
            JSONValue.object([("kind", .string(error.kind.rawValue)), ("message", .string(error.message))])
                .write(into: &out, pretty: true, depth: 3)
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(contentsOf: "\n    }".utf8)
    }

    private static func writeNumber(_ value: UInt64, into out: inout [UInt8]) {
        guard value >= 10 else { return out.append(UInt8(ascii: "0") + UInt8(value)) }
        var digits: (UInt64, Int) = (value, 0)
        var reversed = [UInt8]()
        reversed.reserveCapacity(20)
        while digits.0 > 0 {
            reversed.append(UInt8(ascii: "0") + UInt8(digits.0 % 10))
            digits.0 /= 10
            digits.1 += 1
        }
        out.append(contentsOf: reversed.reversed())
    }

    private static func entry(_ entry: IndexedEntry) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("path", .string(entry.path)),
            ("type", .string(entry.type.rawValue)),
            ("method", .string(entry.method.description)),
            ("compressedBytes", .uint(entry.compressedBytes)),
            ("bytes", .uint(entry.bytes)),
            ("crc32", .string(entry.crc32String)),
            ("sha256", .optional(entry.sha256)),
        ]
        if !entry.verified { members.append(("verified", .bool(false))) }
        members += [
            ("modified", .optional(entry.modified)),
            ("mode", .optional(entry.modeString)),
            ("encrypted", .bool(entry.encrypted)),
            ("status", .string(entry.isOK ? "ok" : "error")),
            ("error", entry.error.map { .object([("kind", .string($0.kind.rawValue)), ("message", .string($0.message))]) } ?? .null),
        ]
        return .object(members)
    }
}
