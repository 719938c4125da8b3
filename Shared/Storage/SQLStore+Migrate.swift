import SQLKit

extension SQLStore {
    /// Applies, in order, the migrations not yet recorded in `hangar_migrations`, each in its own transaction
    /// together with its record, so a migration is applied entirely or not at all.
    ///
    /// Safe when several processes migrate the same database at once: each migration is applied once
    /// (PostgreSQL: `pg_advisory_xact_lock` per schema; SQLite: `BEGIN IMMEDIATE` serialises writers).
    /// Throws ``StorageError/migrationFailed(id:reason:underlying:)`` and stops at the first failure.
    public func migrate(_ migrations: [Migration]) async throws {
        if configuration.readOnly { throw StorageError.readOnly(operation: "migrate") }
        var seen = Set<String>()
        for migration in migrations where !seen.insert(migration.id).inserted {
            throw StorageError.duplicateMigration(id: migration.id)
        }

        let backend = self.backend
        try await transaction { db in
            try await backend.lockForMigrations(db)
            try await db.exec(backend.createMigrationsTableSQL)
        }
        let applied = try await transaction { db in
            try await db.select().column("id").from("hangar_migrations").all(decodingColumn: "id", as: String.self)
        }
        var count = 0
        for migration in migrations where !applied.contains(migration.id) {
            let didApply = try await transaction { db in
                try await backend.lockForMigrations(db)
                // Another process may have applied it since we looked.
                let done = try await db.select().column("id").from("hangar_migrations")
                    .where("id", .equal, migration.id).first()
                if done != nil { return false }
                do {
                    try await migration.apply(db)
                } catch {
                    throw StorageError.migrationFailed(
                        id: migration.id, reason: describeDatabaseError(error), underlying: error)
                }
                try await db.insert(into: "hangar_migrations").columns("id").values(SQLBind(migration.id)).run()
                return true
            }
            if didApply {
                count += 1
                logger.info("applied migration", metadata: ["migration": "\(migration.id)"])
            }
        }
        logger.debug("migrations up to date", metadata: ["applied_now": "\(count)", "known": "\(migrations.count)"])
    }
}

extension SQLStore {
    /// The ids of `migrations` not yet recorded in `hangar_migrations`, in order; all of them
    /// while the database, its schema or that table does not exist yet. Reads only: for a service
    /// that reads another service's tables (intake reads the recorder's) and waits until their
    /// owner has migrated them. Throws only when the store is shut down.
    public func pendingMigrations(_ migrations: [Migration]) async throws -> (pending: [String], reason: String?) {
        do {
            let applied = Set(
                try await read { db in
                    try await db.select().column("id").from("hangar_migrations").all(decodingColumn: "id", as: String.self)
                })
            return (migrations.map(\.id).filter { !applied.contains($0) }, nil)
        } catch StorageError.shutDown {
            throw StorageError.shutDown
        } catch {
            return (migrations.map(\.id), describeDatabaseError(error))
        }
    }
}
