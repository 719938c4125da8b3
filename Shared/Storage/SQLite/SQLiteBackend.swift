import Foundation
import Logging
import SQLKit

/// SQLite: one writer connection behind an async lock (so our own transactions never see SQLITE_BUSY) and a
/// few `query_only` reader connections for ``SQLStore/read(_:)`` (WAL lets them read while the writer writes).
/// Other processes on the same file are kept in step by `busy_timeout` and `BEGIN IMMEDIATE`.
///
/// Statements run through ``SQLiteHandle`` (libsqlite3 directly, prepared statements cached per
/// connection) on the connection's own thread: a transaction is one run of work there.
final class SQLiteBackend: StoreBackend {
    let settings: DatabaseConfiguration.SQLite
    let readOnly: Bool
    let logger: Logger
    private let writer: SQLiteConnectionPool?
    private let readers: SQLiteConnectionPool
    /// The thread the writer connection's transactions run on, whichever connection that is
    /// (one that broke is replaced): a consumer whose work is mostly transactions runs on it
    /// too (``transactionExecutor``), and its transactions then start without a thread hop.
    private let writerThread: ConnectionThread?

    private enum Role { case writer, reader }

    init(settings: DatabaseConfiguration.SQLite, readOnly: Bool, logger: Logger) {
        self.settings = settings
        self.readOnly = readOnly
        self.logger = logger
        let writerThread =
            readOnly ? nil : ConnectionThread(name: "sqlite-writer:" + (settings.path.split(separator: "/").last.map(String.init) ?? ""))
        self.writerThread = writerThread
        self.writer =
            readOnly
            ? nil
            : SQLiteConnectionPool(capacity: 1) {
                try Self.open(settings, readOnly: false, role: .writer, thread: writerThread, logger: logger)
            }
        self.readers = SQLiteConnectionPool(capacity: settings.readerCount) {
            try Self.open(settings, readOnly: readOnly, role: .reader, logger: logger)
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
        let logger = logger
        return try await pool.withConnection { lease in
            let handle = lease.connection
            return try await withTaskExecutorPreference(handle.thread) {
                try handle.run(begin)
                do {
                    let value = try await body(SQLiteHandleDatabase(handle: handle, logger: logger))
                    try handle.run("COMMIT")
                    return value
                } catch {
                    do {
                        try handle.exec("ROLLBACK")
                    } catch let rollbackError {
                        // SQLite may already have rolled back (e.g. disk full); do not reuse a connection in an
                        // unknown state.
                        logger.warning(
                            "ROLLBACK failed; closing the connection",
                            metadata: ["error": "\(describeDatabaseError(rollbackError))"])
                        lease.isBroken = true
                    }
                    throw error
                }
            }
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let logger = logger
        return try await readers.withConnection { lease in
            try await withTaskExecutorPreference(lease.connection.thread) {
                try await body(SQLiteHandleDatabase(handle: lease.connection, logger: logger))
            }
        }
    }

    func lockForMigrations(_ db: any SQLDatabase) async throws {}

    let createMigrationsTableSQL = """
        CREATE TABLE IF NOT EXISTS hangar_migrations (
            id TEXT PRIMARY KEY NOT NULL,
            applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        )
        """

    var transactionExecutor: (any TaskExecutor)? { writerThread }

    func close() async {
        await writer?.close()
        await readers.close()
        writerThread?.stop()
    }

    /// Opens and prepares one connection: WAL, busy_timeout, foreign keys, synchronous; readers are query_only.
    private static func open(
        _ settings: DatabaseConfiguration.SQLite,
        readOnly: Bool,
        role: Role,
        thread: ConnectionThread? = nil,
        logger: Logger
    ) throws -> SQLiteHandle {
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
        let handle: SQLiteHandle
        do {
            handle = try SQLiteHandle(path: location, readOnly: readOnly, thread: thread)
        } catch {
            throw StorageError.cannotOpenSQLite(path: path, reason: describeDatabaseError(error))
        }
        do {
            try handle.exec("PRAGMA busy_timeout = \(milliseconds(settings.busyTimeout))")
            if !readOnly {
                // Switching a new file to WAL needs its lock, which another process opening the same
                // file at that moment may hold (intake and the recorder both create the history
                // tables at start-up); SQLite answers SQLITE_BUSY at once then, without waiting
                // for busy_timeout. Try again until busy_timeout has passed.
                var mode: String?
                let deadline = ContinuousClock.now + settings.busyTimeout
                while true {
                    do {
                        try handle.query("PRAGMA journal_mode = WAL", []) { row in
                            if case .text(let text) = row.value("journal_mode") { mode = text }
                        }
                        break
                    } catch let error as SQLiteStatementError where error.primaryCode == 5 && ContinuousClock.now < deadline {
                        Thread.sleep(forTimeInterval: 0.02)
                    }
                }
                if mode?.lowercased() != "wal" {
                    logger.warning(
                        "SQLite did not switch to WAL journal mode",
                        metadata: ["path": "\(path)", "journal_mode": "\(mode ?? "?")"])
                }
            }
            try handle.exec("PRAGMA foreign_keys = ON")
            try handle.exec("PRAGMA synchronous = \(settings.synchronous.rawValue)")
            if readOnly || role == .reader {
                try handle.exec("PRAGMA query_only = ON")
            }
            return handle
        } catch {
            handle.close()
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
