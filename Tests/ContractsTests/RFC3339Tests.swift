import Foundation
import Testing

@testable import HangarContracts

/// The formatter-free RFC 3339 path against Foundation's `Date.ISO8601FormatStyle`.
@Suite("RFC 3339 without a formatter")
struct RFC3339Tests {
    @Test("writes what Foundation writes and reads back what Foundation reads, for 200,000 instants from 1600 to 9999")
    func agreesWithFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        let low: Int64 = -11_676_096_000_000  // 1600-01-01
        let high: Int64 = 253_402_300_799_999  // 9999-12-31T23:59:59.999
        var instants: [Int64] = [0, -1, 1, 999, -1000, 951_782_400_000, 4_107_542_400_000, low, high]
        for _ in 0..<200_000 { instants.append(Int64.random(in: low...high, using: &generator)) }
        for milliseconds in instants {
            let date = Date(epochMilliseconds: milliseconds)
            let expected = HangarJSON.foundationFormat(date)
            let written = try #require(RFC3339.format(epochMilliseconds: milliseconds))
            #expect(written == expected, "\(milliseconds)")
            #expect(RFC3339.parse(written) == milliseconds, "\(written)")
            let foundation = try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(expected)
            #expect(foundation.epochMilliseconds == milliseconds, "\(expected)")
            if written != expected || RFC3339.parse(written) != milliseconds { break }
        }
    }

    @Test("whole seconds read like Foundation; fractions of any length and every RFC 3339 offset are read; impossible times are not")
    func edges() throws {
        #expect(RFC3339.parse("2027-01-15T08:00:00Z") == 1_800_000_000_000)
        #expect(RFC3339.parse("2024-02-29T23:59:59.999Z") == 1_709_251_199_999)
        for text in [
            "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+24:00",
            "2026-01-01T00:00:00+01:60", "2026-01-01T00:00:00+0100", "2026-01-01 00:00:00Z", "2026-01-01T00:00:0xZ", "yesterday", "",
        ] {
            #expect(RFC3339.parse(text) == nil, "\(text)")
        }
        #expect(HangarJSON.parseDate("2027-01-15T09:00:00.250+01:00") == Date(epochMilliseconds: 1_800_000_000_250))
        #expect(RFC3339.parse("2026-01-01T00:00:00.12Z") == 1_767_225_600_120)
        #expect(RFC3339.parse("2026-01-01T00:00:00.123456789Z") == 1_767_225_600_123, "truncated to the millisecond")
        #expect(RFC3339.parse("2026-01-01T01:00:00+01:00") == 1_767_225_600_000)
        #expect(RFC3339.parse("2025-12-31T19:30:00-04:30") == 1_767_225_600_000)
        // An offset beyond Foundation's ±18 h is still RFC 3339 (the API fuzzer sends them).
        #expect(RFC3339.parse("2026-01-01T20:53:00+20:53") == 1_767_225_600_000)
        #expect(RFC3339.format(epochMilliseconds: 253_402_300_800_000) == nil, "year 10000")
    }
}
