import HangarContracts

/// A request body as the JSON object it is, for intake's validators to check field by field.
///
/// `openapi-generator-config.yaml` names this type for every request body schema, so the
/// generated code reads any JSON object and the validators answer a problem that names every
/// bad field, as the hand-made routes do. A body that is not a JSON object fails to decode and
/// is answered 400 (``GeneratedRouteErrors``).
struct RequestObject: Codable, Hashable, Sendable {
    /// The body's members.
    var fields: [String: JSONValue]

    /// Wraps `fields`.
    init(_ fields: [String: JSONValue]) { self.fields = fields }

    init(from decoder: any Decoder) throws {
        fields = try decoder.singleValueContainer().decode([String: JSONValue].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(fields)
    }
}
