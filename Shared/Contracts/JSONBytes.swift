import Foundation

/// A JSON writer into a byte array, escaping strings as Foundation's `JSONEncoder` does: for
/// the hot paths that skip `Codable` (a history page) and for log lines.
public struct JSONBytes: Sendable {
    /// What was written.
    public private(set) var bytes: [UInt8] = []

    /// Whether an object has had a member yet (for the commas).
    public struct Fields: Sendable {
        var written = false

        /// Starts an object that has no members yet.
        public init() {}
    }

    /// Creates an empty writer with room reserved for `capacity` bytes.
    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    private mutating func append(_ text: StaticString) {
        // Most are one byte of punctuation: appended as a byte, not as a buffer.
        if text.utf8CodeUnitCount == 1 {
            bytes.append(text.utf8Start.pointee)
        } else {
            bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }
    }

    private mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Punctuation and names that need no escaping.
    public mutating func raw(_ text: StaticString) {
        append(text)
    }

    /// JSON text made by the caller (a number, say), copied as it is.
    public mutating func raw(_ text: String) {
        append(text)
    }

    /// JSON already written (by `JSONEncoder`, say), copied as it is.
    public mutating func encoded(_ json: Data) {
        bytes.append(contentsOf: json)
    }

    /// JSON already written (a message's body, say), copied as it is.
    public mutating func encoded(_ json: [UInt8]) {
        bytes.append(contentsOf: json)
    }

    /// A member's name, after a comma unless it is the object's first.
    public mutating func key(_ name: StaticString, _ fields: inout Fields) {
        if fields.written { append(",") }
        fields.written = true
        append("\"")
        append(name)
        append("\":")
    }

    /// A member with a string value; none when `value` is nil.
    public mutating func string(_ name: StaticString, _ value: String?, _ fields: inout Fields) {
        guard let value else { return }
        key(name, &fields)
        string(value)
    }

    /// A member with an integer value; none when `value` is nil.
    public mutating func integer(_ name: StaticString, _ value: Int64?, _ fields: inout Fields) {
        guard let value else { return }
        key(name, &fields)
        append(String(value))
    }

    /// A member with a boolean value; none when `value` is nil.
    public mutating func bool(_ name: StaticString, _ value: Bool?, _ fields: inout Fields) {
        guard let value else { return }
        key(name, &fields)
        append(value ? "true" : "false")
    }

    /// A member whose value is JSON already written (by `JSONEncoder`, say), copied as it is;
    /// none when `json` is nil.
    public mutating func encoded(_ name: StaticString, _ json: Data?, _ fields: inout Fields) {
        guard let json else { return }
        key(name, &fields)
        bytes.append(contentsOf: json)
    }

    /// A member with an array of strings.
    public mutating func strings(_ name: StaticString, _ values: [String], _ fields: inout Fields) {
        array(name, values, &fields) { writer, value in writer.string(value) }
    }

    /// A member with an array, each element written by `element`.
    public mutating func array<Element>(
        _ name: StaticString, _ values: [Element], _ fields: inout Fields, element: (inout JSONBytes, Element) -> Void
    ) {
        key(name, &fields)
        append("[")
        // Not `enumerated()`: this generic function is not specialized for its callers in
        // other modules, and each call looked up the enumerated sequence's type at run time.
        var first = true
        for value in values {
            if !first { append(",") }
            first = false
            element(&self, value)
        }
        append("]")
    }

    /// A member with an object of strings, its keys in `String` order (as `JSONEncoder`'s
    /// `sortedKeys` writes them).
    public mutating func object(_ name: StaticString, _ values: [String: String], _ fields: inout Fields) {
        key(name, &fields)
        object(values)
    }

    /// An object of strings, its keys in `String` order (as `JSONEncoder`'s `sortedKeys`
    /// writes them).
    public mutating func object(_ values: [String: String]) {
        append("{")
        for (index, member) in values.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { append(",") }
            string(member.key)
            append(":")
            string(member.value)
        }
        append("}")
    }

    /// A member with an RFC 3339 date; none when `value` is nil.
    public mutating func date(_ name: StaticString, _ value: Date?, _ fields: inout Fields) {
        guard let value else { return }
        key(name, &fields)
        // Written in place: a page of 50 deployments has about 850 dates.
        let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: RFC3339.length + 2) { buffer in
            guard RFC3339.write(epochMilliseconds: value.epochMilliseconds, to: UnsafeMutableBufferPointer(rebasing: buffer[1...])) else {
                return false
            }
            buffer[0] = UInt8(ascii: "\"")
            buffer[RFC3339.length + 1] = UInt8(ascii: "\"")
            bytes.append(contentsOf: buffer)
            return true
        }
        if !written {
            // A year outside 0–9999, which `RFC3339.write` just refused: Foundation writes it.
            append("\"")
            append(HangarJSON.foundationFormat(value))
            append("\"")
        }
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\n`-style or `\u00XX`
    /// escapes, everything else (`/` and non-ASCII included) as it is.
    public mutating func string(_ value: String) {
        append("\"")
        var value = value
        value.withUTF8 { (bytes: UnsafeBufferPointer<UInt8>) in
            var start = 0
            for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): append("\\\"")
                case UInt8(ascii: "\\"): append("\\\\")
                case 0x08: append("\\b")
                case 0x0C: append("\\f")
                case 0x0A: append("\\n")
                case 0x0D: append("\\r")
                case 0x09: append("\\t")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    append("\\u00")
                    self.bytes.append(contentsOf: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
            }
            self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        append("\"")
    }
}
