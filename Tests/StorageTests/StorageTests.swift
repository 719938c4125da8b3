import Foundation
import HangarStorage
import SQLKit
import Testing

/// The same behaviour on both backends: SQLite in a temporary folder, PostgreSQL in a fresh schema of
/// `HANGAR_TEST_POSTGRES_URL` (deploy/postgres/start.sh provides one).
@Suite("SQLStore")
struct StorageTests {
    static func migrations(counter: Counter) -> [Migration] {
        [
            Migration(id: "001-create-items") { db in
                counter.increment()
                try await db.create(table: "items")
                    .column("id", type: .bigint, .primaryKey(autoIncrement: false))
                    .column("name", type: .text, .notNull)
                    .column("qty", type: .bigint, .notNull, .default(0))
                    .run()
            },
            Migration(id: "002-create-counters") { db in
                counter.increment()
                try await db.create(table: "counters")
                    .column("name", type: .text, .primaryKey(autoIncrement: false))
                    .column("value", type: .bigint, .notNull)
                    .run()
                try await db.insert(into: "counters").columns("name", "value").values("main", 0).run()
            },
        ]
    }

    @Test("migrations apply once and are idempotent", arguments: Backend.underTest)
    func migrationsApplyOnce(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            try await withStore(configuration) { store in
                let counter = Counter()
                try await store.migrate(Self.migrations(counter: counter))
                #expect(counter.count == 2)
                try await store.migrate(Self.migrations(counter: counter))
                #expect(counter.count == 2)

                let third = Migration(id: "003-add-index") { db in
                    counter.increment()
                    try await db.create(index: "items_by_name").on("items").column("name").run()
                }
                try await store.migrate(Self.migrations(counter: counter) + [third])
                #expect(counter.count == 3)
                #expect(try await rowCount("hangar_migrations", in: store) == 3)
                let ids = try await store.read { db in
                    try await db.select().column("id").from("hangar_migrations").orderBy("id")
                        .all(decodingColumn: "id", as: String.self)
                }
                #expect(ids == ["001-create-items", "002-create-counters", "003-add-index"])
            }
        }
    }

    @Test("a failing migration is rolled back and reported", arguments: Backend.underTest)
    func failingMigration(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            try await withStore(configuration) { store in
                let bad = Migration(id: "001-bad") { db in
                    try await db.create(table: "half").column("id", type: .int).run()
                    try await db.raw("THIS IS NOT SQL").run()
                }
                await #expect {
                    try await store.migrate([bad])
                } throws: { error in
                    guard case .migrationFailed(let id, _, _) = error as? StorageError else { return false }
                    return id == "001-bad"
                }
                #expect(try await rowCount("hangar_migrations", in: store) == 0)
                // The table created before the failure was rolled back with it.
                let counter = Counter()
                try await store.migrate([
                    Migration(id: "001-good") { db in
                        counter.increment()
                        try await db.create(table: "half").column("id", type: .int).run()
                    }
                ])
                #expect(counter.count == 1)
            }
        }
    }

    @Test("two stores migrating the same database at once apply each migration once", arguments: Backend.underTest)
    func concurrentMigrate(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            let counter = Counter()
            // Plain CREATE TABLE (no IF NOT EXISTS): applying one twice would fail.
            let migrations = (1...5).map { n in
                Migration(id: "m\(n)") { db in
                    counter.increment()
                    try await db.create(table: "t\(n)").column("id", type: .int).run()
                }
            }
            try await withStore(configuration) { first in
                try await withStore(configuration) { second in
                    async let a: Void = first.migrate(migrations)
                    async let b: Void = second.migrate(migrations)
                    _ = try await (a, b)
                    #expect(counter.count == 5)
                    #expect(try await rowCount("hangar_migrations", in: second) == 5)
                }
            }
        }
    }

    @Test("a transaction commits and returns its value", arguments: Backend.underTest)
    func transactionCommits(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            try await withStore(configuration) { store in
                try await store.migrate(Self.migrations(counter: Counter()))
                let inserted = try await store.transaction { db in
                    try await db.insert(into: "items").columns("id", "name").values(1, "one").run()
                    try await db.insert(into: "items").columns("id", "name").values(2, "two").run()
                    return 2
                }
                #expect(inserted == 2)
                let names = try await store.read { db in
                    try await db.select().column("name").from("items").orderBy("id")
                        .all(decodingColumn: "name", as: String.self)
                }
                #expect(names == ["one", "two"])
                #expect(store.dialect.rawValue == backend.rawValue)
            }
        }
    }

    @Test("a throwing transaction rolls back and rethrows the error", arguments: Backend.underTest)
    func transactionRollsBack(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            try await withStore(configuration) { store in
                try await store.migrate(Self.migrations(counter: Counter()))
                await #expect(throws: Boom.self) {
                    try await store.transaction { db in
                        try await db.insert(into: "items").columns("id", "name").values(1, "one").run()
                        throw Boom()
                    }
                }
                #expect(try await rowCount("items", in: store) == 0)
                // Still usable afterwards.
                try await store.transaction { db in
                    try await db.insert(into: "items").columns("id", "name").values(1, "one").run()
                }
                #expect(try await rowCount("items", in: store) == 1)
            }
        }
    }

    @Test("50 concurrent read-modify-write transactions all land", arguments: Backend.underTest)
    func concurrentIncrements(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            try await withStore(configuration) { store in
                try await store.migrate(Self.migrations(counter: Counter()))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<50 {
                        group.addTask {
                            try await store.transaction { db in
                                // FOR UPDATE locks the row on PostgreSQL; SQLite serialises writers anyway.
                                let value =
                                    try await db.select().column("value").from("counters")
                                    .where("name", .equal, "main").for(.update)
                                    .first(decodingColumn: "value", as: Int.self) ?? -1
                                try await db.update("counters").set("value", to: value + 1)
                                    .where("name", .equal, "main").run()
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let final = try await store.read { db in
                    try await db.select().column("value").from("counters").where("name", .equal, "main")
                        .first(decodingColumn: "value", as: Int.self)
                }
                #expect(final == 50)
            }
        }
    }

    @Test("serializable transactions are retried on conflicts", arguments: Backend.underTest)
    func serializableRetries(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            try await withStore(configuration) { store in
                try await store.migrate(Self.migrations(counter: Counter()))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<10 {
                        group.addTask {
                            try await store.transaction(isolation: .serializable) { db in
                                let value =
                                    try await db.select().column("value").from("counters")
                                    .where("name", .equal, "main").first(decodingColumn: "value", as: Int.self) ?? -1
                                try await db.update("counters").set("value", to: value + 1)
                                    .where("name", .equal, "main").run()
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let final = try await store.read { db in
                    try await db.select().column("value").from("counters").where("name", .equal, "main")
                        .first(decodingColumn: "value", as: Int.self)
                }
                #expect(final == 10)
            }
        }
    }

    @Test("a unique violation is an error and leaves the store usable", arguments: Backend.underTest)
    func uniqueViolation(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            try await withStore(configuration) { store in
                try await store.migrate(Self.migrations(counter: Counter()))
                try await store.transaction { db in
                    try await db.insert(into: "items").columns("id", "name").values(1, "one").run()
                }
                var kind: DatabaseErrorKind?
                do {
                    try await store.transaction { db in
                        try await db.insert(into: "items").columns("id", "name").values(2, "two").run()
                        try await db.insert(into: "items").columns("id", "name").values(1, "again").run()
                    }
                    Issue.record("the duplicate insert did not fail")
                } catch {
                    kind = DatabaseErrorKind(error)
                    #expect(!describeDatabaseError(error).isEmpty)
                }
                #expect(kind == .uniqueViolation)
                // The whole transaction was rolled back (row 2 too), and the store still works.
                #expect(try await rowCount("items", in: store) == 1)
                try await store.transaction { db in
                    try await db.insert(into: "items").columns("id", "name").values(2, "two").run()
                }
                #expect(try await rowCount("items", in: store) == 2)
            }
        }
    }

    @Test("upsert with ON CONFLICT DO NOTHING / DO UPDATE", arguments: Backend.underTest)
    func upsert(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            try await withStore(configuration) { store in
                try await store.migrate(Self.migrations(counter: Counter()))
                try await store.transaction { db in
                    try await db.insert(into: "items").columns("id", "name", "qty").values(1, "one", 1).run()
                    // DO NOTHING: the existing row wins.
                    try await db.insert(into: "items").columns("id", "name", "qty").values(1, "uno", 5)
                        .ignoringConflicts(with: ["id"]).run()
                    // DO UPDATE: take the new name, add the quantities.
                    try await db.insert(into: "items").columns("id", "name", "qty").values(1, "eins", 10)
                        .onConflict(with: ["id"]) { update in
                            update.set(excludedValueOf: "name")
                                .set(
                                    "qty",
                                    to: SQLBinaryExpression(
                                        SQLColumn("qty", table: "items"), .add, SQLExcludedColumn("qty")))
                        }
                        .run()
                    // And a plain insert through the upsert path.
                    try await db.insert(into: "items").columns("id", "name", "qty").values(2, "two", 2)
                        .onConflict(with: ["id"]) { $0.set(excludedValueOf: "name") }
                        .run()
                }
                struct Item: Codable, Equatable {
                    var id: Int
                    var name: String
                    var qty: Int
                }
                let items = try await store.read { db in
                    try await db.select().columns("id", "name", "qty").from("items").orderBy("id")
                        .all(decoding: Item.self)
                }
                #expect(items == [Item(id: 1, name: "eins", qty: 11), Item(id: 2, name: "two", qty: 2)])
            }
        }
    }

    @Test("a read-only configuration can read but not write", arguments: Backend.underTest)
    func readOnly(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            try await withStore(configuration) { writer in
                try await writer.migrate(Self.migrations(counter: Counter()))
                try await writer.transaction { db in
                    try await db.insert(into: "items").columns("id", "name").values(1, "one").run()
                }
                var readOnly = configuration
                readOnly.readOnly = true
                #expect(readOnly.description.contains("mode=ro"))
                try await withStore(readOnly) { reader in
                    #expect(try await rowCount("items", in: reader) == 1)
                    // A consistent multi-statement read in a transaction is allowed.
                    let n = try await reader.transaction { db in
                        try await db.select().column("id").from("items").all().count
                    }
                    #expect(n == 1)
                    do {
                        try await reader.transaction { db in
                            try await db.insert(into: "items").columns("id", "name").values(2, "two").run()
                        }
                        Issue.record("a read-only store wrote a row")
                    } catch {
                        #expect(DatabaseErrorKind(error) == .readOnly)
                    }
                    await #expect(throws: StorageError.self) {
                        try await reader.migrate([])
                    }
                    // The writer keeps writing while the reader has the file open.
                    try await writer.transaction { db in
                        try await db.insert(into: "items").columns("id", "name").values(3, "three").run()
                    }
                    #expect(try await rowCount("items", in: reader) == 2)
                }
            }
        }
    }

    @Test("a read-only reader sees every migration pending until the owner has applied them all, then none", arguments: Backend.underTest)
    func pendingMigrations(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            var readOnly = configuration
            readOnly.readOnly = true
            let all = Self.migrations(counter: Counter())
            try await withStore(readOnly) { reader in
                let before = try await reader.pendingMigrations(all)
                #expect(before.pending == all.map(\.id))
                #expect(before.reason != nil, "says why it could not read them")
                try await withStore(configuration) { owner in
                    try await owner.migrate(Array(all.prefix(1)))
                    #expect(try await reader.pendingMigrations(all).pending == [all[1].id])
                    try await owner.migrate(all)
                }
                let after = try await reader.pendingMigrations(all)
                #expect(after.pending.isEmpty)
                #expect(after.reason == nil)
            }
        }
    }

    @Test("a store refuses work after shutdown", arguments: Backend.underTest)
    func afterShutdown(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            let store = SQLStore(configuration: configuration, logger: testLogger)
            let runner = Task { await store.run() }
            try await store.migrate(Self.migrations(counter: Counter()))
            store.shutdown()
            await runner.value
            await #expect(throws: StorageError.self) {
                try await store.read { db in try await db.select().column("name").from("items").all() }
            }
        }
    }
}
