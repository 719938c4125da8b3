/// The SQL dialect a ``SQLStore`` speaks, for the rare statement that must differ between backends.
///
/// Prefer sql-kit's builders (they adapt to the dialect); branch on this only for SQL they cannot express.
public enum Dialect: String, Sendable, Hashable, CustomStringConvertible {
    /// SQLite (the embedded default).
    case sqlite
    /// PostgreSQL.
    case postgres

    /// The raw value: `sqlite` or `postgres`.
    public var description: String { rawValue }
}
