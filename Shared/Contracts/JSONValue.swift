/// Any JSON value: provider settings and step continuations are open-ended.
public enum JSONValue: Codable, Sendable, Equatable, Hashable {
    /// A JSON string.
    case string(String)
    /// A JSON number, kept as a `Double`.
    case number(Double)
    /// `true` or `false`.
    case bool(Bool)
    /// A JSON object, by member name.
    case object([String: JSONValue])
    /// A JSON array.
    case array([JSONValue])
    /// JSON `null`.
    case null

    /// Decodes any JSON value: null, then string, number, bool, array and last object.
    ///
    /// A `Decoder` cannot say which kind of value it holds, so each kind is tried in turn, and
    /// every wrong guess costs a thrown `DecodingError` (its coding path and message built).
    /// Strings come first because they are what settings, outputs and request fields mostly
    /// hold; the object comes last and without `try?`, so that a fault inside an object is the
    /// error thrown.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Encodes the value as plain JSON, without any wrapper that names the case.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }

    /// The text of a `.string`; `nil` for any other value.
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    /// The number of a `.number`; `nil` for any other value.
    public var doubleValue: Double? { if case .number(let value) = self { value } else { nil } }
    /// The number of a `.number` with any fraction dropped (2.9 gives 2); `nil` for other values and numbers
    /// outside `Int`'s range.
    public var intValue: Int? { doubleValue.flatMap { Int(exactly: $0.rounded(.towardZero)) } }
    /// The value of a `.bool`; `nil` for any other value.
    public var boolValue: Bool? { if case .bool(let value) = self { value } else { nil } }
    /// The members of an `.object`; `nil` for any other value.
    public var objectValue: [String: JSONValue]? { if case .object(let value) = self { value } else { nil } }
    /// The elements of an `.array`; `nil` for any other value.
    public var arrayValue: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral
{
    /// Creates a `.string` from a string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Creates a `.number` from an integer literal.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// Creates a `.number` from a floating-point literal.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// Creates a `.bool` from a Boolean literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
