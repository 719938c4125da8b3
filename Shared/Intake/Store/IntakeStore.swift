import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import SQLKit

/// Intake's store: the environment catalog and the submissions it accepted.
struct IntakeStore: Sendable {
    let store: SQLStore

    func migrate() async throws {
        try await store.migrate(IntakeSchema.migrations)
    }

    // MARK: Environments

    func environments() async throws -> [EnvironmentResource] {
        let rows = try await store.read { db in
            try await db.raw("SELECT body FROM intake_environments WHERE deleted = 0 ORDER BY name").all()
        }
        return try rows.map { try Self.decode(EnvironmentResource.self, try $0.decode(column: "body", as: String.self)) }
    }

    /// Finds an environment by id or unique name.
    func environment(_ key: String) async throws -> EnvironmentResource? {
        let row = try await store.read { db in
            try await db.raw(
                """
                SELECT body FROM intake_environments WHERE deleted = 0 AND (id = \(bind: UUID(parsing: key)?.uppercasedString ?? "") OR name = \(bind: key))
                """
            ).first()
        }
        return try row.map { try Self.decode(EnvironmentResource.self, try $0.decode(column: "body", as: String.self)) }
    }

    /// Inserts; returns `false` if the name is taken.
    func insert(_ environment: EnvironmentResource) async throws -> Bool {
        try await store.transaction { db in
            let rows = try await db.raw(
                """
                INSERT INTO intake_environments (id, name, body) VALUES (\(bind: environment.id.uppercasedString), \(bind: environment.name),
                    \(bind: try Self.encode(environment)))
                ON CONFLICT (name) DO NOTHING RETURNING id
                """
            ).all()
            return !rows.isEmpty
        }
    }

    func update(_ environment: EnvironmentResource) async throws {
        try await store.transaction { db in
            try await db.raw(
                """
                UPDATE intake_environments SET name = \(bind: environment.name), body = \(bind: try Self.encode(environment))
                WHERE id = \(bind: environment.id.uppercasedString)
                """
            ).run()
        }
    }

    func delete(_ id: UUID) async throws {
        try await store.transaction { db in
            // The name is freed; the row stays for history's sake under a tombstone name.
            try await db.raw(
                """
                UPDATE intake_environments SET deleted = 1, name = \(bind: "deleted:\(id.uppercasedString)") WHERE id = \(bind: id.uppercasedString)
                """
            ).run()
        }
    }

    // MARK: Submissions

    /// Records an accepted deployment and, in the same transaction, its `deployment.submit`
    /// message in `outbox`: the entry to publish once this returns. With an idempotency key
    /// already used by the same owner, returns the earlier submission instead, and no entry
    /// (the outbox already holds its message, or the broker confirmed it).
    func accept(
        _ request: SubmitDeployment, idempotencyKey: String?, outbox: TransactionalOutbox, traceParent: String?
    ) async throws -> (submission: SubmitDeployment, entry: TransactionalOutbox.Entry?) {
        try await store.transaction { db in
            try await outbox.deleteConfirmed(in: db)
            if let idempotencyKey,
                let row = try await db.raw(
                    """
                    SELECT request FROM intake_submissions WHERE owner = \(bind: request.owner) AND idempotency_key = \(bind: idempotencyKey)
                    """
                ).first()
            {
                return (try Self.submission(row), nil)
            }
            // The stored request and the message's body are the same JSON: encoded once.
            let message = HangarMessage.submitDeployment(request)
            let body = try ContractCodec.encode(message)
            try await db.raw(
                """
                INSERT INTO intake_submissions (id, environment_id, owner, idempotency_key, mode, request, created_at, published)
                VALUES (\(bind: request.deploymentId.uppercasedString), \(bind: request.environmentId.uppercasedString), \(bind: request.owner),
                    \(bind: idempotencyKey), \(bind: request.mode.rawValue), \(bind: String(decoding: body, as: UTF8.self)),
                    \(bind: request.createdAt.epochMilliseconds), 1)
                """
            ).run()
            let entry = try await outbox.write(
                message, body: body, messageId: Self.submitMessageId(request.deploymentId), traceParent: traceParent,
                now: request.createdAt, in: db)
            return (request, entry)
        }
    }

    /// The `message_id` of a deployment's `deployment.submit`: the same on every publish, so
    /// the scheduler applies it once.
    static func submitMessageId(_ id: UUID) -> String { "submit-\(id)" }

    /// What intake accepted as the deployment `id`, if it did.
    func submission(_ id: UUID) async throws -> SubmitDeployment? {
        let row = try await store.read { db in
            try await db.raw("SELECT request FROM intake_submissions WHERE id = \(bind: id.uppercasedString)").first()
        }
        return try row.map(Self.submission)
    }

    // MARK: Encoding

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try HangarJSON.encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try HangarJSON.decoder.decode(type, from: Data(text.utf8))
    }

    static func submission(_ row: any SQLRow) throws -> SubmitDeployment {
        try decode(SubmitDeployment.self, try row.decode(column: "request", as: String.self))
    }
}
