import Foundation
import Testing

@testable import HangarContracts

/// `JSONValue` read by `JSONDecoder`: each kind of value, in any nesting, against the value
/// the text was written from, and the faults that must still fail.
@Suite("JSON values")
struct JSONValueTests {
    static func decoded(_ text: String) throws -> JSONValue {
        try HangarJSON.decoder.decode(JSONValue.self, from: Data(text.utf8))
    }

    /// Texts with the value each holds: strings that look like other kinds, every kind nested.
    static let cases: [(String, JSONValue)] = [
        (#""x""#, .string("x")), (#""""#, .string("")), (#""true""#, .string("true")), (#""1""#, .string("1")),
        (#""null""#, .string("null")), (#""[]""#, .string("[]")), (#""{}""#, .string("{}")), ("0", .number(0)), ("-0", .number(-0.0)),
        ("1", .number(1)), ("-7", .number(-7)), ("2.5", .number(2.5)), ("1e-7", .number(1e-7)), ("3e20", .number(3e20)),
        ("true", .bool(true)), ("false", .bool(false)), ("null", .null), ("[]", .array([])), ("{}", .object([:])),
        (
            #"[1,"1",true,"true",null,[],{}]"#,
            .array([.number(1), .string("1"), .bool(true), .string("true"), .null, .array([]), .object([:])])
        ),
        (
            #"{"region":"eu-west-1","count":3,"spot":true,"none":null,"tags":{"team":"web","cost":"12"},"zones":["a",{"b":[]}]}"#,
            .object([
                "region": .string("eu-west-1"), "count": .number(3), "spot": .bool(true), "none": .null,
                "tags": .object(["team": .string("web"), "cost": .string("12")]), "zones": .array([.string("a"), .object(["b": .array([])])]),
            ])
        ),
        (#"["é","\u00e9","\n","\\","\/"]"#, .array([.string("é"), .string("é"), .string("\n"), .string("\\"), .string("/")])),
    ]

    @Test("each kind of value, nested or not, reads as the value it was written from")
    func eachKind() throws {
        for (text, value) in Self.cases {
            #expect(try Self.decoded(text) == value, "\(text)")
        }
    }

    @Test("2,000 random values read as the values they were written from")
    func randomValues() throws {
        var generator = SystemRandomNumberGenerator()
        let leaves = Self.cases.prefix(19)
        func random(_ depth: Int) -> (String, JSONValue) {
            switch depth > 2 ? 0 : Int.random(in: 0...3, using: &generator) {
            case 1:
                let items = (0..<Int.random(in: 0...3, using: &generator)).map { _ in random(depth + 1) }
                return ("[" + items.map(\.0).joined(separator: ",") + "]", .array(items.map(\.1)))
            case 2:
                let members = (0..<Int.random(in: 0...3, using: &generator)).map { index in ("k\(index)", random(depth + 1)) }
                return (
                    "{" + members.map { "\"\($0.0)\":\($0.1.0)" }.joined(separator: ",") + "}",
                    .object(Dictionary(uniqueKeysWithValues: members.map { ($0.0, $0.1.1) }))
                )
            default: return leaves.randomElement(using: &generator)!
            }
        }
        for _ in 0..<2_000 {
            let (text, value) = random(0)
            #expect(try Self.decoded(text) == value, "\(text)")
        }
    }

    @Test("a fault inside an object or an array still fails the decoding")
    func faultsStillFail() {
        for text in [#"{"a":1e400}"#, #"[1e400]"#, #"{"a":{"b":[1e400]}}"#, "1e400", #"{"a":"#, "[1,", "tru"] {
            #expect(throws: (any Error).self, "\(text)") { try Self.decoded(text) }
        }
    }

    @Test("the hand-made reader reads a value only as JSONDecoder reads it: numbers at the edges, escapes, bad text")
    func handMadeReaderAgrees() throws {
        let texts = [
            "-0", "0", "1e-400", "4.9e-324", "2.2250738585072011e-308", "1.7976931348623157e308", "1.7976931348623159e308", "0.1",
            "123456789012345678901234567890", "1.0", "1E2", "-0.0", "0e-999", "01", "1.", ".5", "-", "+1", "1e", "0x10",
            #""\ud83d\ude80""#, #""\ud83d""#, #""\ude80""#, #""\u00e9\u0000""#, #""\x""#, "\"tab\there\"", #"{"a":1,"a":2}"#,
            #"[1,]"#, #"{"a":1,}"#, "nul", "[true, false, null]",
        ]
        for text in texts + Self.cases.map(\.0) {
            let bytes = Array(text.utf8)
            let read = bytes.withUnsafeBufferPointer { buffer -> JSONValue? in
                var reader = JSONReader(buffer)
                guard let value = reader.value(), reader.atEnd() else { return nil }
                return value
            }
            guard let read else { continue }
            #expect(try Self.decoded(text) == read, "\(text)")
        }
    }

    @Test("a value written by JSONEncoder reads back the same")
    func roundTrip() throws {
        for (text, _) in Self.cases {
            let value = try Self.decoded(text)
            let written = try HangarJSON.encoder.encode(value)
            #expect(try HangarJSON.decoder.decode(JSONValue.self, from: written) == value, "\(text)")
        }
    }

    @Test("a value's bounds found by its brackets and strings are those the checking reader finds, in any surroundings")
    func valueBoundsAgree() throws {
        let texts = Self.cases.map(\.0) + [#""a\"b\\""#, #"{"k":"]}\"{["}"#, "  12.5e3 ", "[ [ ] , { } ]", #"{"a" : [1 , "x"] }"#]
        for text in texts {
            for (before, after) in [("", ""), ("[", ",true]"), (#"{"x":"#, "}"), ("[ ", " ]")] {
                let bytes = Array((before + text + after).utf8)
                bytes.withUnsafeBufferPointer { buffer in
                    // Past the surroundings' opening: a bracket, or a key and its colon.
                    var reader = JSONReader(buffer)
                    if before.hasPrefix("{") {
                        _ = reader.consume(UInt8(ascii: "{"))
                        _ = reader.string()
                        _ = reader.consume(UInt8(ascii: ":"))
                    } else if before.hasPrefix("[") {
                        _ = reader.consume(UInt8(ascii: "["))
                    }
                    var checking = reader
                    #expect(reader.valueBounds() == checking.skipValue(), "\(before + text + after)")
                }
            }
        }
        // A value cut short or closed by the wrong side has no bounds.
        for text in [#""open"#, "[1, 2", "{", "]", "}", ",", ""] {
            let bytes = Array(text.utf8)
            #expect(
                bytes.withUnsafeBufferPointer { buffer in
                    var reader = JSONReader(buffer)
                    return reader.valueBounds()
                } == nil, "\(text)")
        }
    }

    @Test("member names: each is taken once and refused the second time, past the list's 32 as well")
    func memberNames() {
        var names = MemberNames()
        let all = (0..<100).map { "member\($0)" } + ["", "é", "a very long member name that no small string holds"]
        for name in all {
            let taken = names.insert(name)
            #expect(taken, "\(name)")
        }
        for name in all.reversed() {
            let taken = names.insert(name)
            #expect(!taken, "\(name)")
        }
    }
}
