import PostgresNIO
import SQLiteNIO

/// What kind of failure a database error is, the same on SQLite and PostgreSQL, so callers can react to e.g.
/// a unique-constraint violation without knowing the backend:
///
/// ```swift
/// do { try await store.transaction { db in try await db.insert(into: "jobs").model(job).run() } }
/// catch where DatabaseErrorKind(error) == .uniqueViolation { /* already there */ }
/// ```
public enum DatabaseErrorKind: Sendable, Hashable {
    /// A `UNIQUE` or `PRIMARY KEY` constraint (SQLite `SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY`, PostgreSQL 23505).
    case uniqueViolation
    /// A foreign key constraint (PostgreSQL 23503).
    case foreignKeyViolation
    /// A `NOT NULL` constraint (PostgreSQL 23502).
    case notNullViolation
    /// A `CHECK` constraint (PostgreSQL 23514).
    case checkViolation
    /// A write on a read-only database or connection (PostgreSQL 25006).
    case readOnly
    /// A conflict with a concurrent transaction that is worth retrying: SQLite busy/locked, PostgreSQL
    /// serialization failure (40001) or deadlock (40P01). ``SQLStore/transaction(isolation:_:)`` retries these.
    case transientConflict
    /// Anything else (syntax errors, connection failures, ...).
    case other

    /// Classifies `error`: SQLite errors by result code, PostgreSQL errors by SQLSTATE, a failed migration
    /// by its underlying error. Anything else, including a PostgreSQL error without SQLSTATE, is ``other``.
    public init(_ error: any Error) {
        if let error = error as? SQLiteError {
            self = Self.classify(sqlite: error.reason)
        } else if let error = error as? SQLiteStatementError {
            self = Self.classify(sqliteCode: error.code)
        } else if let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] {
            self = Self.classify(sqlState: state)
        } else if case .migrationFailed(_, _, let underlying) = error as? StorageError {
            self = DatabaseErrorKind(underlying)
        } else {
            self = .other
        }
    }

    static func classify(sqlState: String) -> DatabaseErrorKind {
        switch sqlState {
        case "23505": .uniqueViolation
        case "23503": .foreignKeyViolation
        case "23502": .notNullViolation
        case "23514": .checkViolation
        case "25006": .readOnly
        case "40001", "40P01": .transientConflict
        default: .other
        }
    }

    /// libsqlite3's extended result codes, as ``SQLiteHandle`` reports them.
    static func classify(sqliteCode code: Int32) -> DatabaseErrorKind {
        switch code {
        case 2067, 1555, 2579: .uniqueViolation  // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY, _ROWID
        case 787: .foreignKeyViolation  // SQLITE_CONSTRAINT_FOREIGNKEY
        case 1299: .notNullViolation  // SQLITE_CONSTRAINT_NOTNULL
        case 275: .checkViolation  // SQLITE_CONSTRAINT_CHECK
        default:
            switch code & 0xff {
            case 8: .readOnly  // SQLITE_READONLY and its extended codes
            case 5, 6: .transientConflict  // SQLITE_BUSY, SQLITE_LOCKED
            default: .other
            }
        }
    }

    static func classify(sqlite reason: SQLiteError.Reason) -> DatabaseErrorKind {
        switch reason {
        case .constraintUniqueFailed, .constraintPrimaryKeyFailed, .constraintUniqueRowIDFailed:
            .uniqueViolation
        case .constraintForeignKeyFailed:
            .foreignKeyViolation
        case .constraintNotNullFailed:
            .notNullViolation
        case .constraintCheckFailed:
            .checkViolation
        case .readOnly, .readonlyCantLock, .readonlyInRecovery, .readonlyInRollback, .readonlyBackingMoved,
            .readonlyDirectory:
            .readOnly
        case .busy, .busyTimeout, .busyInRecovery, .busyInSnapshot, .locked, .lockedBySharedCache:
            .transientConflict
        default:
            .other
        }
    }
}
