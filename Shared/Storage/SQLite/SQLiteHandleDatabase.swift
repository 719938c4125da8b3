import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO

/// SQLKit's view of a leased ``SQLiteHandle``: each query is serialized by SQLKit, its binds
/// encoded and its rows decoded by sqlite-kit's `SQLiteDataEncoder`/`SQLiteDataDecoder` (so
/// values read and write as they did through sqlite-kit), and run at once on the calling
/// thread (the connection's, see ``SQLiteBackend``): the async `execute` does not suspend.
struct SQLiteHandleDatabase: SQLDatabase {
    let handle: SQLiteHandle
    let logger: Logger
    let queryLogLevel: Logger.Level?
    private let encoder = SQLiteDataEncoder()
    private let decoder = SQLiteDataDecoder()

    init(handle: SQLiteHandle, logger: Logger, queryLogLevel: Logger.Level? = .trace) {
        self.handle = handle
        self.logger = logger
        self.queryLogLevel = queryLogLevel
    }

    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var dialect: any SQLDialect { SQLiteDialect() }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        do {
            try run(query, onRow)
            return eventLoop.makeSucceededVoidFuture()
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await closure(self)
    }

    private func run(_ query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) throws {
        let (sql, rawBinds) = serialize(query)
        if let queryLogLevel, logger.logLevel <= queryLogLevel {
            logger.log(level: queryLogLevel, "Executing query", metadata: ["sql": .string(sql)])
        }
        let binds = try rawBinds.map { try Self.directBind($0) ?? encoder.encode($0) }
        try handle.query(sql, binds) { values in onRow(SQLiteHandleRow(values: values, decoder: decoder)) }
    }

    /// Text, integers and NULL bound without the encoder, as it would bind them: `String` as
    /// text, `Int` and `Int64` as integers, any `nil` as NULL (most binds Hangar makes; the
    /// encoder's `as? any SQLiteDataConvertible` looks the conformance up at run time for each).
    /// Anything else, nil: the encoder decides, as before.
    static func directBind(_ value: any Encodable) -> SQLiteData? {
        switch value {
        case let text as String: .text(text)
        case let integer as Int: .integer(integer)
        case let integer as Int64: .integer(Int(integer))
        case let text as String?: text.map { .text($0) } ?? .null
        case let integer as Int?: integer.map { .integer($0) } ?? .null
        case let integer as Int64?: integer.map { .integer(Int($0)) } ?? .null
        default: nil
        }
    }
}

/// One result row through SQLKit's `SQLRow`.
struct SQLiteHandleRow: SQLRow {
    let values: SQLiteValues
    let decoder: SQLiteDataDecoder

    var allColumns: [String] { values.columns.names }

    func contains(column: String) -> Bool { values.value(column) != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let value = values.value(column) else { return true }
        return value == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let value = values.value(column) else { throw MissingColumn(column: column) }
        if let direct = Self.direct(value, as: D.self) { return direct }
        return try decoder.decode(D.self, from: value)
    }

    /// Text, integers and NULL read as `String`, `Int64`, `Int` and their optionals without
    /// the generic decoder (most columns Hangar reads; the decoder's dynamic machinery costs
    /// more than the query). Anything else, nil: the decoder decides, as before.
    static func direct<D>(_ value: SQLiteData, as type: D.Type) -> D? {
        switch value {
        case .text(let text):
            if D.self == String.self { return text as? D }
            if D.self == String?.self { return String?.some(text) as? D }
        case .integer(let integer):
            if D.self == Int64.self { return Int64(integer) as? D }
            if D.self == Int64?.self { return Int64?.some(Int64(integer)) as? D }
            if D.self == Int.self { return integer as? D }
            if D.self == Int?.self { return Int?.some(integer) as? D }
        case .null:
            if D.self == String?.self { return String?.none as? D }
            if D.self == Int64?.self { return Int64?.none as? D }
            if D.self == Int?.self { return Int?.none as? D }
        default:
            break
        }
        return nil
    }

    struct MissingColumn: Error, CustomStringConvertible {
        let column: String
        var description: String { "no column '\(column)' in the row" }
    }
}
