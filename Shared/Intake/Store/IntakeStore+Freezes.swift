import Foundation
import HangarContracts
import HangarStorage
import SQLKit

extension IntakeStore {
    func insertFreeze(_ window: FreezeWindow) async throws {
        try await store.transaction { db in
            try await db.raw(
                """
                INSERT INTO intake_freezes (id, environment_id, created_at, body)
                VALUES (\(bind: window.id.uuidString.lowercased()), \(bind: window.environmentId?.uuidString.lowercased()),
                    \(bind: window.createdAt.epochMilliseconds), \(bind: try Self.encode(window)))
                """
            ).run()
        }
    }

    /// The windows that apply to `environment` (its own and every environment's); with `nil`,
    /// every environment's only; with `all`, every window.
    func freezes(environment: UUID?, all: Bool = false) async throws -> [FreezeWindow] {
        let rows = try await store.read { db in
            if all { return try await db.raw("SELECT body FROM intake_freezes ORDER BY id").all() }
            return try await db.raw(
                """
                SELECT body FROM intake_freezes WHERE environment_id IS NULL OR environment_id = \(bind: environment?.uuidString.lowercased() ?? "")
                ORDER BY id
                """
            ).all()
        }
        return try rows.map { try Self.decode(FreezeWindow.self, try $0.decode(column: "body", as: String.self)) }
    }

    /// Deletes a window; answers it, or `nil` when there was none.
    func deleteFreeze(_ id: UUID) async throws -> FreezeWindow? {
        try await store.transaction { db in
            let key = id.uuidString.lowercased()
            guard let row = try await db.raw("SELECT body FROM intake_freezes WHERE id = \(bind: key)").first() else { return nil }
            try await db.raw("DELETE FROM intake_freezes WHERE id = \(bind: key)").run()
            return try Self.decode(FreezeWindow.self, try row.decode(column: "body", as: String.self))
        }
    }
}
