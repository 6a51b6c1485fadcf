/// One shard of a sharded run: `index` of `count`, counted from 0, so
/// `--shard 0/3`, `1/3` and `2/3` together cover every session. 0-based
/// because both engines count that way: a Kubernetes Indexed Job's
/// `JOB_COMPLETION_INDEX` and an AWS Batch array job's
/// `AWS_BATCH_JOB_ARRAY_INDEX` run from 0 to N − 1.
///
/// The shard function is part of the output's contract and never changes:
///
///     shard(arn) = FNV-1a-64(UTF-8 bytes of the session ARN) mod N
///
/// FNV-1a 64-bit: start at 0xcbf29ce484222325; for each byte, XOR it in,
/// then multiply by 0x100000001b3 modulo 2^64. No seed, no platform
/// dependence (Swift's `Hasher` is seeded per process, so it cannot be
/// used), the same on every machine and release; the tests pin vectors
/// computed independently. Every shard lists every session, so all agree
/// on the set, and keeps only its own; a session without an ARN (which no
/// shard could place) belongs to shard 0, so its failure is reported once.
package struct Shard: Sendable, Equatable, CustomStringConvertible {
    package let index: Int
    package let count: Int

    /// The most shards: Kubernetes allows 100,000 completions for an Indexed
    /// Job (AWS Batch 10,000 children), and each shard lists every session.
    package static let maximumCount = 100_000

    /// - Throws: `ShardError` unless `1 ≤ count ≤ maximumCount` and `0 ≤ index < count`.
    package init(index: Int, count: Int) throws(ShardError) {
        guard (1 ... Self.maximumCount).contains(count) else {
            throw ShardError("the shard count must be 1 to \(Self.maximumCount), found \(count)")
        }
        guard (0 ..< count).contains(index) else {
            throw ShardError("shard \(index) of \(count) does not exist: shards are numbered 0 to \(count - 1)")
        }
        self.index = index
        self.count = count
    }

    package var description: String { "\(index)/\(count)" }

    /// The folder a shard writes below the configured output folder, so that
    /// shards never share a folder (and its lock): `<dir>/shard-I-of-N`.
    package var folderName: String { "shard-\(index)-of-\(count)" }

    package func folder(in base: String) -> String {
        let trimmed = base.count > 1 && base.hasSuffix("/") ? String(base.dropLast()) : base
        return trimmed + "/" + folderName
    }

    /// Whether the session with this ARN is this shard's to collect.
    package func owns(arn: String?) -> Bool {
        guard let arn else { return index == 0 }
        return Self.shard(ofARN: arn, count: count) == index
    }

    /// The shard function: FNV-1a 64-bit of the ARN's UTF-8 bytes, mod `count`.
    package static func shard(ofARN arn: String, count: Int) -> Int {
        Int(fnv1a64(arn) % UInt64(max(1, count)))
    }

    package static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// A `--shard` value that cannot be used: exit 2, nothing done.
package struct ShardError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// `--shard I/N` or `--shard auto/N`, as written on the command line.
package enum ShardRequest: Sendable, Equatable {
    case fixed(Shard)
    /// I comes from the engine's environment when the run starts.
    case auto(count: Int)

    /// The environment variables `auto` reads, in this order, and who sets them.
    package static let indexVariables: [(name: String, engine: String)] = [
        ("JOB_COMPLETION_INDEX", "Kubernetes Indexed Job"),
        ("AWS_BATCH_JOB_ARRAY_INDEX", "AWS Batch array job"),
    ]

    /// Parses `I/N` (decimal, 0 ≤ I < N) or `auto/N`.
    package static func parse(_ text: String) throws(ShardError) -> ShardRequest {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = number(parts[1]) else {
            throw ShardError("expected I/N (0 ≤ I < N) or auto/N")
        }
        if parts[0] == "auto" {
            _ = try Shard(index: 0, count: count)
            return .auto(count: count)
        }
        guard let index = number(parts[0]) else {
            throw ShardError("expected I/N (0 ≤ I < N) or auto/N")
        }
        return .fixed(try Shard(index: index, count: count))
    }

    /// The shard, and for `auto` the variable I came from.
    package func resolve(environment: [String: String]) throws(ShardError) -> (shard: Shard, source: (name: String, engine: String)?) {
        switch self {
        case .fixed(let shard):
            return (shard, nil)
        case .auto(let count):
            for variable in Self.indexVariables {
                guard let value = environment[variable.name], !value.isEmpty else { continue }
                guard let index = Self.number(Substring(value)) else {
                    throw ShardError("--shard auto/\(count): \(variable.name) is \"\(value)\", not a shard index")
                }
                guard index < count else {
                    throw ShardError("--shard auto/\(count): \(variable.name) is \(index), outside 0 to \(count - 1)"
                        + " (N must equal the \(variable.engine)'s size)")
                }
                return (try Shard(index: index, count: count), variable)
            }
            throw ShardError("--shard auto/\(count): neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor"
                + " AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) is set; use --shard I/\(count) elsewhere")
        }
    }

    /// Plain decimal digits only: no sign, no spaces, at most 9 digits.
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.utf8.allSatisfy({ (0x30 ... 0x39).contains($0) }) else { return nil }
        return Int(text)
    }
}
