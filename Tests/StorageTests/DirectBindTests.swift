import Foundation
import SQLiteKit
import SQLiteNIO
import Testing

@testable import HangarStorage

/// Binds made without sqlite-kit's encoder must be the ones it makes.
@Suite("SQLite binds without the encoder")
struct DirectBindTests {
    private enum Colour: String, Codable { case red }

    @Test("strings, integers and nils bind as SQLiteDataEncoder binds them; other values are left to it")
    func agreesWithTheEncoder() throws {
        let encoder = SQLiteDataEncoder()
        var values: [any Encodable] = [
            "", "text", "ünïcode ✓", String(repeating: "x", count: 10_000), 0, -1, Int.max, Int.min, Int64(42), Int64.min,
            String?.some("optional"), String?.none, Int?.some(7), Int?.none, Int64?.some(-7), Int64?.none,
            Date?.none, Double?.none, Colour?.none, UUID?.none,
        ]
        for _ in 0..<1_000 { values.append(Int.random(in: Int.min...Int.max)) }
        for value in values {
            let direct = try #require(SQLiteHandleDatabase.directBind(value), "\(value)")
            #expect(direct == (try encoder.encode(value)), "\(value)")
        }
        let others: [any Encodable] = [
            true, 1.5, Float(2), Data([1, 2]), Date(timeIntervalSince1970: 0), Colour.red, Colour?.some(.red), UUID(), Int32(3),
            UInt64(4), Date?.some(Date(timeIntervalSince1970: 0)), ["a"],
        ]
        for value in others {
            #expect(SQLiteHandleDatabase.directBind(value) == nil, "\(value) is left to the encoder")
        }
    }
}
