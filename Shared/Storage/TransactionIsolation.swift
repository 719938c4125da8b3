/// The isolation level of a ``SQLStore/transaction(isolation:_:)``.
///
/// SQLite transactions are always serializable (one writer at a time), whatever is asked. On PostgreSQL the
/// default, `.readCommitted`, is the server's default: use atomic updates (`SET n = n + 1`) or lock the rows you
/// read before writing them back (`SELECT … FOR UPDATE`, sql-kit `.for(.update)`, which SQLite ignores).
/// `.serializable` gives SQLite's semantics on PostgreSQL too; conflicts are then retried automatically.
public enum TransactionIsolation: Sendable, Hashable {
    case readCommitted
    case repeatableRead
    case serializable

    var postgresBegin: String {
        switch self {
        case .readCommitted: "BEGIN"
        case .repeatableRead: "BEGIN ISOLATION LEVEL REPEATABLE READ"
        case .serializable: "BEGIN ISOLATION LEVEL SERIALIZABLE"
        }
    }
}
