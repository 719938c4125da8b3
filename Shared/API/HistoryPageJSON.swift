import Foundation
import HangarContracts
import NIOCore

/// A history page written as JSON straight into a buffer: the same bytes `HangarJSON.encoder`
/// writes (keys sorted, absent values left out, slashes not escaped, RFC 3339 dates), without
/// `Codable`, whose generic machinery was most of the page's cost (a page of 50 deployments
/// holds 350 objects and 850 dates).
enum HistoryPageJSON {
    static func encode(_ page: HistoryPage) -> ByteBuffer {
        var writer = JSONBytes(capacity: 1200 * page.items.count + 64)
        writer.raw("{\"items\":[")
        for (index, item) in page.items.enumerated() {
            if index > 0 { writer.raw(",") }
            write(item, to: &writer)
        }
        writer.raw("]")
        if let cursor = page.nextCursor {
            writer.raw(",\"nextCursor\":")
            writer.string(cursor)
        }
        writer.raw("}")
        return writer.buffer
    }

    private static func write(_ item: DeploymentSummary, to writer: inout JSONBytes) {
        writer.raw("{")
        var fields = JSONBytes.Fields()
        writer.date("createdAt", item.createdAt, &fields)
        writer.integer("durationMs", item.durationMs, &fields)
        writer.string("environmentId", item.environmentId?.uuidString, &fields)
        writer.string("environmentName", item.environmentName, &fields)
        writer.date("finishedAt", item.finishedAt, &fields)
        writer.string("id", item.id.uuidString, &fields)
        writer.string("mode", item.mode?.rawValue, &fields)
        writer.string("owner", item.owner, &fields)
        writer.date("scheduledAt", item.scheduledAt, &fields)
        writer.date("startedAt", item.startedAt, &fields)
        writer.string("status", item.status.rawValue, &fields)
        writer.key("steps", &fields)
        writer.raw("[")
        for (index, step) in item.steps.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{")
            var stepFields = JSONBytes.Fields()
            writer.integer("durationMs", step.durationMs, &stepFields)
            writer.date("finishedAt", step.finishedAt, &stepFields)
            writer.string("name", step.name.rawValue, &stepFields)
            writer.date("startedAt", step.startedAt, &stepFields)
            writer.string("status", step.status.rawValue, &stepFields)
            writer.raw("}")
        }
        writer.raw("]")
        writer.string("version", item.version, &fields)
        writer.raw("}")
    }
}

/// A JSON writer into a byte array, escaping strings as Foundation's `JSONEncoder` does.
struct JSONBytes {
    private var bytes: [UInt8] = []

    /// What was written.
    var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }

    /// Whether an object has had a member yet (for the commas).
    struct Fields {
        var written = false
    }

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    private mutating func append(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ text: StaticString) {
        append(text)
    }

    mutating func key(_ name: StaticString, _ fields: inout Fields) {
        if fields.written { append(",") }
        fields.written = true
        append("\"")
        append(name)
        append("\":")
    }

    /// A member with a string value; none when `value` is nil.
    mutating func string(_ name: StaticString, _ value: String?, _ fields: inout Fields) {
        guard let value else { return }
        key(name, &fields)
        string(value)
    }

    mutating func integer(_ name: StaticString, _ value: Int64?, _ fields: inout Fields) {
        guard let value else { return }
        key(name, &fields)
        append(String(value))
    }

    mutating func date(_ name: StaticString, _ value: Date?, _ fields: inout Fields) {
        guard let value else { return }
        key(name, &fields)
        append("\"")
        append(HangarJSON.formatDate(value))
        append("\"")
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\n`-style or `\u00XX`
    /// escapes, everything else (`/` and non-ASCII included) as it is.
    mutating func string(_ value: String) {
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
