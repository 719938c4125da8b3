import Foundation

/// UUIDs as text without the C library's formatted I/O. Foundation writes `uuidString` with
/// `snprintf` and reads `UUID(uuidString:)` with `sscanf`; ids are in every message, row and
/// page, and under `perf` the two took 3–4 % of a service's CPU (the scheduler's drain of
/// scheduled starts, intake's history page).
extension UUID {
    /// The id in lower case, as messages and the API write it: `uuidString.lowercased()`,
    /// without its two copies.
    public var lowercasedString: String { text(digits: Self.lowerDigits) }

    /// The id in upper case: `uuidString`, without `snprintf`.
    public var uppercasedString: String { text(digits: Self.upperDigits) }

    /// Reads `text` as `UUID(uuidString:)` does, and accepts the same strings: the
    /// 36-character form in either case is read here, anything else is left to Foundation.
    public init?(parsing text: String) {
        var text = text
        if let bytes = text.withUTF8({ Self.parse($0) }) {
            self.init(uuid: bytes)
        } else if let id = UUID(uuidString: text) {
            self = id
        } else {
            return nil
        }
    }

    private static let lowerDigits: (UInt8, UInt8) = (UInt8(ascii: "0"), UInt8(ascii: "a") - 10)
    private static let upperDigits: (UInt8, UInt8) = (UInt8(ascii: "0"), UInt8(ascii: "A") - 10)

    private func text(digits: (UInt8, UInt8)) -> String {
        withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { out in
                var at = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    let high = bytes[index] >> 4
                    let low = bytes[index] & 0x0F
                    out[at] = high < 10 ? digits.0 + high : digits.1 + high
                    out[at + 1] = low < 10 ? digits.0 + low : digits.1 + low
                    at += 2
                }
                return 36
            }
        }
    }

    /// The 16 bytes of `8-4-4-4-12` hex digits (either case), or `nil` for anything else.
    private static func parse(_ text: UnsafeBufferPointer<UInt8>) -> uuid_t? {
        guard text.count == 36, text[8] == UInt8(ascii: "-"), text[13] == UInt8(ascii: "-"), text[18] == UInt8(ascii: "-"),
            text[23] == UInt8(ascii: "-")
        else { return nil }
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let read = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
            var at = 0
            for index in 0..<16 {
                if at == 8 || at == 13 || at == 18 || at == 23 { at += 1 }
                guard let high = nibble(text[at]), let low = nibble(text[at + 1]) else { return false }
                out[index] = high << 4 | low
                at += 2
            }
            return true
        }
        return read ? bytes : nil
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
