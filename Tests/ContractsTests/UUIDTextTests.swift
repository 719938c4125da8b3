import Foundation
import Testing

@testable import HangarContracts

/// UUIDs written and read without `snprintf`/`sscanf`, against Foundation's `uuidString` and
/// `UUID(uuidString:)`.
@Suite("UUIDs as text")
struct UUIDTextTests {
    @Test("writes what Foundation writes, in both cases, and reads it back in any case, for 100,000 ids")
    func agreesWithFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        var ids = [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))]
        ids.append(UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255)))
        for _ in 0..<100_000 { ids.append(UUID()) }
        for id in ids {
            #expect(id.uppercasedString == id.uuidString)
            #expect(id.lowercasedString == id.uuidString.lowercased())
            #expect(UUID(parsing: id.lowercasedString) == id)
            #expect(UUID(parsing: id.uppercasedString) == id)
            let mixed = String(id.uuidString.map { Bool.random(using: &generator) ? Character($0.lowercased()) : $0 })
            #expect(UUID(parsing: mixed) == id, "\(mixed)")
            #expect(UUID(uuidString: mixed) == id, "\(mixed)")
        }
    }

    @Test("accepts exactly what Foundation accepts: 20,000 damaged ids and odd strings read the same both ways")
    func readsLikeFoundation() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789abcdefABCDEFgG- +x{}\u{0}é".utf8)
        var texts = [
            "", "-", "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-00000000000", "00000000-0000-0000-0000-0000000000000",
            "00000000+0000-0000-0000-000000000000", "{00000000-0000-0000-0000-000000000000}", "00000000000000000000000000000000",
            " 0000000-0000-0000-0000-000000000000", "0000000 -0000-0000-0000-000000000000", "+0000000-0000-0000-0000-000000000000",
            "0x000000-0000-0000-0000-000000000000", "g0000000-0000-0000-0000-000000000000", "é0000000-0000-0000-0000-00000000000",
        ]
        for _ in 0..<20_000 {
            var bytes = Array(UUID().uuidString.utf8)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: bytes[Int.random(in: 0..<bytes.count, using: &generator)] = alphabet.randomElement(using: &generator)!
            case 1: bytes.remove(at: Int.random(in: 0..<bytes.count, using: &generator))
            case 2: bytes.insert(alphabet.randomElement(using: &generator)!, at: Int.random(in: 0...bytes.count, using: &generator))
            default: bytes.swapAt(Int.random(in: 0..<bytes.count, using: &generator), Int.random(in: 0..<bytes.count, using: &generator))
            }
            texts.append(String(decoding: bytes, as: UTF8.self))
        }
        for text in texts {
            #expect(UUID(parsing: text) == UUID(uuidString: text), "\(text)")
        }
    }

    @Test("a contract's ids read in either case and write in lower case; a bad id is refused as before")
    func contractIDs() throws {
        let id = UUID()
        let upper = #"{"id":"\#(id.uuidString)","other":"\#(id.uuidString.lowercased())"}"#
        let decoded = try JSONDecoder().decode(Pair.self, from: Data(upper.utf8))
        #expect(decoded.id == id && decoded.other == id)
        let written = String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self)
        #expect(written.contains(id.uuidString.lowercased()) && !written.contains(id.uuidString))
        let bad = #"{"id":"not-a-uuid"}"#
        #expect {
            try JSONDecoder().decode(Pair.self, from: Data(bad.utf8))
        } throws: { error in
            guard case DecodingError.dataCorrupted(let context) = error else { return false }
            return context.codingPath.map(\.stringValue) == ["id"]
        }
    }

    private struct Pair: Codable {
        @LowercaseID var id: UUID
        @LowercaseOptionalID var other: UUID?
    }
}
