import AMQPClient
import Foundation
import HangarContracts
import HangarStorage
import SQLKit

/// The recorder's table of dead letters (`history_dead_letters`): kept until an operator
/// replays or purges them. Intake reads it with a read-only store.
public struct DeadLetterStore: Sendable {
    /// The history database that holds `history_dead_letters`: the recorder writes it, intake reads it.
    public let store: SQLStore

    /// Creates the dead letter table's accessor over the history database in `store`.
    public init(store: SQLStore) { self.store = store }

    /// The table, as the history schema's migration creates it.
    static let migration = Migration(id: "history-5-dead-letters") { db in
        try await db.raw(
            """
            CREATE TABLE history_dead_letters (
                id TEXT PRIMARY KEY,
                queue TEXT NOT NULL,
                reason TEXT NOT NULL,
                dead_at BIGINT NOT NULL,
                replays BIGINT NOT NULL,
                message_type TEXT,
                message_id TEXT NOT NULL,
                correlation_id TEXT,
                content_type TEXT,
                headers TEXT NOT NULL,
                body TEXT NOT NULL
            )
            """
        ).run()
        try await db.raw("CREATE INDEX history_dead_letters_dead_at ON history_dead_letters (dead_at)").run()
    }

    /// Keeps a dead letter; one kept before (the same delivery again) is left as it is.
    func keep(_ letter: KeptDeadLetter) async throws {
        let message = letter.message
        try await store.transaction { db in
            try await db.raw(
                """
                INSERT INTO history_dead_letters
                    (id, queue, reason, dead_at, replays, message_type, message_id, correlation_id, content_type, headers, body)
                VALUES (\(bind: letter.id), \(bind: letter.queue), \(bind: letter.reason), \(bind: letter.deadAt.epochMilliseconds),
                    \(bind: Int64(letter.replays)), \(bind: message.type), \(bind: message.messageId), \(bind: message.correlationId),
                    \(bind: message.contentType), \(bind: HeaderCoding.encode(message.headers)), \(bind: Data(message.body).base64EncodedString()))
                ON CONFLICT (id) DO NOTHING
                """
            ).run()
        }
    }

    /// The dead letters kept, newest first, optionally of one queue.
    public func list(queue: String? = nil, limit: Int = 100) async throws -> [DeadLetterSummary] {
        try await store.read { db in
            let filter: SQLQueryString = queue.map { "WHERE queue = \(bind: $0)" } ?? ""
            return try await db.raw(
                """
                SELECT * FROM history_dead_letters \(filter) ORDER BY dead_at DESC, id LIMIT \(bind: Int64(limit))
                """
            ).all().map { try Self.letter($0).summary }
        }
    }

    /// One kept dead letter, if there is one with that id.
    func find(_ id: String) async throws -> KeptDeadLetter? {
        try await store.read { db in
            try await db.raw("SELECT * FROM history_dead_letters WHERE id = \(bind: id)").first().map(Self.letter)
        }
    }

    /// Whether a dead letter with that id is kept.
    public func contains(_ id: String) async throws -> Bool {
        try await store.read { db in
            try await db.raw("SELECT 1 AS found FROM history_dead_letters WHERE id = \(bind: id)").first() != nil
        }
    }

    /// Forgets a dead letter; returns whether it was kept.
    @discardableResult
    func forget(_ id: String) async throws -> Bool {
        try await store.transaction { db in
            try await db.raw("DELETE FROM history_dead_letters WHERE id = \(bind: id) RETURNING id").all().count > 0
        }
    }

    /// How many are kept per queue.
    public func counts() async throws -> [String: Int] {
        try await store.read { db in
            var counts: [String: Int] = [:]
            for row in try await db.raw("SELECT queue, COUNT(*) AS count FROM history_dead_letters GROUP BY queue").all() {
                counts[try row.decode(column: "queue", as: String.self)] = Int(try row.decode(column: "count", as: Int64.self))
            }
            return counts
        }
    }

    private static func letter(_ row: any SQLRow) throws -> KeptDeadLetter {
        let body = Data(base64Encoded: try row.decode(column: "body", as: String.self)) ?? Data()
        let message = Message(
            body: Array(body), contentType: try row.decode(column: "content_type", as: String?.self),
            messageId: try row.decode(column: "message_id", as: String.self),
            correlationId: try row.decode(column: "correlation_id", as: String?.self),
            type: try row.decode(column: "message_type", as: String?.self),
            headers: HeaderCoding.decode(try row.decode(column: "headers", as: String.self)))
        return KeptDeadLetter(
            id: try row.decode(column: "id", as: String.self), queue: try row.decode(column: "queue", as: String.self),
            reason: try row.decode(column: "reason", as: String.self),
            deadAt: Date(epochMilliseconds: try row.decode(column: "dead_at", as: Int64.self)),
            replays: Int(try row.decode(column: "replays", as: Int64.self)), message: message)
    }
}

/// AMQP headers as JSON text and back, each value tagged with its type so that a replayed
/// message carries the same field types (`x-schema-version` stays an integer).
enum HeaderCoding {
    static func encode(_ headers: [String: FieldValue]) -> String {
        let object = headers.compactMapValues(tagged)
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func decode(_ text: String) -> [String: FieldValue] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return [:] }
        return object.compactMapValues(untagged)
    }

    private static func tagged(_ value: FieldValue) -> Any? {
        switch value {
        case .string(let text): return ["s": text]
        case .int(let number): return ["i": number]
        case .bool(let flag): return ["b": flag]
        case .double(let number): return ["d": number]
        case .bytes(let bytes): return ["x": Data(bytes).base64EncodedString()]
        case .table(let table): return ["t": table.compactMapValues(tagged)]
        case .array(let array): return ["a": array.compactMap(tagged)]
        case .void: return nil
        }
    }

    private static func untagged(_ value: Any) -> FieldValue? {
        guard let object = value as? [String: Any], let (tag, inner) = object.first else { return nil }
        switch tag {
        case "s": return (inner as? String).map(FieldValue.string)
        case "i": return (inner as? NSNumber).map { .int($0.int64Value) }
        case "b": return (inner as? Bool).map(FieldValue.bool)
        case "d": return (inner as? NSNumber).map { .double($0.doubleValue) }
        case "x": return (inner as? String).flatMap { Data(base64Encoded: $0) }.map { .bytes(Array($0)) }
        case "t": return (inner as? [String: Any]).map { .table($0.compactMapValues(untagged)) }
        case "a": return (inner as? [Any]).map { .array($0.compactMap(untagged)) }
        default: return nil
        }
    }
}
