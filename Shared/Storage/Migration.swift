import SQLKit

/// One step of a service's schema history. Applied at most once per database (recorded by `id` in the
/// `hangar_migrations` table), in its own transaction, by ``SQLStore/migrate(_:)``.
///
/// Never change or reorder a migration that has shipped: add a new one.
public struct Migration: Sendable {
    /// Unique and stable, e.g. `"2025-01-scheduler-create-deployments"`.
    public let id: String
    /// Creates or changes tables. Runs inside the migration's transaction. Use ``SQLStore/dialect`` (or
    /// `db.dialect`) for the rare dialect-specific DDL.
    public let apply: @Sendable (any SQLDatabase) async throws -> Void

    /// A migration called `id`; ``SQLStore/migrate(_:)`` runs `apply` in its own transaction the first
    /// time it sees `id` in a database.
    public init(id: String, apply: @escaping @Sendable (any SQLDatabase) async throws -> Void) {
        self.id = id
        self.apply = apply
    }
}
