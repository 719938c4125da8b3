import Foundation

extension DatabaseConfiguration {
    /// Parses a database URL, as given to a service on its command line or in its environment.
    ///
    /// - `nil` or empty: SQLite at `defaultSQLitePath` (its parent folder is created).
    /// - `sqlite:///abs/path.sqlite` or `sqlite:relative/path.sqlite`: SQLite. Options:
    ///   `?mode=ro` (read-only), `?synchronous=off|normal|full|extra`.
    /// - `postgres://user:password@host:port/database` (or `postgresql://`): PostgreSQL. Options:
    ///   `?schema=NAME` (the service's own schema, created if missing), `?sslmode=disable|prefer|require|verify-full`,
    ///   `?connect_timeout=SECONDS`, `?mode=ro`.
    ///
    /// Anything else throws ``StorageError/invalidURL(_:)``. Error messages never contain the password.
    public static func from(url: String?, defaultSQLitePath: String) throws -> DatabaseConfiguration {
        let text = (url ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty {
            let configuration = DatabaseConfiguration.sqlite(path: defaultSQLitePath)
            if case .sqlite(let sqlite) = configuration.backend {
                try createParentDirectory(of: sqlite.path)
            }
            return configuration
        }
        let lowered = text.lowercased()
        if lowered.hasPrefix("sqlite:") {
            return try parseSQLite(String(text.dropFirst("sqlite:".count)))
        }
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            return try postgres(url: text)
        }
        let scheme = text.firstIndex(of: ":").map { String(text[..<$0]) }
        if let scheme, !scheme.isEmpty, !scheme.contains("/") {
            throw StorageError.invalidURL(
                "unsupported database URL scheme '\(scheme):' (expected sqlite:, postgres:// or postgresql://)")
        }
        throw StorageError.invalidURL(
            "'\(text)' is not a database URL (expected sqlite:///abs/path.sqlite, sqlite:relative/path.sqlite "
                + "or postgres://user:password@host:port/database)")
    }

    /// Parses a `postgres://` / `postgresql://` URL. See ``from(url:defaultSQLitePath:)``.
    public static func postgres(url text: String) throws -> DatabaseConfiguration {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
        else {
            throw StorageError.invalidURL("malformed PostgreSQL URL (expected postgres://user:password@host:port/database)")
        }
        guard let username = components.percentEncodedUser?.removingPercentEncoding, !username.isEmpty else {
            throw StorageError.invalidURL("PostgreSQL URL has no user name (postgres://USER:password@host/database)")
        }
        let password = components.percentEncodedPassword?.removingPercentEncoding
        var host = components.host ?? ""
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "127.0.0.1" }
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        database = database.removingPercentEncoding ?? database
        if database.isEmpty { database = username }  // libpq's default
        guard !database.contains("/") else {
            throw StorageError.invalidURL("PostgreSQL URL path must be a single database name, got '\(database)'")
        }

        var settings = Postgres(
            host: host, port: components.port ?? 5432, username: username, password: password, database: database)
        var readOnly = false
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name.lowercased() {
            case "schema", "search_path", "currentschema":
                try validateSchemaName(value)
                settings.schema = value
            case "sslmode":
                switch value.lowercased() {
                case "disable": settings.tls = .disable
                case "allow", "prefer": settings.tls = .prefer
                case "require": settings.tls = .require
                case "verify-ca", "verify-full": settings.tls = .verifyFull
                default:
                    throw StorageError.invalidURL("unknown sslmode '\(value)' (disable, prefer, require or verify-full)")
                }
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw StorageError.invalidURL("connect_timeout must be a positive number of seconds, got '\(value)'")
                }
                settings.connectTimeout = .seconds(seconds)
            case "pool_max", "max_connections":
                guard let count = Int(value), count > 0 else {
                    throw StorageError.invalidURL("\(item.name) must be a positive integer, got '\(value)'")
                }
                settings.maximumConnections = count
            case "mode":
                readOnly = try parseMode(value)
            default:
                throw StorageError.invalidURL(
                    "unknown PostgreSQL URL option '\(item.name)' (supported: schema, sslmode, connect_timeout, pool_max, mode)")
            }
        }
        return .init(backend: .postgres(settings), readOnly: readOnly)
    }

    /// PostgreSQL schema names we accept: lower-case letters, digits and `_`, not starting with a digit,
    /// at most 63 characters (so they never need quoting in `search_path`).
    static func validateSchemaName(_ name: String) throws {
        let valid =
            !name.isEmpty && name.utf8.count <= 63
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
            && !("0"..."9").contains(name.unicodeScalars.first!)
        guard valid else {
            throw StorageError.invalidURL(
                "invalid schema name '\(name)' (use lower-case letters, digits and _, not starting with a digit)")
        }
    }

    private static func parseSQLite(_ rest: String) throws -> DatabaseConfiguration {
        var pathPart = Substring(rest)
        var query: Substring = ""
        if let mark = pathPart.firstIndex(of: "?") {
            query = pathPart[pathPart.index(after: mark)...]
            pathPart = pathPart[..<mark]
        }
        if pathPart.hasPrefix("//") { pathPart = pathPart.dropFirst(2) }  // sqlite:///abs -> /abs
        let path = String(pathPart).removingPercentEncoding ?? String(pathPart)
        guard !path.isEmpty else {
            throw StorageError.invalidURL("SQLite URL has no file path (sqlite:///abs/path.sqlite or sqlite:relative/path)")
        }
        var sqlite = SQLite(path: absolutePath(path))
        var readOnly = false
        for pair in query.split(separator: "&") where !pair.isEmpty {
            // Empty parts kept: "=" is two of them (dropped, reading the name trapped).
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).lowercased()
            let value = parts.count > 1 ? String(parts[1]) : ""
            switch name {
            case "mode":
                readOnly = try parseMode(value)
            case "synchronous":
                guard let level = SQLiteSynchronous(rawValue: value.uppercased()) else {
                    throw StorageError.invalidURL("unknown synchronous level '\(value)' (off, normal, full or extra)")
                }
                sqlite.synchronous = level
            default:
                throw StorageError.invalidURL("unknown SQLite URL option '\(name)' (supported: mode, synchronous)")
            }
        }
        return .init(backend: .sqlite(sqlite), readOnly: readOnly)
    }

    private static func parseMode(_ value: String) throws -> Bool {
        switch value.lowercased() {
        case "ro": return true
        case "rw", "rwc": return false
        default: throw StorageError.invalidURL("unknown mode '\(value)' (ro or rw)")
        }
    }
}

/// `path` made absolute against the current directory.
func absolutePath(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    let cwd = FileManager.default.currentDirectoryPath
    return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)).standardizedFileURL.path
}

/// Creates the folder that will hold the file at `path`, if missing.
func createParentDirectory(of path: String) throws {
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
    do {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    } catch {
        throw StorageError.cannotOpenSQLite(path: path, reason: "cannot create folder \(parent): \(error.localizedDescription)")
    }
}
