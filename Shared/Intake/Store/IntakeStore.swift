import Foundation
import HangarContracts
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
                SELECT body FROM intake_environments WHERE deleted = 0 AND (id = \(bind: UUID(uuidString: key)?.uuidString ?? "") OR name = \(bind: key))
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
                INSERT INTO intake_environments (id, name, body) VALUES (\(bind: environment.id.uuidString), \(bind: environment.name),
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
                WHERE id = \(bind: environment.id.uuidString)
                """
            ).run()
        }
    }

    func delete(_ id: UUID) async throws {
        try await store.transaction { db in
            // The name is freed; the row stays for history's sake under a tombstone name.
            try await db.raw(
                """
                UPDATE intake_environments SET deleted = 1, name = \(bind: "deleted:\(id.uuidString)") WHERE id = \(bind: id.uuidString)
                """
            ).run()
        }
    }

    // MARK: Submissions

    struct Submission: Sendable {
        var request: SubmitDeployment
        var published: Bool
    }

    /// Records an accepted deployment. With an idempotency key already used by the same
    /// owner, returns the earlier submission instead.
    func accept(_ request: SubmitDeployment, idempotencyKey: String?) async throws -> (submission: Submission, isNew: Bool) {
        try await store.transaction { db in
            if let idempotencyKey,
                let row = try await db.raw(
                    """
                    SELECT request, published FROM intake_submissions WHERE owner = \(bind: request.owner) AND idempotency_key = \(bind: idempotencyKey)
                    """
                ).first()
            {
                return (try Self.submission(row), false)
            }
            try await db.raw(
                """
                INSERT INTO intake_submissions (id, environment_id, owner, idempotency_key, mode, request, created_at)
                VALUES (\(bind: request.deploymentId.uuidString), \(bind: request.environmentId.uuidString), \(bind: request.owner),
                    \(bind: idempotencyKey), \(bind: request.mode.rawValue), \(bind: try Self.encode(request)),
                    \(bind: request.createdAt.epochMilliseconds))
                """
            ).run()
            return (Submission(request: request, published: false), true)
        }
    }

    func markPublished(_ id: UUID) async throws {
        try await store.transaction { db in
            try await db.raw("UPDATE intake_submissions SET published = 1 WHERE id = \(bind: id.uuidString)").run()
        }
    }

    func submission(_ id: UUID) async throws -> Submission? {
        let row = try await store.read { db in
            try await db.raw("SELECT request, published FROM intake_submissions WHERE id = \(bind: id.uuidString)").first()
        }
        return try row.map(Self.submission)
    }

    /// Submissions not yet confirmed by the broker and older than `age`.
    func unpublished(olderThan age: TimeInterval) async throws -> [SubmitDeployment] {
        let cutoff = Date().addingTimeInterval(-age).epochMilliseconds
        let rows = try await store.read { db in
            try await db.raw(
                """
                SELECT request, published FROM intake_submissions WHERE published = 0 AND created_at <= \(bind: cutoff)
                ORDER BY created_at LIMIT 500
                """
            ).all()
        }
        return try rows.map { try Self.submission($0).request }
    }

    /// `requestReconnection` submissions for the environment since `since`.
    func reconnectionsRequested(environment: UUID, since: Date) async throws -> Int {
        let row = try await store.read { db in
            try await db.raw(
                """
                SELECT COUNT(*) AS used FROM intake_submissions WHERE environment_id = \(bind: environment.uuidString)
                    AND mode = 'requestReconnection' AND created_at >= \(bind: since.epochMilliseconds)
                """
            ).first()
        }
        return Int(try row?.decode(column: "used", as: Int64.self) ?? 0)
    }

    // MARK: Encoding

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try HangarJSON.encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try HangarJSON.decoder.decode(type, from: Data(text.utf8))
    }

    static func submission(_ row: any SQLRow) throws -> Submission {
        Submission(
            request: try decode(SubmitDeployment.self, try row.decode(column: "request", as: String.self)),
            published: try row.decode(column: "published", as: Int64.self) != 0)
    }
}
