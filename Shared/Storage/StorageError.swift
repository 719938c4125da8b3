import Foundation
import PostgresNIO
import SQLiteNIO

/// Errors raised by HangarStorage itself (database errors from statements are passed through unchanged;
/// classify them with ``DatabaseErrorKind``).
public enum StorageError: Error, Sendable, CustomStringConvertible, LocalizedError {
    /// The database URL or configuration is not valid. The message never contains a password.
    case invalidURL(String)
    /// The SQLite file could not be opened or prepared.
    case cannotOpenSQLite(path: String, reason: String)
    /// No PostgreSQL connection could be established.
    case cannotConnect(endpoint: String, database: String, username: String, reason: String)
    /// The store was configured read-only and `operation` needs to write.
    case readOnly(operation: String)
    /// The store has been shut down (``SQLStore/shutdown()`` or the end of ``SQLStore/run()``).
    case shutDown
    /// PostgreSQL answered `COMMIT` with `ROLLBACK`: a statement in the transaction failed and its error was
    /// caught inside the transaction body, so nothing was committed.
    case transactionRolledBack
    /// A migration failed; it was rolled back and later migrations were not applied.
    case migrationFailed(id: String, reason: String, underlying: any Error)
    /// Two migrations share one id.
    case duplicateMigration(id: String)

    /// A one-line explanation for logs and operators; it never contains a password.
    public var description: String {
        switch self {
        case .invalidURL(let message):
            "invalid database URL: \(message)"
        case .cannotOpenSQLite(let path, let reason):
            "cannot open SQLite database \(path): \(reason)"
        case .cannotConnect(let endpoint, let database, let username, let reason):
            "cannot connect to PostgreSQL at \(endpoint) (database \(database), user \(username)): \(reason)"
        case .readOnly(let operation):
            "the database is configured read-only: cannot \(operation)"
        case .shutDown:
            "the store has been shut down"
        case .transactionRolledBack:
            "PostgreSQL rolled the transaction back at COMMIT: a statement in it failed and its error was caught"
        case .migrationFailed(let id, let reason, _):
            "migration '\(id)' failed and was rolled back: \(reason)"
        case .duplicateMigration(let id):
            "two migrations have the id '\(id)'"
        }
    }

    /// The same text as ``description``, for `LocalizedError` (and so for ``describeDatabaseError(_:)``).
    public var errorDescription: String? { description }
}

/// A human-readable description of any error a store can throw, including PostgreSQL's server message and
/// SQLSTATE (postgres-nio's own `description` hides them on purpose). Never contains the password.
public func describeDatabaseError(_ error: any Error) -> String {
    if let error = error as? PSQLError {
        if let info = error.serverInfo, let message = info[.message] {
            var text = message
            if let detail = info[.detail] { text += " (\(detail))" }
            if let state = info[.sqlState] { text += " [SQLSTATE \(state)]" }
            return text
        }
        if let underlying = error.underlying {
            return "\(error.code): \(describeDatabaseError(underlying))"
        }
        return "\(error.code)"
    }
    if let error = error as? any LocalizedError, let text = error.errorDescription {
        return text
    }
    return String(describing: error)
}
