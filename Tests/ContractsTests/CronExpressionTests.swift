import Foundation
import HangarContracts
import Testing

/// Cron arithmetic in time zones, on fixed instants (no clock): the next occurrences, both
/// DST transitions, the ends of months, seconds, and what does not parse.
@Suite("Cron expressions")
struct CronExpressionTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!
    static func utc(_ text: String) -> Date { HangarJSON.parseDate(text)! }
    static func texts(_ dates: [Date]) -> [String] { dates.map(HangarJSON.formatDate) }

    @Test("every Sunday at 03:00 Paris time, across both DST transitions of 2026")
    func weeklyInParis() throws {
        let cron = try CronExpression("0 3 * * SUN")
        // Wednesday 2026-03-25; Sunday the 29th is the spring-forward day (03:00 exists: CEST).
        let dates = cron.occurrences(after: Self.utc("2026-03-25T12:00:00Z"), in: Self.paris, count: 2)
        #expect(Self.texts(dates) == ["2026-03-29T01:00:00.000Z", "2026-04-05T01:00:00.000Z"])
        // The fall-back day, 2026-10-25: 03:00 CET.
        let autumn = cron.occurrences(after: Self.utc("2026-10-20T00:00:00Z"), in: Self.paris, count: 2)
        #expect(Self.texts(autumn) == ["2026-10-25T02:00:00.000Z", "2026-11-01T02:00:00.000Z"])
    }

    @Test("02:30 every day: on the spring-forward day once, at 03:30 after the jump; on the fall-back day once, at the first 02:30")
    func dailyInTheDSTHours() throws {
        let cron = try CronExpression("30 2 * * *")
        let spring = cron.occurrences(after: Self.utc("2026-03-27T12:00:00Z"), in: Self.paris, count: 3)
        #expect(Self.texts(spring) == ["2026-03-28T01:30:00.000Z", "2026-03-29T01:30:00.000Z", "2026-03-30T00:30:00.000Z"])
        let autumn = cron.occurrences(after: Self.utc("2026-10-24T12:00:00Z"), in: Self.paris, count: 2)
        #expect(Self.texts(autumn) == ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"], "the repeated 02:30 runs once")
        // Every 30 minutes through the spring-forward night: 02:00 and 02:30 do not exist; each runs once, after the jump.
        let halfHours = try CronExpression("0,30 * * * *").occurrences(after: Self.utc("2026-03-29T00:15:00Z"), in: Self.paris, count: 4)
        #expect(
            Self.texts(halfHours) == ["2026-03-29T00:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T01:30:00.000Z", "2026-03-29T02:00:00.000Z"])
    }

    @Test("month ends: the 31st skips shorter months, 29 February waits for a leap year, and an impossible date has no occurrence")
    func monthEnds() throws {
        let utc = TimeZone(identifier: "UTC")!
        let dates = try CronExpression("0 0 31 * *").occurrences(after: Self.utc("2027-01-15T00:00:00Z"), in: utc, count: 3)
        #expect(Self.texts(dates) == ["2027-01-31T00:00:00.000Z", "2027-03-31T00:00:00.000Z", "2027-05-31T00:00:00.000Z"])
        #expect(try CronExpression("0 12 29 FEB *").next(after: Self.utc("2026-03-01T00:00:00Z"), in: utc) == Self.utc("2028-02-29T12:00:00Z"))
        #expect(try CronExpression("0 0 31 2 *").next(after: Self.utc("2026-01-01T00:00:00Z"), in: utc) == nil)
    }

    @Test("a leading seconds field, steps, ranges, lists and names; day of month or day of week when both are given")
    func fields() throws {
        let utc = TimeZone(identifier: "UTC")!
        let everyFive = try CronExpression("*/5 * * * * *").occurrences(after: Self.utc("2026-12-06T10:00:02Z"), in: utc, count: 3)
        #expect(Self.texts(everyFive) == ["2026-12-06T10:00:05.000Z", "2026-12-06T10:00:10.000Z", "2026-12-06T10:00:15.000Z"])
        let working = try CronExpression("0 9-17/4 * * MON-FRI").occurrences(after: Self.utc("2026-12-04T14:00:00Z"), in: utc, count: 3)
        #expect(Self.texts(working) == ["2026-12-04T17:00:00.000Z", "2026-12-07T09:00:00.000Z", "2026-12-07T13:00:00.000Z"], "Friday, then Monday")
        // The 1st of the month or any Monday; day 7 is Sunday too.
        let either = try CronExpression("0 0 1 * MON").occurrences(after: Self.utc("2026-11-29T12:00:00Z"), in: utc, count: 3)
        #expect(Self.texts(either) == ["2026-11-30T00:00:00.000Z", "2026-12-01T00:00:00.000Z", "2026-12-07T00:00:00.000Z"])
        #expect(try CronExpression("0 0 * * 7").next(after: Self.utc("2026-12-01T00:00:00Z"), in: utc) == Self.utc("2026-12-06T00:00:00Z"))
    }

    @Test("what does not parse says which field is wrong")
    func invalid() {
        for (text, message) in [
            ("* * * *", "must have 5 fields"), ("61 * * * *", "minute '61'"), ("0 25 * * *", "hour '25'"),
            ("0 0 * FOO *", "month 'FOO'"), ("*/0 * * * *", "step '0'"), ("0 5-2 * * *", "runs backwards"), ("0 0 * * 1,", "day of week"),
        ] {
            #expect {
                _ = try CronExpression(text)
            } throws: { "\($0)".contains(message) }
        }
    }
}
