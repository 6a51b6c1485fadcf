extension String {
    /// The text with control characters (C0, DEL, C1) and bidirectional
    /// overrides spelled out as `\u{1B}`: names come from archives, and an
    /// entry called "x\n error: …" or "\u{1B}[2J" must not forge a line of
    /// output or drive the terminal that reads it. Printable text is unchanged.
    package var withVisibleControls: String {
        guard unicodeScalars.contains(where: Self.mustBeShown) else { return self }
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if Self.mustBeShown(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func mustBeShown(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00 ... 0x1F, 0x7F ... 0x9F: true
        // LRE, RLE, PDF, LRO, RLO and the isolates: they reorder what follows.
        case 0x202A ... 0x202E, 0x2066 ... 0x2069: true
        default: false
        }
    }
}
