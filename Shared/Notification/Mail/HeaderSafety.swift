/// Keeps untrusted text (environment names, versions, owners, error messages) from changing
/// a message's header structure: whatever reaches a header passes through here.
public enum HeaderSafety {
    /// One line of text: CR, LF and every other control character (C0, DEL, C1, and the
    /// Unicode line and paragraph separators) become a space; runs of spaces collapse.
    public static func singleLine(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let isControl =
                scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028
                || scalar.value == 0x2029
            let isSpace = isControl || scalar == " "
            if isSpace {
                if !lastWasSpace { result.append(" ") }
                lastWasSpace = true
            } else {
                result.append(scalar)
                lastWasSpace = false
            }
        }
        return String(result).trimmingSpaces()
    }

    /// A bare email address fit for a header and an SMTP envelope: `local@domain`, printable
    /// ASCII, no spaces, quotes, angle brackets, commas or semicolons; `nil` otherwise.
    public static func address(_ text: String) -> String? {
        let trimmed = text.trimmingSpaces()
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, trimmed.utf8.count <= 254 else { return nil }
        let forbidden: Set<UInt8> = Array("<>()[]\\,;:\" ".utf8).reduce(into: []) { $0.insert($1) }
        for byte in trimmed.utf8 where byte < 0x21 || byte > 0x7E || forbidden.contains(byte) { return nil }
        return trimmed
    }
}

extension String {
    func trimmingSpaces() -> String {
        var view = Substring(self)
        while view.first == " " { view.removeFirst() }
        while view.last == " " { view.removeLast() }
        return String(view)
    }
}
