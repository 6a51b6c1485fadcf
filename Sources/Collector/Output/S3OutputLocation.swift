import S3

/// `output.dir` (or `--output`, or `merge -o`/an input) given as
/// `s3://bucket/prefix/`: the output folder's layout under a key prefix.
package struct S3OutputLocation: Sendable, Equatable, CustomStringConvertible {
    package var bucket: String
    /// Empty (the bucket's root) or ending in `/`.
    package var prefix: String

    /// `nil` when `text` is not an `s3://` URI at all.
    /// - Throws: `S3Error` `.invalidURI` for an `s3://` URI that cannot be an output prefix.
    package init?(_ text: String) throws(S3Error) {
        guard text.hasPrefix("s3://") || text.hasPrefix("S3://") else { return nil }
        let uri = try S3URI(parsing: "s3://" + text.dropFirst(5))
        var prefix = uri.key
        while prefix.hasSuffix("//") { prefix.removeLast() }
        if !prefix.isEmpty, !prefix.hasSuffix("/") { prefix += "/" }
        // A key segment "." or ".." would be taken apart by some S3 tools and
        // consoles; nothing the collector writes needs one.
        if prefix.split(separator: "/", omittingEmptySubsequences: false).dropLast().contains(where: { $0 == "." || $0 == ".." || $0.isEmpty }) {
            throw S3Error(.invalidURI, "\(text): the prefix may not hold empty, '.' or '..' segments")
        }
        bucket = uri.bucket
        self.prefix = prefix
    }

    /// The object of a path relative to the output folder (`sessions/X.json`).
    package func uri(_ relative: String) -> S3URI {
        S3URI(bucket: bucket, key: prefix + relative)
    }

    package var description: String { "s3://\(bucket)/\(prefix)" }

    /// Why `text`, an `s3://` output, cannot be used; `nil` when it can (or is local).
    package static func problem(_ text: String) -> String? {
        do throws(S3Error) {
            _ = try S3OutputLocation(text)
            return nil
        } catch {
            return error.message
        }
    }

    /// Whether `text` names an S3 output (`s3://`, as the config and the command line take it).
    package static func isS3(_ text: String) -> Bool {
        text.hasPrefix("s3://") || text.hasPrefix("S3://")
    }
}
