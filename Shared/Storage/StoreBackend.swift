import SQLKit

/// What ``SQLStore`` needs from a backend. One attempt each: retries and shutdown checks live in the store.
protocol StoreBackend: Sendable {
    /// Drives background work until cancelled (PostgreSQL's pool); returns at once when there is none.
    func runBackground() async
    /// Runs `body` on one connection inside a transaction.
    func transaction<T: Sendable>(
        isolation: TransactionIsolation,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T
    /// Runs `body` on one connection, no explicit transaction.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Inside a migration transaction: serialise migrating processes (SQLite's `BEGIN IMMEDIATE` already does).
    func lockForMigrations(_ db: any SQLDatabase) async throws
    /// The DDL of the `hangar_migrations` table.
    var createMigrationsTableSQL: String { get }
    /// How many times a transaction is attempted when it meets a transient conflict.
    var maxTransactionAttempts: Int { get }
    /// Closes every connection (waiting for leased ones).
    func close() async
    /// Where write transactions run, when that is one thread (SQLite's writer); `nil` otherwise.
    var transactionExecutor: (any TaskExecutor)? { get }
}

extension StoreBackend {
    var transactionExecutor: (any TaskExecutor)? { nil }
}

extension SQLDatabase {
    /// Executes one SQL statement given as a plain string (our own fixed SQL only, never user input).
    func exec(_ sql: String) async throws {
        try await self.execute(sql: SQLRaw(sql), { _ in })
    }
}
