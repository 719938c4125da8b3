/// Where a service keeps its data: an SQLite file (the embedded default) or a PostgreSQL schema.
///
/// Build one with ``from(url:defaultSQLitePath:)`` (from a service's `--database-url` / environment variable),
/// ``sqlite(path:readOnly:synchronous:)`` or ``postgres(url:)``.
/// ``description`` never contains a password, so a configuration can be logged as is.
public struct DatabaseConfiguration: Sendable, CustomStringConvertible {
    /// The backend and its settings.
    public enum Backend: Sendable {
        case sqlite(SQLite)
        case postgres(Postgres)
    }

    /// An SQLite database file.
    public struct SQLite: Sendable, Hashable {
        /// Absolute path of the database file (one file per service).
        public var path: String
        /// The `PRAGMA synchronous` level. Default `.normal`.
        public var synchronous: SQLiteSynchronous
        /// How long a statement waits for another process's lock before failing with "database is locked"
        /// (`PRAGMA busy_timeout`). Default 5 s.
        public var busyTimeout: Duration
        /// How many connections serve ``SQLStore/read(_:)`` concurrently (writers always share one). Default 2.
        public var readerCount: Int

        /// An SQLite file at `path`; a `readerCount` below 1 counts as 1.
        public init(
            path: String,
            synchronous: SQLiteSynchronous = .normal,
            busyTimeout: Duration = .seconds(5),
            readerCount: Int = 2
        ) {
            self.path = path
            self.synchronous = synchronous
            self.busyTimeout = busyTimeout
            self.readerCount = max(1, readerCount)
        }
    }

    /// A PostgreSQL database, optionally one schema in it.
    public struct Postgres: Sendable, Hashable {
        /// Server host name or address; `127.0.0.1` when a URL names none.
        public var host: String
        /// Server port. Default 5432.
        public var port: Int
        /// The role to log in as; a URL must name one.
        public var username: String
        /// Never printed by ``DatabaseConfiguration/description``.
        public var password: String?
        /// The database name; a URL without one uses the user name, like libpq.
        public var database: String
        /// The schema this service owns: created if missing and set as `search_path` on every connection.
        /// `nil` uses the server's default search path (normally `public`).
        public var schema: String?
        /// Whether and how to use TLS (a URL's `sslmode`). Default `.prefer`.
        public var tls: PostgresTLSMode
        /// Upper bound of the connection pool. Default 10.
        public var maximumConnections: Int
        /// How long to wait for the TCP connection and authentication. Default 10 s.
        public var connectTimeout: Duration

        /// A PostgreSQL database; a `maximumConnections` below 1 counts as 1.
        public init(
            host: String,
            port: Int = 5432,
            username: String,
            password: String?,
            database: String,
            schema: String? = nil,
            tls: PostgresTLSMode = .prefer,
            maximumConnections: Int = 10,
            connectTimeout: Duration = .seconds(10)
        ) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.schema = schema
            self.tls = tls
            self.maximumConnections = max(1, maximumConnections)
            self.connectTimeout = connectTimeout
        }
    }

    /// SQLite or PostgreSQL, with its settings.
    public var backend: Backend

    /// Open the database for reading only. SQLite: the file is opened with `mode=ro` and `PRAGMA query_only`
    /// (another process may own and write it; the file must already exist). PostgreSQL: every transaction is
    /// read-only (`default_transaction_read_only`). Writes then fail, and ``SQLStore/migrate(_:)`` refuses to run.
    public var readOnly: Bool

    /// A configuration for `backend`, read-write unless `readOnly`.
    public init(backend: Backend, readOnly: Bool = false) {
        self.backend = backend
        self.readOnly = readOnly
    }

    /// An SQLite file. A relative `path` is resolved against the current directory.
    public static func sqlite(
        path: String,
        readOnly: Bool = false,
        synchronous: SQLiteSynchronous = .normal
    ) -> DatabaseConfiguration {
        .init(
            backend: .sqlite(.init(path: absolutePath(path), synchronous: synchronous)),
            readOnly: readOnly
        )
    }

    /// A PostgreSQL database (and optional schema).
    public static func postgres(_ settings: Postgres, readOnly: Bool = false) -> DatabaseConfiguration {
        .init(backend: .postgres(settings), readOnly: readOnly)
    }

    /// The dialect of the configured backend.
    public var dialect: Dialect {
        switch backend {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    /// A loggable summary, e.g. `sqlite:/var/lib/hangar/scheduler.sqlite` or
    /// `postgres://hangar:***@127.0.0.1:5432/hangar?schema=scheduler`. Never contains a password.
    public var description: String {
        var text: String
        var options: [String] = []
        switch backend {
        case .sqlite(let sqlite):
            text = "sqlite:\(sqlite.path)"
            if sqlite.synchronous != .normal { options.append("synchronous=\(sqlite.synchronous.rawValue)") }
        case .postgres(let pg):
            let secret = pg.password == nil ? "" : ":***"
            let host = pg.host.contains(":") ? "[\(pg.host)]" : pg.host
            text = "postgres://\(pg.username)\(secret)@\(host):\(pg.port)/\(pg.database)"
            if let schema = pg.schema { options.append("schema=\(schema)") }
            if pg.tls != .prefer { options.append("sslmode=\(pg.tls.rawValue)") }
        }
        if readOnly { options.append("mode=ro") }
        if !options.isEmpty { text += "?" + options.joined(separator: "&") }
        return text
    }
}

/// SQLite's `PRAGMA synchronous` level.
///
/// In WAL mode `.normal` (the default) is durable against a crash of the *process*: a committed transaction is in
/// the WAL file and survives. Only a power loss or OS crash can roll back the last transactions (never corrupt
/// the database). Use `.full` when those must survive too, at the cost of an fsync per commit.
public enum SQLiteSynchronous: String, Sendable, Hashable, CaseIterable {
    case off = "OFF"
    case normal = "NORMAL"
    case full = "FULL"
    case extra = "EXTRA"
}

/// Whether connections to PostgreSQL use TLS, like libpq's `sslmode`.
public enum PostgresTLSMode: String, Sendable, Hashable, CaseIterable {
    /// Plain TCP.
    case disable
    /// TLS when the server offers it, plain otherwise; the certificate is not checked (libpq's default).
    case prefer
    /// TLS or fail; the certificate is not checked.
    case require
    /// TLS or fail; the certificate chain and host name are verified.
    case verifyFull = "verify-full"
}
