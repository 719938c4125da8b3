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
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-statements-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let handle = try SQLiteHandle(path: folder.appendingPathComponent("cache.sqlite").path, readOnly: false, cacheCapacity: 8)
        defer { handle.close() }
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
