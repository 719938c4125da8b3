import Foundation

/// A UUID written in lower case in JSON, as the API's paths and `Location` headers write it
/// (Foundation's `UUID` writes upper case); read in either case.
///
/// ```swift
/// @LowercaseID public var id: UUID
/// ```
@propertyWrapper
public struct LowercaseID: Codable, Sendable, Hashable {
    /// The id.
    public var wrappedValue: UUID

    /// Wraps `wrappedValue`.
    public init(wrappedValue: UUID) {
        self.wrappedValue = wrappedValue
    }

    /// Reads a UUID string in either case.
    public init(from decoder: any Decoder) throws {
        wrappedValue = try UUID.decode(from: decoder.singleValueContainer(), codingPath: decoder.codingPath)
    }

    /// Writes the id in lower case.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.lowercasedString)
    }
}

/// An optional UUID written in lower case in JSON (see ``LowercaseID``); a `nil` id leaves its
/// key out, and a missing or `null` key reads as `nil`, as a plain `UUID?` does.
@propertyWrapper
public struct LowercaseOptionalID: Codable, Sendable, Hashable {
    /// The id, if any.
    public var wrappedValue: UUID?

    /// Wraps `wrappedValue`.
    public init(wrappedValue: UUID?) {
        self.wrappedValue = wrappedValue
    }

    /// Reads a UUID string in either case, or `null`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        wrappedValue = container.decodeNil() ? nil : try UUID.decode(from: container, codingPath: decoder.codingPath)
    }

    /// Writes the id in lower case, or `null` (a keyed container leaves the key out instead).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let id = wrappedValue {
            try container.encode(id.lowercasedString)
        } else {
            try container.encodeNil()
        }
    }
}

extension KeyedDecodingContainer {
    /// A missing key reads as a `nil` id, as it does for a plain `UUID?`.
    public func decode(_ type: LowercaseOptionalID.Type, forKey key: Key) throws -> LowercaseOptionalID {
        try decodeIfPresent(type, forKey: key) ?? LowercaseOptionalID(wrappedValue: nil)
    }
}

extension KeyedEncodingContainer {
    /// A `nil` id leaves its key out, as a plain `UUID?` does.
    public mutating func encode(_ value: LowercaseOptionalID, forKey key: Key) throws {
        guard let id = value.wrappedValue else { return }
        try encode(id.lowercasedString, forKey: key)
    }
}

extension UUID {
    /// Reads a UUID string as `UUID.init(from:)` does (the same strings, the same error), with
    /// ``init(parsing:)``.
    fileprivate static func decode(from container: any SingleValueDecodingContainer, codingPath: [any CodingKey]) throws -> UUID {
        let text = try container.decode(String.self)
        guard let id = UUID(parsing: text) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: codingPath, debugDescription: "Attempted to decode UUID from invalid UUID string."))
        }
        return id
    }
}
