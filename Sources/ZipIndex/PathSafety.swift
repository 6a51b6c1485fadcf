/// Path rules for names and symlink targets. Backslash counts as a separator:
/// archives made on Windows use it, and a tool that honours it must not be
/// able to write outside the extraction root.
enum PathSafety {
    enum Verdict: Equatable {
        case safe
        case absolute
        case traversal
        /// A NUL byte: C and most tools stop the name there, so the entry would
        /// be written (or shown) under a different name than the one listed.
        case nulByte
    }

    static func components(_ path: String) -> [Substring] {
        path.split(whereSeparator: { $0 == "/" || $0 == "\\" })
    }

    static func isAbsolute(_ path: String) -> Bool {
        if path.hasPrefix("/") || path.hasPrefix("\\") { return true }
        let scalars = Array(path.unicodeScalars.prefix(2))
        // A drive letter ("C:", "C:x", "C:\") is absolute or drive-relative on Windows.
        return scalars.count == 2 && scalars[1] == ":" && scalars[0].isASCII && scalars[0].properties.isAlphabetic
    }

    static func verdict(forName path: String) -> Verdict {
        if isAbsolute(path) { return .absolute }
        if path.utf8.contains(0) {
            // "ok.txt\0/../../x" is a traversal whatever reads it; otherwise the NUL is the problem.
            return components(path).contains("..") ? .traversal : .nulByte
        }
        // Only a name holding ".." can have a ".." component; most names don't.
        // (A byte scan: String.contains(String) is slow enough to show in profiles.)
        var previousWasDot = false
        var hasDotDot = false
        for byte in path.utf8 {
            let isDot = byte == UInt8(ascii: ".")
            if isDot && previousWasDot {
                hasDotDot = true
                break
            }
            previousWasDot = isDot
        }
        guard hasDotDot else { return .safe }
        if components(path).contains("..") { return .traversal }
        return .safe
    }

    /// Whether a link at `linkPath` pointing at `target` resolves outside the root.
    static func symlinkEscapes(linkPath: String, target: String) -> Bool {
        if target.isEmpty || isAbsolute(target) { return true }
        var resolved = components(linkPath).dropLast().map(String.init)
        for component in components(target) {
            switch component {
            case ".": continue
            case "..":
                if resolved.isEmpty { return true }
                resolved.removeLast()
            default: resolved.append(String(component))
            }
        }
        return false
    }
}
