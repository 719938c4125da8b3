import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import SQLKit

extension IntakeStore {
    /// Stores a window and, in the same transaction, the new snapshot of every window for the
    /// scheduler: the entry to publish once this returns.
    func insertFreeze(_ window: FreezeWindow, outbox: TransactionalOutbox) async throws -> TransactionalOutbox.Entry {
        try await store.transaction { db in
            try await db.raw(
                """
                INSERT INTO intake_freezes (id, environment_id, created_at, body)
                VALUES (\(bind: window.id.lowercasedString), \(bind: window.environmentId?.lowercasedString),
                    \(bind: window.createdAt.epochMilliseconds), \(bind: try Self.encode(window)))
                """
            ).run()
            return try await Self.writeSnapshot(bump: true, outbox: outbox, db: db)
        }
    }

    /// Writes the current snapshot of every window to `outbox` (intake does at start, so a
    /// scheduler that never had one gets it) and returns its entry.
    func snapshotFreezes(outbox: TransactionalOutbox) async throws -> TransactionalOutbox.Entry {
        try await store.transaction { db in try await Self.writeSnapshot(bump: false, outbox: outbox, db: db) }
    }

    /// Every window at the revision, counted up first when `bump`, as a `freeze.snapshot` in
    /// `outbox` under an id per revision (so the scheduler applies each once).
    private static func writeSnapshot(bump: Bool, outbox: TransactionalOutbox, db: any SQLDatabase) async throws -> TransactionalOutbox.Entry {
        if bump { try await db.raw("UPDATE intake_freeze_revision SET revision = revision + 1 WHERE name = 'windows'").run() }
        let revision =
            try await db.raw("SELECT revision FROM intake_freeze_revision WHERE name = 'windows'").first()?
            .decode(column: "revision", as: Int64.self) ?? 0
        let rows = try await db.raw("SELECT body FROM intake_freezes ORDER BY id").all()
        let windows = try rows.map { try decode(FreezeWindow.self, try $0.decode(column: "body", as: String.self)) }
        let now = Date()
        return try await outbox.write(
            .freezeSnapshot(FreezeSnapshot(revision: revision, windows: windows, at: now)), messageId: "freeze-snapshot-\(revision)",
            traceParent: nil, now: now, in: db)
    }

    /// The windows that apply to `environment` (its own and every environment's); with `nil`,
    /// every environment's only; with `all`, every window.
    func freezes(environment: UUID?, all: Bool = false) async throws -> [FreezeWindow] {
        let rows = try await store.read { db in
            if all { return try await db.raw("SELECT body FROM intake_freezes ORDER BY id").all() }
            return try await db.raw(
                """
                SELECT body FROM intake_freezes WHERE environment_id IS NULL OR environment_id = \(bind: environment?.lowercasedString ?? "")
                ORDER BY id
                """
            ).all()
        }
        return try rows.map { try Self.decode(FreezeWindow.self, try $0.decode(column: "body", as: String.self)) }
    }

    /// Deletes a window and writes the new snapshot for the scheduler; answers the window and
    /// the snapshot's entry to publish, or `nil` when there was no such window.
    func deleteFreeze(_ id: UUID, outbox: TransactionalOutbox) async throws -> (window: FreezeWindow, entry: TransactionalOutbox.Entry)? {
        try await store.transaction { db in
            let key = id.lowercasedString
            guard let row = try await db.raw("SELECT body FROM intake_freezes WHERE id = \(bind: key)").first() else { return nil }
            try await db.raw("DELETE FROM intake_freezes WHERE id = \(bind: key)").run()
            let window = try Self.decode(FreezeWindow.self, try row.decode(column: "body", as: String.self))
            return (window, try await Self.writeSnapshot(bump: true, outbox: outbox, db: db))
        }
    }
}
