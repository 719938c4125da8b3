import SQLKit

extension SQLRow {
    /// A text column, nil for NULL. Read straight from a SQLite row; through the row's
    /// decoder on PostgreSQL.
    public func text(_ column: String) throws -> String? {
        if let row = self as? SQLiteHandleRow, let value = row.values.value(column) {
            switch value {
            case .text(let text): return text
            case .null: return nil
            default: break
            }
        }
        return try decode(column: column, as: String?.self)
    }

    /// An integer column, nil for NULL. Read straight from a SQLite row; through the row's
    /// decoder on PostgreSQL.
    public func integer(_ column: String) throws -> Int64? {
        if let row = self as? SQLiteHandleRow, let value = row.values.value(column) {
            switch value {
            case .integer(let integer): return Int64(integer)
            case .null: return nil
            default: break
            }
        }
        return try decode(column: column, as: Int64?.self)
    }

    /// A text column that is never NULL: read straight from a SQLite row like ``text(_:)``,
    /// through the row's decoder otherwise (which throws for NULL or a missing column).
    public func string(_ column: String) throws -> String {
        if let text = try text(column) { return text }
        return try decode(column: column, as: String.self)
    }

    /// An integer column that is never NULL, like ``string(_:)``.
    public func int64(_ column: String) throws -> Int64 {
        if let integer = try integer(column) { return integer }
        return try decode(column: column, as: Int64.self)
    }
}
