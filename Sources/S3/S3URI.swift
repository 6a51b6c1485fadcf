/// An `s3://bucket/key` location. The key is taken literally, as the AWS CLI
/// does: it may hold any UTF-8, spaces, `+`, `%` and `//`, and is never
/// percent-decoded. A key ending in `/` (or empty) is a prefix.
package struct S3URI: Sendable, Hashable, CustomStringConvertible {
    package var bucket: String
    package var key: String

    package init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
    }

    /// - Throws: `S3Error` of kind `invalidURI` naming what is wrong.
    package init(parsing text: String) throws(S3Error) {
        guard text.hasPrefix("s3://") else {
            throw S3Error(.invalidURI, "\(text): not an s3:// URI")
        }
        let rest = text.dropFirst("s3://".count)
        let bucket: Substring
        let key: Substring
        if let slash = rest.firstIndex(of: "/") {
            bucket = rest[..<slash]
            key = rest[rest.index(after: slash)...]
        } else {
            bucket = rest
            key = ""
        }
        guard S3URI.isValidBucketName(bucket) else {
            throw S3Error(.invalidURI, "\(text): '\(bucket)' is not a valid bucket name")
        }
        self.bucket = String(bucket)
        self.key = String(key)
    }

    /// The URI names a prefix (a "folder") rather than one object.
    package var isPrefix: Bool { key.isEmpty || key.hasSuffix("/") }

    package var description: String { "s3://\(bucket)/\(key)" }

    /// S3's bucket naming rules: 3–63 characters of lowercase letters, digits,
    /// dots and hyphens, starting and ending with a letter or digit, not an IP
    /// address. Older buckets may hold uppercase or underscores; those are
    /// accepted too, as the service still serves them with path-style requests.
    static func isValidBucketName(_ name: Substring) -> Bool {
        guard (3 ... 255).contains(name.count) else { return false }
        let allowed = name.unicodeScalars.allSatisfy {
            ("a" ... "z").contains($0) || ("A" ... "Z").contains($0) || ("0" ... "9").contains($0)
                || $0 == "." || $0 == "-" || $0 == "_"
        }
        guard allowed, let first = name.unicodeScalars.first, let last = name.unicodeScalars.last else { return false }
        let alphanumeric: (Unicode.Scalar) -> Bool = { $0.properties.isAlphabetic || ("0" ... "9").contains($0) }
        return alphanumeric(first) && alphanumeric(last) && !name.contains("..")
    }

    /// Whether the bucket can be a DNS label of a virtual-hosted request.
    var isDNSCompatible: Bool {
        bucket.count <= 63 && bucket == bucket.lowercased() && !bucket.contains("_") && !bucket.contains(".")
            && !isIPAddress(bucket)
    }
}

func isIPAddress(_ host: String) -> Bool {
    let parts = host.split(separator: ".", omittingEmptySubsequences: false)
    if parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) { return true }
    return host.contains(":")
}
