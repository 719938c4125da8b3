/// Reads JSON from bytes, one value at a time, for the hand-made readers of the critical
/// path's messages (``StepMessagesJSON``). It is strict and gives up rather than guess: every
/// read answers `nil` on anything it does not accept (bad syntax, an escape it does not know,
/// a number that is not a plain integer where one is wanted, invalid UTF-8), and the caller
/// then hands the whole body to `JSONDecoder`, which reads it or says what is wrong. So a
/// body this reader accepts reads as `JSONDecoder` reads it, and any other body is
/// `JSONDecoder`'s to judge.
struct JSONReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var offset = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Whether only whitespace is left.
    mutating func atEnd() -> Bool {
        skipWhitespace()
        return offset == bytes.count
    }

    /// Consumes `byte` (after whitespace) when it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard offset < bytes.count, bytes[offset] == byte else { return false }
        offset += 1
        return true
    }

    /// Reads an object's members: `body` is called with each key, and reads its value (it
    /// answers `false` to give up). `nil` when the object is not well formed or `body` gave up.
    mutating func object(_ body: (inout JSONReader, String) -> Bool) -> Void? {
        guard consume(UInt8(ascii: "{")) else { return nil }
        if consume(UInt8(ascii: "}")) { return () }
        repeat {
            guard let key = string(), consume(UInt8(ascii: ":")), body(&self, key) else { return nil }
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "}")) ? () : nil
    }

    /// Reads an array's items with `body` (it answers `false` to give up).
    mutating func array(_ body: (inout JSONReader) -> Bool) -> Void? {
        guard consume(UInt8(ascii: "[")) else { return nil }
        if consume(UInt8(ascii: "]")) { return () }
        repeat {
            guard body(&self) else { return nil }
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "]")) ? () : nil
    }

    /// Consumes `null` when it is next.
    mutating func null() -> Bool { literal("null") }

    /// `true` or `false`.
    mutating func bool() -> Bool? {
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    /// A whole number written without a fraction or an exponent, within `Int`.
    mutating func integer() -> Int? {
        skipWhitespace()
        let start = offset
        guard let end = numberEnd(), !bytes[start..<end].contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") })
        else { return nil }
        offset = end
        return Int(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
    }

    /// Any number that is a finite, normal `Double` or exactly zero. A number that overflows or
    /// underflows is left to `JSONDecoder` (which refuses `1e-400`, where `Double("1e-400")` is 0).
    mutating func number() -> Double? {
        skipWhitespace()
        let start = offset
        guard let end = numberEnd() else { return nil }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<end])
        guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite else { return nil }
        if value == 0 {
            let mantissa = text.prefix { $0 | 0x20 != UInt8(ascii: "e") }
            guard !mantissa.contains(where: { (UInt8(ascii: "1")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        } else if !value.isNormal {
            return nil
        }
        offset = end
        return value
    }

    /// A string, its escapes read; `nil` for one with a control character, an unknown escape,
    /// a lone surrogate or invalid UTF-8.
    mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = offset
        var ascii = true
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                offset += 1
                let text = UnsafeBufferPointer(rebasing: bytes[start..<offset - 1])
                // ASCII is valid UTF-8 as it is: `decoding` repairs nothing there, and is cheaper
                // than `validating` (which builds its generic metadata on each call).
                return ascii ? String(decoding: text, as: UTF8.self) : String(validating: text, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { return escapedString(from: start) }
            guard byte >= 0x20 else { return nil }
            if byte >= 0x80 { ascii = false }
            offset += 1
        }
        return nil
    }

    /// Any value, as a ``JSONValue``.
    mutating func value() -> JSONValue? {
        skipWhitespace()
        guard offset < bytes.count else { return nil }
        switch bytes[offset] {
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "{"):
            var members: [String: JSONValue] = [:]
            let read: Void? = object { reader, key in
                guard members[key] == nil, let value = reader.value() else { return false }
                members[key] = value
                return true
            }
            return read.map { .object(members) }
        case UInt8(ascii: "["):
            var items: [JSONValue] = []
            let read: Void? = array { reader in
                guard let value = reader.value() else { return false }
                items.append(value)
                return true
            }
            return read.map { .array(items) }
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return bool().map(JSONValue.bool)
        case UInt8(ascii: "n"): return null() ? .null : nil
        default: return number().map(JSONValue.number)
        }
    }

    /// Skips any value (checked as `value()` checks it); answers the bytes it spans.
    mutating func skipValue() -> Range<Int>? {
        skipWhitespace()
        let start = offset
        guard value() != nil else { return nil }
        return start..<offset
    }

    /// Skips a value by its brackets and strings alone, without checking what is inside it or
    /// building it; answers the bytes it spans. Only for a value the caller then reads in full
    /// from those bytes (an ``EventBatch`` item's body, read by its type's reader): for valid
    /// JSON the span is the one ``skipValue()`` finds, and anything wrong inside it fails that
    /// reading.
    mutating func valueBounds() -> Range<Int>? {
        skipWhitespace()
        let start = offset
        var depth = 0
        repeat {
            guard offset < bytes.count else { return nil }
            switch bytes[offset] {
            case UInt8(ascii: "\""):
                offset += 1
                while true {
                    guard offset < bytes.count else { return nil }
                    let byte = bytes[offset]
                    offset += byte == UInt8(ascii: "\\") ? 2 : 1
                    if byte == UInt8(ascii: "\"") { break }
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                offset += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard depth > 0 else { return nil }
                depth -= 1
                offset += 1
            case UInt8(ascii: ","), UInt8(ascii: ":"), 0x20, 0x0A, 0x0D, 0x09:
                // Between the parts of an object or an array; a scalar ends here.
                guard depth > 0, offset > start else { return nil }
                offset += 1
            default:
                // A scalar: up to the next delimiter.
                while offset < bytes.count {
                    switch bytes[offset] {
                    case UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: "\""),
                        UInt8(ascii: "{"), UInt8(ascii: "["), 0x20, 0x0A, 0x0D, 0x09:
                        break
                    default:
                        offset += 1
                        continue
                    }
                    break
                }
            }
        } while depth > 0
        return start..<min(offset, bytes.count)
    }

    /// The bytes at `range`, for `JSONDecoder` to read a rare member on its own.
    func slice(_ range: Range<Int>) -> [UInt8] { Array(bytes[range]) }

    // MARK: Private

    private mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x0A, 0x0D, 0x09: offset += 1
            default: return
            }
        }
    }

    private mutating func literal(_ text: StaticString) -> Bool {
        skipWhitespace()
        let count = text.utf8CodeUnitCount
        guard offset + count <= bytes.count else { return false }
        for index in 0..<count where bytes[offset + index] != text.utf8Start[index] { return false }
        offset += count
        return true
    }

    /// Where the JSON number starting at `offset` ends: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    private func numberEnd() -> Int? {
        var index = offset
        func digits() -> Int {
            let first = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - first
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let leading = index
        guard digits() > 0, bytes[leading] != UInt8(ascii: "0") || index == leading + 1 else { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return nil }
        }
        return index
    }

    /// The rest of a string with escapes, from `start` (its first byte).
    private mutating func escapedString(from start: Int) -> String? {
        var scalars: [UInt8] = Array(bytes[start..<offset])
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            switch byte {
            case UInt8(ascii: "\""): return String(validating: scalars, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard offset < bytes.count else { return nil }
                let escape = bytes[offset]
                offset += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escape)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "u"):
                    guard var code = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(code) {
                        guard offset + 2 <= bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u")
                        else { return nil }
                        offset += 2
                        guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else { return nil }
                    scalars.append(contentsOf: UTF8.encode(scalar)!)
                default: return nil
                }
            default:
                guard byte >= 0x20 else { return nil }
                scalars.append(byte)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }
}
