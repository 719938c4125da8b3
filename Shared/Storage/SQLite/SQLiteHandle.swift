import Foundation
import NIOCore
import SQLiteNIO
import VaporCSQLite

/// One SQLite connection, called directly on the calling thread (libsqlite3 as vendored by
/// sqlite-nio), with a cache of prepared statements.
///
/// sqlite-nio runs each statement on a thread pool and hops back through an event loop: three
/// thread switches per statement, most of the CPU a Hangar service spent on its store. Here a
/// transaction runs on the connection's own ``thread`` (a task executor) from `BEGIN` to
/// `COMMIT`, its statements one after the other without a hop; waiting for another process's
/// lock (bounded by `busy_timeout`) blocks that thread, not Swift's cooperative pool.
///
/// Not thread-safe: one task at a time uses it (``SQLiteConnectionPool`` leases it).
final class SQLiteHandle: @unchecked Sendable {
    /// The thread its transactions run on.
    let thread: ConnectionThread
    private var db: OpaquePointer?
    /// A prepared statement and when it was last used (a use counter); a class, so that a use
    /// updates it without hashing the SQL text again.
    private final class Cached {
        let statement: OpaquePointer
        var lastUse: UInt64
        /// Its result's column names, read once (a `SELECT *` of the scheduler's deployments
        /// has 25), with the statement's reprepare count then: SQLite prepares a statement
        /// again after a schema change, which may change its columns.
        var columns: (SQLiteValues.Columns, reprepares: Int32)?
        init(_ statement: OpaquePointer, lastUse: UInt64) {
            self.statement = statement
            self.lastUse = lastUse
        }
    }

    /// Prepared statements by SQL text.
    private var statements: [String: Cached] = [:]
    private var uses: UInt64 = 0
    /// Prepared statements kept per connection. When it is full, a new text takes the place of
    /// the one used longest ago: a statement written with a value in its text (never the
    /// same twice) passes through without keeping the steady ones out.
    let cacheCapacity: Int

    /// Whether ``close()`` ends ``thread`` (a thread handed in outlives the connection).
    private let ownsThread: Bool

