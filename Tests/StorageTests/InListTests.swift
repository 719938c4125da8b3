import Foundation
import Testing

@testable import HangarStorage

/// `IN (…)` lists padded to a few shapes, so that their statements are kept.
@Suite("IN lists")
struct InListTests {
    @Test("a padded list has the same values, a power-of-two length, and its original values first")
    func padding() {
        #expect(InList.padded([String]()) == [])
        #expect(InList.padded(["a"]) == ["a"])
        #expect(InList.padded(["a", "b"]) == ["a", "b"])
        for count in 3...300 {
            let values = (0..<count).map { "id-\($0)" }
            let padded = InList.padded(values)
            #expect(Set(padded) == Set(values))
            #expect(padded.count >= count && padded.count < 2 * count && padded.count.nonzeroBitCount == 1, "\(count) → \(padded.count)")
            #expect(Array(padded.prefix(count)) == values)
        }
    }

    @Test("deletes of 1 to 100 ids remove exactly those rows, through eight kept statements")
    func deletesThroughFewStatements() throws {
        try withTemporarySQLite { handle, _ throws in
            try handle.exec("PRAGMA synchronous = OFF; CREATE TABLE outbox (message_id TEXT PRIMARY KEY)")
            var remaining = Set<String>()
            for count in 1...100 {
                let ids = (0..<count).map { "m-\(count)-\($0)" }
                for id in ids + ["keep-\(count)"] {
                    try handle.query("INSERT INTO outbox (message_id) VALUES (?1)", [.text(id)]) { _ in }
                }
                remaining.insert("keep-\(count)")
                let padded = InList.padded(ids)
                let marks = (1...padded.count).map { "?\($0)" }.joined(separator: ", ")
                try handle.query("DELETE FROM outbox WHERE message_id IN (\(marks))", padded.map { .text($0) }) { _ in }
            }
            var left = Set<String>()
            try handle.query("SELECT message_id FROM outbox", []) { row in
                if case .text(let id)? = row.value("message_id") { left.insert(id) }
            }
            #expect(left == remaining)
            // The insert, the select, and one delete for each of 1, 2, 4, 8, 16, 32, 64 and 128 values.
            #expect(handle.cachedStatements == 10)
        }
    }
}
