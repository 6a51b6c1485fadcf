/// What `index` verifies and the limits it enforces (CONTRACTS.md defaults).
package struct IndexOptions: Sendable {
    /// Compute SHA-256 of the archive and of every entry.
    package var sha256: Bool = true
    /// More entries than this is an archive-level `limits` error.
    package var maxEntries: UInt64 = 200_000
    /// More declared uncompressed bytes in total than this is an archive-level `limits` error.
    package var maxUncompressedBytes: UInt64 = 68_719_476_736
    /// An entry whose uncompressed/compressed ratio exceeds this is not inflated.
    package var maxCompressionRatio: Double = 1000
    /// Hash on a second thread while the first inflates (both cores of a batch machine).
    package var parallelHashing: Bool = true

    package init() {}
}
