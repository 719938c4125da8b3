import Foundation
import HangarStorage
import SQLKit
import Testing

@Suite("SQLite specifics")
struct SQLiteSpecificTests {
    @Test("connections use WAL, foreign keys, busy_timeout and the configured synchronous level")
    func pragmas() async throws {
        try await withDatabase(.sqlite) { configuration in
            var configuration = configuration
            if case .sqlite(var sqlite) = configuration.backend {
                sqlite.synchronous = .full
                configuration.backend = .sqlite(sqlite)
            }
            try await withStore(configuration) { store in
                let values = try await store.transaction { db in
                    var values: [String: Int] = [:]
                    // pragma name -> the name of the column it answers with
                    for (pragma, column) in [
                        ("foreign_keys", "foreign_keys"), ("busy_timeout", "timeout"), ("synchronous", "synchronous"),
                    ] {
                        values[pragma] = try await db.raw("PRAGMA \(unsafeRaw: pragma)").first()?
                            .decode(column: column, as: Int.self)
                    }
                    let mode = try await db.raw("PRAGMA journal_mode").first()?
                        .decode(column: "journal_mode", as: String.self)
                    return (values, mode)
                }
                #expect(values.0 == ["foreign_keys": 1, "busy_timeout": 5000, "synchronous": 2])
                #expect(values.1 == "wal")
            }
        }
    }

    @Test("columns read as String, Int64, Int and their optionals directly, and every other type through the decoder as before")
    func columnTypes() async throws {
        try await withDatabase(.sqlite) { configuration in
            try await withStore(configuration) { store in
                let row = try #require(
                    try await store.read { db in
                        try await db.raw("SELECT 'text' AS t, 42 AS i, NULL AS n, 2.5 AS f, 'true' AS b, 1 AS one").first()
                    })
                #expect(try row.decode(column: "t", as: String.self) == "text")
                #expect(try row.decode(column: "t", as: String?.self) == "text")
                #expect(try row.decode(column: "i", as: Int64.self) == 42)
                #expect(try row.decode(column: "i", as: Int64?.self) == 42)
                #expect(try row.decode(column: "i", as: Int.self) == 42)
                #expect(try row.decode(column: "i", as: Int?.self) == 42)
                #expect(try row.decode(column: "n", as: String?.self) == nil)
                #expect(try row.decode(column: "n", as: Int64?.self) == nil)
                #expect(try row.decode(column: "n", as: Int?.self) == nil)
                #expect(throws: (any Error).self) { try row.decode(column: "n", as: String.self) }
                #expect(throws: (any Error).self) { try row.decode(column: "missing", as: String?.self) }
                // Through the decoder, as before.
                #expect(try row.decode(column: "f", as: Double.self) == 2.5)
                #expect(try row.decode(column: "one", as: Bool.self) == true)
                #expect(try row.decode(column: "i", as: Int32.self) == 42)
            }
        }
    }

    @Test("cancelling callers while connections are being opened leaves no connection unclosed (it would crash the process)")
    func cancelledWhileOpening() async throws {
        try await withDatabase(.sqlite) { configuration in
            try await withStore(configuration) { store in
                try await store.transaction { db in try await db.raw("CREATE TABLE t (x INTEGER)").run() }
            }
            for round in 0..<40 {
                try await withStore(configuration) { store in
                    // Fresh store: every call opens connections; cancel them at varying points.
                    let calls = (0..<6).map { index in
                        Task {
                            if index % 2 == 0 {
                                _ = try await store.read { db in try await db.raw("SELECT COUNT(*) AS n FROM t").all() }
                            } else {
                                try await store.transaction { db in try await db.raw("INSERT INTO t (x) VALUES (1)").run() }
                            }
                        }
                    }
                    try await Task.sleep(for: .microseconds(50 * (round % 8)))
                    for call in calls { call.cancel() }
                    for call in calls { _ = await call.result }
                }
            }
            // Still usable afterwards.
            let count = try await withStore(configuration) { store in
                try await store.read { db in try await db.raw("SELECT COUNT(*) AS n FROM t").first()?.decode(column: "n", as: Int.self) }
            }
            #expect(count != nil)
        }
    }

    @Test("read() runs on a query_only connection")
    func readIsQueryOnly() async throws {
        try await withDatabase(.sqlite) { configuration in
            try await withStore(configuration) { store in
                try await store.migrate(StorageTests.migrations(counter: Counter()))
                await #expect(throws: (any Error).self) {
                    try await store.read { db in
                        try await db.insert(into: "items").columns("id", "name").values(1, "one").run()
                    }
                }
            }
        }
    }

    @Test("a read-only store reads a file whose writer has closed it")
    func readOnlyAfterWriterClosed() async throws {
        try await withDatabase(.sqlite) { configuration in
            try await withStore(configuration) { writer in
                try await writer.migrate(StorageTests.migrations(counter: Counter()))
                try await writer.transaction { db in
                    try await db.insert(into: "items").columns("id", "name").values(1, "one").run()
                }
            }
            var readOnly = configuration
            readOnly.readOnly = true
            let count = try await withStore(readOnly) { reader in
                try await rowCount("items", in: reader)
            }
            #expect(count == 1)
        }
    }

    @Test("a read-only store on a missing file fails with a clear error")
    func readOnlyMissingFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("missing-\(UUID()).sqlite").path
        try await withStore(.sqlite(path: path, readOnly: true)) { store in
            await #expect {
                try await store.read { db in try await db.raw("SELECT 1").run() }
            } throws: { error in
                "\(error)".contains("does not exist") && "\(error)".contains(path)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}

@Suite("PostgreSQL specifics")
struct PostgresSpecificTests {
    @Test("an unreachable server gives a clear error naming host and port, without the password")
    func cannotConnect() async throws {
        let configuration = try DatabaseConfiguration.from(
            url: "postgres://hangar:s3cret@127.0.0.1:1/hangar?connect_timeout=2", defaultSQLitePath: "/unused")
        try await withStore(configuration) { store in
            await #expect {
                try await store.read { db in try await db.raw("SELECT 1").run() }
            } throws: { error in
                let text = "\(error)"
                return text.contains("127.0.0.1:1") && !text.contains("s3cret")
                    && (error as? StorageError).map { if case .cannotConnect = $0 { true } else { false } } == true
            }
        }
    }

    @Test(
        "the schema is created and is the search_path of every connection",
        .enabled(if: Backend.underTest.contains(.postgres)))
    func schemaIsSearchPath() async throws {
        try await withDatabase(.postgres) { configuration in
            guard case .postgres(let settings) = configuration.backend, let schema = settings.schema else {
                Issue.record("no schema")
                return
            }
            try await withStore(configuration) { store in
                let schemas = try await withThrowingTaskGroup(of: String?.self) { group in
                    for _ in 0..<5 {
                        group.addTask {
                            try await store.read { db in
                                try await db.raw("SELECT current_schema() AS s, pg_sleep(0.05)").first()?
                                    .decode(column: "s", as: String.self)
                            }
                        }
                    }
                    return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
                }
                #expect(schemas == [schema])
            }
        }
    }
}
