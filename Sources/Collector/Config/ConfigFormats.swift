/// The string formats of `pipeline.json`, each the exact counterpart of a
/// pattern in `pipeline.schema.json` (the tests run both on the same
/// documents), written over UTF-8 bytes rather than with a regex engine.
enum ConfigFormats {
    /// `sg-` and letters or digits, or
    /// `arn:aws[-x…]:gameliftstreams:<region>:<12 digits>:streamgroup/sg-…`;
    /// at most 128 characters, the API's limit for a stream group identifier.
    static func isStreamGroup(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count <= 128 else { return false }
        if isStreamGroupID(bytes[...]) { return true }
        let fields = bytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0].elementsEqual("arn".utf8), fields[2].elementsEqual("gameliftstreams".utf8) else {
            return false
        }
        let prefix = Array("streamgroup/".utf8)
        return isPartition(fields[1]) && isAWSRegion(fields[3])
            && fields[4].count == 12 && fields[4].allSatisfy(isDigit)
            && fields[5].starts(with: prefix) && isStreamGroupID(fields[5].dropFirst(prefix.count))
    }

    /// What botocore accepts as a region name: a DNS label of letters, digits and hyphens.
    static func isRegionName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1 ... 63).contains(bytes.count), let first = bytes.first, let last = bytes.last else { return false }
        return isAlphanumeric(first) && isAlphanumeric(last)
            && bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    /// `http(s)://host[:port][/path][?query]`: a host (or bracketed IPv6
    /// literal) without credentials, a port 1–65535 without leading zeros, and
    /// no spaces or control characters anywhere.
    static func isEndpointURL(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var position: Int
        if bytes.starts(with: "http://".utf8) {
            position = 7
        } else if bytes.starts(with: "https://".utf8) {
            position = 8
        } else {
            return false
        }
        let hostStart = position
        if position < bytes.count, bytes[position] == UInt8(ascii: "[") {
            position += 1
            while position < bytes.count, isHexDigit(bytes[position]) || bytes[position] == UInt8(ascii: ":") || bytes[position] == UInt8(ascii: ".") {
                position += 1
            }
            guard position > hostStart + 1, position < bytes.count, bytes[position] == UInt8(ascii: "]") else { return false }
            position += 1
        } else {
            while position < bytes.count, isHostByte(bytes[position]) { position += 1 }
            guard position > hostStart else { return false }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ":") {
            let portStart = position + 1
            position = portStart
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            let digits = bytes[portStart ..< position]
            guard (1 ... 5).contains(digits.count), digits.first != UInt8(ascii: "0"),
                  let port = Int(String(decoding: digits, as: UTF8.self)), port <= 65535
            else { return false }
        }
        guard position < bytes.count else { return true }
        guard [UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#")].contains(bytes[position]) else { return false }
        return bytes[position...].allSatisfy { !isControlOrSpace($0) }
    }

    private static func isStreamGroupID(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count > 3 && bytes.starts(with: "sg-".utf8) && bytes.dropFirst(3).allSatisfy(isAlphanumeric)
    }

    /// `aws`, `aws-cn`, `aws-us-gov`, `aws-iso-b`, …
    private static func isPartition(_ bytes: ArraySlice<UInt8>) -> Bool {
        let parts = bytes.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        return parts[0].elementsEqual("aws".utf8) && parts.dropFirst().allSatisfy { !$0.isEmpty && $0.allSatisfy(isLowercase) }
    }

    /// `us-west-2`, `us-gov-west-1`: two letters, one or more words, a number.
    private static func isAWSRegion(_ bytes: ArraySlice<UInt8>) -> Bool {
        let parts = bytes.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count >= 3, let first = parts.first, let last = parts.last else { return false }
        return first.count == 2 && first.allSatisfy(isLowercase)
            && parts.dropFirst().dropLast().allSatisfy { !$0.isEmpty && $0.allSatisfy(isLowercase) }
            && !last.isEmpty && last.allSatisfy(isDigit)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) }
    private static func isLowercase(_ byte: UInt8) -> Bool { (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains(byte) }
    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || isLowercase(byte) || (UInt8(ascii: "A") ... UInt8(ascii: "Z")).contains(byte)
    }
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a") ... UInt8(ascii: "f")).contains(byte) || (UInt8(ascii: "A") ... UInt8(ascii: "F")).contains(byte)
    }
    private static func isControlOrSpace(_ byte: UInt8) -> Bool { byte <= 0x20 || byte == 0x7F }
    private static func isHostByte(_ byte: UInt8) -> Bool {
        !isControlOrSpace(byte) && !"/?#@:[]".utf8.contains(byte)
    }
}
