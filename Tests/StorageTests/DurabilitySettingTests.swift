import Foundation
import HangarRuntime
import HangarStorage
import SQLKit
import Testing

/// `HANGAR_SQLITE_SYNCHRONOUS`: how much of SQLite's last commits a power loss can take
/// (docs/durability.md). The level reaches the connections' `PRAGMA synchronous`.
@Suite("SQLite durability setting")
struct DurabilitySettingTests {
    @Test("normal by default, full when asked (PRAGMA synchronous 1 and 2), a URL's own level wins, others refused")
    func synchronousLevel() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-durability-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        func level(_ variables: [String: String]) async throws -> Int {
            var variables = variables
            variables["HANGAR_DATA_DIR"] = folder.path
            let configuration = try ServiceEnvironment(service: "scheduler", variables: variables).database()
            return try await withStore(configuration) { store in
                try await store.transaction { db in
                    try await db.raw("PRAGMA synchronous").first()?.decode(column: "synchronous", as: Int.self) ?? -1
                }
            }
        }
        #expect(try await level([:]) == 1)
        #expect(try await level(["HANGAR_SQLITE_SYNCHRONOUS": "full"]) == 2)
        #expect(try await level(["HANGAR_SQLITE_SYNCHRONOUS": "NORMAL"]) == 1)
        let url = "sqlite:\(folder.path)/explicit.sqlite?synchronous=normal"
        #expect(try await level(["HANGAR_SQLITE_SYNCHRONOUS": "full", "HANGAR_DATABASE_URL": url]) == 1)
        #expect(throws: (any Error).self) {
            try ServiceEnvironment(service: "scheduler", variables: ["HANGAR_SQLITE_SYNCHRONOUS": "off"]).database()
        }
    }
}