    /// Opens the connection at `path`; its transactions run on `thread` when given (one that
    /// outlives the connection: ``SQLiteBackend``'s writer thread), else on a thread of its own.
    init(path: String, readOnly: Bool, cacheCapacity: Int = 256, thread: ConnectionThread? = nil) throws {
        self.cacheCapacity = cacheCapacity
        var handle: OpaquePointer?
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            if let handle { sqlite_nio_sqlite3_close_v2(handle) }
            throw SQLiteStatementError(code: status, message: message, sql: nil)
        }
        sqlite_nio_sqlite3_extended_result_codes(handle, 1)
        db = handle
        ownsThread = thread == nil
        self.thread = thread ?? ConnectionThread(name: "sqlite:" + (path.split(separator: "/").last.map(String.init) ?? path))
    }

    deinit { close() }

    /// Finalizes the cached statements, closes the connection and ends its thread (unless it
    /// was handed in).
    func close() {
        for cached in statements.values { sqlite_nio_sqlite3_finalize(cached.statement) }
        statements.removeAll()
        if let db { sqlite_nio_sqlite3_close_v2(db) }
        db = nil
        if ownsThread { thread.stop() }
    }

    /// Runs SQL without binds or results (may hold several statements).
    func exec(_ sql: String) throws {
        guard let db else { throw SQLiteStatementError(code: SQLITE_MISUSE, message: "the connection is closed", sql: sql) }
        let status = sqlite_nio_sqlite3_exec(db, sql, nil, nil, nil)
        guard status == SQLITE_OK else { throw error(status, sql: sql) }
    }

    /// Runs one statement without binds or results, its prepared statement kept: `BEGIN` and
    /// `COMMIT`, which every transaction runs, are not parsed again each time.
    func run(_ sql: String) throws {
        try query(sql, []) { _ in }
    }

    /// Runs one statement with `binds`, calling `onRow` with each result row's values.
    func query(_ sql: String, _ binds: [SQLiteData], onRow: (SQLiteValues) throws -> Void) throws {
        guard let db else { throw SQLiteStatementError(code: SQLITE_MISUSE, message: "the connection is closed", sql: sql) }
        let (statement, cached) = try prepare(sql, on: db)
        defer {
            if cached != nil {
                // Reset, but the bindings are not cleared: the next use binds every parameter
                // again, and clearing marks a statement whose plan looked at a parameter (an
                // equality on a column outside the index it uses) as expired, so each use
                // prepared it again (the scheduler's next queued deployment: 637 times for the
                // 420 deployments of `pipeline-bench --only-bursts --quick`). A kept statement
                // holds its last values until its next use.
                sqlite_nio_sqlite3_reset(statement)
            } else {
                sqlite_nio_sqlite3_finalize(statement)
            }
        }
        try bind(binds, to: statement, sql: sql)
        var columns: SQLiteValues.Columns?
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw error(status, sql: sql) }
            let count = Int(sqlite_nio_sqlite3_column_count(statement))
            if columns == nil {
                let reprepares = sqlite_nio_sqlite3_stmt_status(statement, SQLITE_STMTSTATUS_REPREPARE, 0)
                if let kept = cached?.columns, kept.reprepares == reprepares {
                    columns = kept.0
                } else {
                    let read = SQLiteValues.Columns(
                        names: (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, Int32($0))) })
                    cached?.columns = (read, reprepares)
                    columns = read
                }
            }
            var values: [SQLiteData] = []
            values.reserveCapacity(count)
            for index in 0..<Int32(count) { values.append(Self.value(statement, index)) }
            try onRow(SQLiteValues(columns: columns!, values: values))
        }
    }

    private func prepare(_ sql: String, on db: OpaquePointer) throws -> (OpaquePointer, cached: Cached?) {
        uses += 1
        if let cached = statements[sql] {
            cached.lastUse = uses
            return (cached.statement, cached)
        }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw error(status, sql: sql) }
        guard cacheCapacity > 0 else { return (statement, nil) }
        if statements.count >= cacheCapacity, let oldest = statements.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            // Not in use: one statement runs at a time on a connection, and it is this one.
            sqlite_nio_sqlite3_finalize(oldest.value.statement)
            statements.removeValue(forKey: oldest.key)
        }
        let cached = Cached(statement, lastUse: uses)
        statements[sql] = cached
        return (statement, cached)
    }

    /// Whether `sql`'s prepared statement is kept (for tests).
    func isCached(_ sql: String) -> Bool { statements[sql] != nil }

    /// How many times `sql`'s kept statement was prepared again by SQLite
    /// (`SQLITE_STMTSTATUS_REPREPARE`); nil when it is not kept (for tests).
    func reprepares(_ sql: String) -> Int32? {
        statements[sql].map { sqlite_nio_sqlite3_stmt_status($0.statement, SQLITE_STMTSTATUS_REPREPARE, 0) }
    }

    /// How many prepared statements are kept (for tests).
    var cachedStatements: Int { statements.count }

    private func bind(_ binds: [SQLiteData], to statement: OpaquePointer, sql: String) throws {
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .integer(let number): status = sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
            case .float(let number): status = sqlite_nio_sqlite3_bind_double(statement, index, number)
            case .text(let text): status = sqlite_nio_sqlite3_bind_text(statement, index, text, -1, Self.transient)
            case .blob(let buffer):
                status = buffer.withUnsafeReadableBytes { bytes in
                    sqlite_nio_sqlite3_bind_blob(statement, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
                }
            case .null: status = sqlite_nio_sqlite3_bind_null(statement, index)
            }
            guard status == SQLITE_OK else { throw error(status, sql: sql) }
        }
    }

    private static func value(_ statement: OpaquePointer, _ index: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, index) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, index)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, index))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, index) else { return .text("") }
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, index))
            guard let bytes = sqlite_nio_sqlite3_column_blob(statement, index), count > 0 else { return .blob(ByteBuffer()) }
            return .blob(ByteBuffer(bytes: UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the bound bytes before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func error(_ status: Int32, sql: String?) -> SQLiteStatementError {
        let message = db.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "the connection is closed"
        let code = db.map { sqlite_nio_sqlite3_extended_errcode($0) } ?? status
        return SQLiteStatementError(code: code, message: message, sql: sql)
    }
}

/// The values of one result row, with the column names shared by all rows of a query.
struct SQLiteValues: Sendable {
    final class Columns: Sendable {
        let names: [String]
        let index: [String: Int]

        init(names: [String]) {
            self.names = names
            self.index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    let columns: Columns
    let values: [SQLiteData]

    func value(_ column: String) -> SQLiteData? {
        columns.index[column].map { values[$0] }
    }
}

/// An error from libsqlite3: its extended result code and message.
public struct SQLiteStatementError: Error, CustomStringConvertible, Sendable {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE`, `SQLITE_BUSY_TIMEOUT`, …).
    public let code: Int32
    /// libsqlite3's message for the error (`sqlite3_errmsg`).
    public let message: String
    let sql: String?

    /// The primary result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT`, …).
    public var primaryCode: Int32 { code & 0xff }

    /// `SQLite error <code>: <message>`, without the SQL.
    public var description: String { "SQLite error \(code): \(message)" }
}
