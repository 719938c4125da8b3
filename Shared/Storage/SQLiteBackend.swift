import Foundation
import Logging
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO

/// SQLite: one writer connection behind an async lock (so our own transactions never see SQLITE_BUSY) and a
/// few `query_only` reader connections for ``SQLStore/read(_:)`` (WAL lets them read while the writer writes).
/// Other processes on the same file are kept in step by `busy_timeout` and `BEGIN IMMEDIATE`.
final class SQLiteBackend: StoreBackend {
    let settings: DatabaseConfiguration.SQLite
    let readOnly: Bool
    let logger: Logger
    /// libsqlite3 calls block a thread (up to `busy_timeout` when another process holds the lock), so each
    /// store has its own threads: one per connection.
    private let threadPool: LazyThreadPool
    private let writer: SQLiteConnectionPool?
    private let readers: SQLiteConnectionPool

    private enum Role { case writer, reader }

    init(settings: DatabaseConfiguration.SQLite, readOnly: Bool, logger: Logger) {
        self.settings = settings
        self.readOnly = readOnly
        self.logger = logger
        let threadPool = LazyThreadPool(numberOfThreads: settings.readerCount + (readOnly ? 0 : 1))
        self.threadPool = threadPool
        self.writer =
            readOnly
            ? nil
            : SQLiteConnectionPool(capacity: 1) {
                try await Self.openShielded(settings, readOnly: false, role: .writer, threadPool: threadPool, logger: logger)
            }
        self.readers = SQLiteConnectionPool(capacity: settings.readerCount) {
            try await Self.openShielded(settings, readOnly: readOnly, role: .reader, threadPool: threadPool, logger: logger)
        }
    }

    let maxTransactionAttempts = 3  // each attempt already waited up to busy_timeout for the lock

    func runBackground() async {}

    func transaction<T: Sendable>(
        isolation: TransactionIsolation,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        // Read-only: a deferred transaction still gives a consistent snapshot across several statements.
        let pool = writer ?? readers
        let begin = readOnly ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE"
        return try await pool.withConnection { lease in
            let db = lease.connection.sql(queryLogLevel: .trace)
            try await db.exec(begin)
            do {
                let value = try await body(db)
                try await db.exec("COMMIT")
                return value
            } catch {
                do {
                    try await db.exec("ROLLBACK")
                } catch let rollbackError {
                    // SQLite may already have rolled back (e.g. disk full); do not reuse a connection in an
                    // unknown state.
                    self.logger.warning(
                        "ROLLBACK failed; closing the connection",
                        metadata: ["error": "\(describeDatabaseError(rollbackError))"])
                    lease.isBroken = true
                }
                throw error
            }
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await readers.withConnection { lease in
            try await body(lease.connection.sql(queryLogLevel: .trace))
        }
    }

    func lockForMigrations(_ db: any SQLDatabase) async throws {}

    let createMigrationsTableSQL = """
        CREATE TABLE IF NOT EXISTS hangar_migrations (
            id TEXT PRIMARY KEY NOT NULL,
            applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        )
        """

    func close() async {
        await writer?.close()
        await readers.close()
        await threadPool.shutdown()
    }

    /// Opens and prepares one connection: WAL, busy_timeout, foreign keys, synchronous; readers are query_only.
    /// Opens a connection in a task of its own: cancelling the caller (a shutdown) half-way
    /// through would leave sqlite-nio's connection unclosed, which it treats as a fatal error.
    /// The caller still waits for it; a connection it no longer wants goes back to the pool.
    private static func openShielded(
        _ settings: DatabaseConfiguration.SQLite, readOnly: Bool, role: Role, threadPool: LazyThreadPool, logger: Logger
    ) async throws -> SQLiteConnection {
        try await Task {
            try await open(settings, readOnly: readOnly, role: role, threadPool: try threadPool.get(), logger: logger)
        }.value
    }

    private static func open(
        _ settings: DatabaseConfiguration.SQLite,
        readOnly: Bool,
        role: Role,
        threadPool: NIOThreadPool,
        logger: Logger
    ) async throws -> SQLiteConnection {
        let path = settings.path
        let location: String
        if readOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw StorageError.cannotOpenSQLite(path: path, reason: "the file does not exist (opened read-only)")
            }
            location = "file:\(uriEscaped(path))?mode=ro"
        } else {
            try createParentDirectory(of: path)
            location = path
        }
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: location), threadPool: threadPool, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any())
        } catch {
            throw StorageError.cannotOpenSQLite(path: path, reason: describeDatabaseError(error))
        }
        do {
            let db = connection.sql(queryLogLevel: .trace)
            // First: it replaces sqlite-nio's default busy handler (which retries forever).
            try await db.exec("PRAGMA busy_timeout = \(milliseconds(settings.busyTimeout))")
            if !readOnly {
                let mode = try await db.raw("PRAGMA journal_mode = WAL").first()?.decode(column: "journal_mode", as: String.self)
                if mode?.lowercased() != "wal" {
                    logger.warning(
                        "SQLite did not switch to WAL journal mode",
                        metadata: ["path": "\(path)", "journal_mode": "\(mode ?? "?")"])
                }
            }
            try await db.exec("PRAGMA foreign_keys = ON")
            try await db.exec("PRAGMA synchronous = \(settings.synchronous.rawValue)")
            if readOnly || role == .reader {
                try await db.exec("PRAGMA query_only = ON")
            }
            return connection
        } catch {
            try? await connection.close()
            throw StorageError.cannotOpenSQLite(path: path, reason: describeDatabaseError(error))
        }
    }

    /// Escapes the characters that have a meaning in an SQLite `file:` URI.
    private static func uriEscaped(_ path: String) -> String {
        path.replacingOccurrences(of: "%", with: "%25")
            .replacingOccurrences(of: "?", with: "%3f")
            .replacingOccurrences(of: "#", with: "%23")
    }
}

func milliseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds * 1000 + attoseconds / 1_000_000_000_000_000
}
