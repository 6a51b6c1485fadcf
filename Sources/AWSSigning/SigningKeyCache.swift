import Locking

/// Derived SigV4 signing keys, kept per scope date, region and service.
///
/// A key is valid for a whole UTC day, so one derivation (four HMACs) serves
/// every request of that day. Shared by the copies of one ``AWSSigner`` (whose
/// credentials cannot change), guarded by a `Mutex`. It keeps a handful of
/// entries: when the day rolls over the old ones are dropped.
final class SigningKeyCache: Sendable {
    struct Scope: Hashable, Sendable {
        var day: String
        var region: String
        var service: String
    }

    private static let capacity = 8
    private let entries = Lock<[Scope: [UInt8]]>([:])

    /// The cached key for `scope`, or the one `derive` makes (then cached).
    func key(for scope: Scope, derive: () -> [UInt8]) -> [UInt8] {
        if let key = entries.withLock({ $0[scope] }) { return key }
        let key = derive()
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll() }
            entries[scope] = key
        }
        return key
    }

    /// How many keys are cached.
    var count: Int { entries.withLock { $0.count } }
}
