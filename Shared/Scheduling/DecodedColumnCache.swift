import Foundation

/// A JSON column's last text and value by deployment id, as this process wrote or read it:
/// a deployment's next transaction reads back the text its last one wrote (its outputs, its
/// steps), and decodes it again only when the text differs (another replica wrote it since).
///
/// Bounded by two generations (``GenerationalCache``). Safe with several replicas: a value is
/// used only for the very text it was decoded from or written as (a date written by this
/// process may keep a fraction of a millisecond that the text does not).
final class DecodedColumnCache<Value: Sendable>: Sendable {
    private struct Entry: Sendable {
        var json: String
        var value: Value
    }

    private let cache: GenerationalCache<Entry>

    init(generationSize: Int = 2048) {
        cache = GenerationalCache(generationSize: generationSize)
    }

    /// The value of `json` for deployment `id`: the one remembered for this very text, or
    /// `decode(json)`, remembered.
    func value(_ id: UUID, json: String, decode: (String) throws -> Value) throws -> Value {
        if let cached = cache.value(id), cached.json == json { return cached.value }
        let value = try decode(json)
        remember(id, json: json, value: value)
        return value
    }

    /// Remembers that `json`, the text of `value`, is stored for deployment `id`.
    func remember(_ id: UUID, json: String, value: Value) {
        cache.keep(Entry(json: json, value: value), for: id)
    }
}
