/// A value in an AMQP field table (message headers, queue arguments).
public enum FieldValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case double(Double)
    case bytes([UInt8])
    case table([String: FieldValue])
    case array([FieldValue])
    case void

    /// The value as an integer, whatever width it was sent with.
    public var intValue: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The value as a string (UTF-8 strings and byte strings).
    public var stringValue: String? {
        switch self {
        case .string(let value): return value
        case .bytes(let value): return String(decoding: value, as: UTF8.self)
        default: return nil
        }
    }

    /// The value as text for logs: a string as it is, a byte string as its length.
    public var description: String {
        switch self {
        case .string(let value): return value
        case .int(let value): return String(value)
        case .bool(let value): return String(value)
        case .double(let value): return String(value)
        case .bytes(let value): return "<\(value.count) bytes>"
        case .table(let value): return String(describing: value)
        case .array(let value): return String(describing: value)
        case .void: return "void"
        }
    }
}

extension FieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    /// A ``string(_:)`` from a string literal, as in `["x-queue-type": "quorum"]`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An ``int(_:)`` from an integer literal, as in `["x-message-ttl": 60000]`.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// A ``bool(_:)`` from `true` or `false`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
