import Foundation
import Testing

@testable import HangarStorage

/// The prepared statements a SQLite connection keeps: bounded, and when full the one used
/// longest ago gives way, so statements that never repeat (a value written into the text)
/// cannot keep the steady ones out. Before, the first 256 texts stayed for good and every
/// later one was prepared again on each use: the recorder filled the cache that way.
@Suite("SQLite statement cache")
struct StatementCacheTests {
    @Test("statements that never repeat pass through a full cache; the steady ones are kept")
    func leastRecentlyUsedGivesWay() throws {
        try withTemporarySQLite(cacheCapacity: 8) { handle, _ throws in
            func run(_ sql: String) throws -> [Int64] {
                var values: [Int64] = []
                try handle.query(sql, []) { row in values.append(row.values.first?.integer.map(Int64.init) ?? -1) }
                return values
            }

            let steady = "SELECT 40 + 2"
            // One-off texts fill the cache first, as an inlined value did.
            for value in 0..<20 { #expect(try run("SELECT \(value)") == [Int64(value)]) }
            #expect(handle.cachedStatements == 8)
            #expect(try run(steady) == [42])
            #expect(handle.isCached(steady), "a text first used once the cache was full is kept")

            // More one-off texts while the steady one keeps being used: it stays.
            for value in 100..<140 {
                #expect(try run("SELECT \(value)") == [Int64(value)])
                #expect(try run(steady) == [42], "a kept statement gives the same answer each time")
            }
            #expect(handle.isCached(steady))
            #expect(handle.cachedStatements == 8)
            #expect(!handle.isCached("SELECT 0"), "the oldest one-off text gave way")
        }
    }

    @Test("a kept statement is not prepared again on each use when its plan looked at a parameter")
    func noReprepareOnRebind() throws {
        try withTemporarySQLite { handle, _ throws in
            try handle.exec(
                """
                CREATE TABLE deployments (id TEXT PRIMARY KEY, environment_id TEXT NOT NULL, status TEXT NOT NULL, sequence BIGINT NOT NULL);
                CREATE INDEX deployments_env ON deployments (environment_id, status, sequence);
                """)
            let environments = (0..<4).map { _ in UUID().uppercasedString }
            for (index, environment) in environments.enumerated() {
                try handle.query(
                    "INSERT INTO deployments (id, environment_id, status, sequence) VALUES (?1, ?2, 'queued', ?3)",
                    [.text(UUID().uppercasedString), .text(environment), .integer(index)]
                ) { _ in }
            }
            // The scheduler's query for an environment's next queued deployment.
            let next = "SELECT * FROM deployments WHERE environment_id = ?1 AND status = 'queued' ORDER BY sequence LIMIT 1"
            for round in 0..<50 {
                let environment = environments[round % environments.count]
                var found: [String] = []
                try handle.query(next, [.text(environment)]) { row in
                    if case .text(let value) = row.value("environment_id") { found.append(value) }
                }
                #expect(found == [environment])
            }
            #expect(handle.reprepares(next) == 0)
        }
    }

    @Test("a kept statement's column names are read once, and again after a schema change adds a column")
    func columnsAfterSchemaChange() throws {
        try withTemporarySQLite { handle, path throws in
            try handle.exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items (id, name) VALUES (1, 'one')")
            let all = "SELECT * FROM items WHERE id = ?1"
            func columns() throws -> [String] {
                var names: [String] = []
                try handle.query(all, [.integer(1)]) { row in names = row.columns.names }
                return names
            }
            #expect(try columns() == ["id", "name"])
            #expect(try columns() == ["id", "name"])
            // Another connection changes the schema, as a newer replica's migration would.
            let other = try SQLiteHandle(path: path, readOnly: false)
            try other.exec("ALTER TABLE items ADD COLUMN colour TEXT DEFAULT 'red'")
            other.close()
            var colour: String?
            try handle.query(all, [.integer(1)]) { row in
                if case .text(let value)? = row.value("colour") { colour = value }
            }
            #expect(colour == "red")
            #expect(try columns() == ["id", "name", "colour"])
            #expect(handle.reprepares(all) == 1)
        }
    }
}
