import Foundation

/// A cron expression: five fields (minute, hour, day of month, month, day of week) or six
/// with a leading seconds field, each `*`, a number, a range `a-b`, a list `a,b`, a step
/// `*/n` or `a-b/n`; months and days may be named (`JAN`…`DEC`, `SUN`…`SAT`; day 7 is Sunday
/// too). As in cron, when both the day of month and the day of week are restricted, a day
/// matching either runs.
///
/// Occurrences are wall-clock times in a time zone. On a day a time is skipped (clocks
/// spring forward), an occurrence in the gap runs once, as far after the gap's start as it was
/// into it (02:30 on a day that jumps from 02:00 to 03:00 runs at 03:30); on a day a time
/// repeats (clocks fall back), it runs once, at its first instance.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The expression as written.
    public let description: String
    let seconds: Set<Int>
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    /// Why an expression does not parse, for a problem's field message.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// Parses `text`; throws ``Invalid`` saying which field is wrong.
    public init(_ text: String) throws(Invalid) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 || fields.count == 6 else {
            throw Invalid(
                description: "must have 5 fields (minute hour day-of-month month day-of-week) or 6 with leading seconds; it has \(fields.count)")
        }
        let all = fields.count == 6 ? fields : ["0"] + fields
        description = fields.joined(separator: " ")
        seconds = try Self.field(all[0], name: "seconds", range: 0...59)
        minutes = try Self.field(all[1], name: "minute", range: 0...59)
        hours = try Self.field(all[2], name: "hour", range: 0...23)
        daysOfMonth = try Self.field(all[3], name: "day of month", range: 1...31)
        months = try Self.field(all[4], name: "month", range: 1...12, names: Self.monthNames)
        let weekdays = try Self.field(all[5], name: "day of week", range: 0...7, names: Self.dayNames)
        daysOfWeek = Set(weekdays.map { $0 % 7 })
        dayOfMonthRestricted = all[3] != "*" && all[3] != "?"
        dayOfWeekRestricted = all[5] != "*" && all[5] != "?"
    }

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    private static func field(_ text: String, name: String, range: ClosedRange<Int>, names: [String] = []) throws(Invalid) -> Set<Int> {
        func number(_ part: Substring) throws(Invalid) -> Int {
            if let value = Int(part), range.contains(value) { return value }
            if let index = names.firstIndex(of: part.uppercased()) { return names == monthNames ? index + 1 : index }
            throw Invalid(description: "\(name) '\(part)' is not in \(range.lowerBound)-\(range.upperBound)\(names.isEmpty ? "" : " or a name")")
        }
        var values: Set<Int> = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, !parts[0].isEmpty else { throw Invalid(description: "\(name) '\(item)' is not a value, range or step") }
            var step = 1
            if parts.count == 2 {
                guard let value = Int(parts[1]), value > 0 else { throw Invalid(description: "\(name) step '\(parts[1])' must be a positive number") }
                step = value
            }
            let lower: Int
            let upper: Int
            if parts[0] == "*" || parts[0] == "?" {
                (lower, upper) = (range.lowerBound, range.upperBound)
            } else if let dash = parts[0].firstIndex(of: "-") {
                lower = try number(parts[0][..<dash])
                upper = try number(parts[0][parts[0].index(after: dash)...])
                guard lower <= upper else { throw Invalid(description: "\(name) range '\(parts[0])' runs backwards") }
            } else {
                lower = try number(parts[0])
                upper = parts.count == 2 ? range.upperBound : lower
            }
            values.formUnion(stride(from: lower, through: upper, by: step))
        }
        return values
    }

    /// The first occurrence strictly after `after` in `timeZone`, looking up to five years
    /// ahead; `nil` when there is none (such as `0 0 31 2 *`).
    public func next(after: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = calendar.dateComponents([.year, .month, .day], from: after)
        guard var day = calendar.date(from: DateComponents(year: start.year, month: start.month, day: start.day, hour: 12)) else { return nil }
        let sortedHours = hours.sorted()
        let sortedMinutes = minutes.sorted()
        let sortedSeconds = seconds.sorted()
        // On the first day, local times more than two hours before `after`'s come before it
        // whatever the zone's shifts (at most an hour, or half): skip them without asking the calendar.
        let startClock = calendar.dateComponents([.hour, .minute, .second], from: after)
        var skipBelow = ((startClock.hour ?? 0) * 3600 + (startClock.minute ?? 0) * 60 + (startClock.second ?? 0)) - 2 * 3600
        for _ in 0..<(366 * 5 + 2) {
            defer { skipBelow = Int.min }
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if let year = parts.year, let month = parts.month, let dayOfMonth = parts.day, let weekday = parts.weekday,
                matches(month: month, dayOfMonth: dayOfMonth, weekday: weekday - 1)
            {
                // Local times map to instants in order, except one in a spring-forward gap,
                // which maps past the gap: keep the earliest until a time that exists.
                var earliest: Date?
                for hour in sortedHours where (hour + 1) * 3600 > skipBelow {
                    for minute in sortedMinutes where hour * 3600 + (minute + 1) * 60 > skipBelow {
                        for second in sortedSeconds where hour * 3600 + minute * 60 + second >= skipBelow {
                            let local = DateComponents(year: year, month: month, day: dayOfMonth, hour: hour, minute: minute, second: second)
                            guard let date = calendar.date(from: local), date > after else { continue }
                            earliest = min(earliest ?? date, date)
                            let actual = calendar.dateComponents([.hour, .minute, .second], from: date)
                            if actual.hour == hour && actual.minute == minute && actual.second == second { return earliest }
                        }
                    }
                }
                if let earliest { return earliest }
            }
            guard let following = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = following
        }
        return nil
    }

    /// The next `count` occurrences after `after`.
    public func occurrences(after: Date, in timeZone: TimeZone, count: Int) -> [Date] {
        var dates: [Date] = []
        var cursor = after
        while dates.count < count, let next = next(after: cursor, in: timeZone) {
            dates.append(next)
            cursor = next
        }
        return dates
    }

    private func matches(month: Int, dayOfMonth: Int, weekday: Int) -> Bool {
        guard months.contains(month) else { return false }
        let byDay = daysOfMonth.contains(dayOfMonth)
        let byWeekday = daysOfWeek.contains(weekday)
        if dayOfMonthRestricted && dayOfWeekRestricted { return byDay || byWeekday }
        return byDay && byWeekday
    }
}
