import Foundation
import Logging
import SQLKit
import Synchronization

@testable import HangarStorage

/// The backends every storage test runs against. Set `HANGAR_TEST_SKIP_POSTGRES=1` to run SQLite only.
enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    var description: String { rawValue }

    static let underTest: [Backend] =
        ProcessInfo.processInfo.environment["HANGAR_TEST_SKIP_POSTGRES"] == "1" ? [.sqlite] : allCases
}

let testLogger: Logger = {
    var logger = Logger(label: "hangar.storage.tests")
    logger.logLevel = .warning
    return logger
}()

/// PostgreSQL for tests: `HANGAR_TEST_POSTGRES_URL`, by default the project-local server of deploy/postgres.
let testPostgresURL =
    ProcessInfo.processInfo.environment["HANGAR_TEST_POSTGRES_URL"]
    ?? "postgres://hangar:hangar@127.0.0.1:5432/hangar_test"

/// A fresh, empty database for one test: a new SQLite file in a temporary folder, or a new PostgreSQL schema.
/// Removed again by `withDatabase`.
@discardableResult
func withDatabase<R>(
    _ backend: Backend,
    _ body: (DatabaseConfiguration) async throws -> R
) async throws -> R {
    let unique = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    switch backend {
    case .sqlite:
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-storage-\(unique)")
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await body(.sqlite(path: folder.appendingPathComponent("test.sqlite").path))
    case .postgres:
        let base = try DatabaseConfiguration.postgres(url: testPostgresURL)
        guard case .postgres(var settings) = base.backend else { fatalError("not a PostgreSQL URL") }
        let schema = "t_\(unique)"
        settings.schema = schema
        do {
            let result = try await body(.postgres(settings))
            try await dropSchema(schema, base: base)
            return result
        } catch {
            try? await dropSchema(schema, base: base)
            throw error
        }
    }
}

private func dropSchema(_ schema: String, base: DatabaseConfiguration) async throws {
    try await withStore(base) { store in
        try await store.transaction { db in
            try await db.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
        }
    }
}

/// Runs a store for the duration of `body`, as a service would (run() in a task), then shuts it down.
@discardableResult
func withStore<R>(_ configuration: DatabaseConfiguration, _ body: (SQLStore) async throws -> R) async throws -> R {
    let store = SQLStore(configuration: configuration, logger: testLogger)
    let runner = Task { await store.run() }
    do {
        let result = try await body(store)
        store.shutdown()
        await runner.value
        return result
    } catch {
        store.shutdown()
        await runner.value
        throw error
    }
}

/// Counts how often something ran, across tasks.
final class Counter: Sendable {
    private let value = Mutex(0)
    func increment() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}

struct Boom: Error {}

/// `SELECT count(*)` of a table.
func rowCount(_ table: String, in store: SQLStore) async throws -> Int {
    try await store.read { db in
        try await db.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(table)
            .first(decodingColumn: "n", as: Int.self) ?? 0
    }
}

/// A SQLite connection on a new file in a temporary folder (the file's path handed along, for a
/// second connection), closed and removed after `body`.
func withTemporarySQLite<T>(cacheCapacity: Int = 256, _ body: (SQLiteHandle, String) throws -> T) throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-sqlite-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("test.sqlite").path
    let handle = try SQLiteHandle(path: path, readOnly: false, cacheCapacity: cacheCapacity)
    defer { handle.close() }
    return try body(handle, path)
}
