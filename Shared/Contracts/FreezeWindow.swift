import Foundation

/// A period in which deployments must not start: a one-off (`start` … `end`) or a weekly
/// window (`weekly`: days, from, to, in `timeZone`). An environment's, or every
/// environment's (`environmentId` nil).
public struct FreezeWindow: Codable, Sendable, Equatable {
    /// A day of the week, spelled as the API takes it: `SUN` … `SAT`.
    public enum Weekday: String, Codable, Sendable, CaseIterable {
        case SUN, MON, TUE, WED, THU, FRI, SAT

        /// Calendar's weekday number: Sunday 1 … Saturday 7.
        var number: Int { Self.allCases.firstIndex(of: self)! + 1 }
    }

    /// Every week on `days`, from `from` to `to` (local `HH:MM` in the window's time zone).
    /// When `to` is not after `from` the window runs past midnight into the next day; a day
    /// listed is the day a window begins.
    public struct Weekly: Codable, Sendable, Equatable {
        /// The days on which the window begins.
        public var days: [Weekday]
        /// When the window begins each of those days: local `HH:MM`.
        public var from: String
        /// When the window ends: local `HH:MM`, on the next day when it is not after `from`.
        public var to: String

        /// Creates a weekly schedule. `from` and `to` are `HH:MM`; a window whose times do not parse never applies.
        public init(days: [Weekday], from: String, to: String) {
            self.days = days
            self.from = from
            self.to = to
        }
    }

    /// What happens to a deployment scheduled to start inside the window.
    public enum ScheduledPolicy: String, Codable, Sendable, CaseIterable {
        /// It is moved to the first moment after the window (and any window adjoining it).
        case `defer`
        /// It is refused.
        case skip
    }

    /// The window's id: a UUIDv7 that intake mints when the window is created.
    @LowercaseID public var id: UUID
    /// The environment it freezes; `nil` freezes every environment.
    @LowercaseOptionalID public var environmentId: UUID?
    /// What the freeze is for (1 to 500 characters). A refused deployment is told it.
    public var reason: String
    /// A one-off window: its first instant (inclusive). `nil` for a weekly window.
    public var start: Date?
    /// A one-off window: its end (exclusive). `nil` for a weekly window.
    public var end: Date?
    /// A weekly window: its days and hours. `nil` for a one-off window.
    public var weekly: Weekly?
    /// An IANA time zone name for a weekly window (`Europe/Paris`); `UTC` by default.
    public var timeZone: String
    /// What happens to a deployment scheduled to start inside the window. A deployment asked to start now is refused
    /// in any case, unless an admin overrides the freeze.
    public var scheduled: ScheduledPolicy
    /// The name of the token that created the window.
    public var createdBy: String
    /// When the window was created.
    public var createdAt: Date

    /// Creates a freeze window: give `start` and `end`, or `weekly`.
    public init(
        id: UUID, environmentId: UUID?, reason: String, start: Date? = nil, end: Date? = nil, weekly: Weekly? = nil, timeZone: String = "UTC",
        scheduled: ScheduledPolicy = .defer, createdBy: String, createdAt: Date
    ) {
        self.id = id
        self.environmentId = environmentId
        self.reason = reason
        self.start = start
        self.end = end
        self.weekly = weekly
        self.timeZone = timeZone
        self.scheduled = scheduled
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    /// The occurrence of this window that `date` falls in (its start inclusive, its end
    /// exclusive), or `nil`.
    public func occurrence(containing date: Date) -> (start: Date, end: Date)? {
        if let start, let end {
            return start <= date && date < end ? (start, end) : nil
        }
        guard let weekly, let zone = TimeZone(identifier: timeZone), let from = Self.minutes(weekly.from), let to = Self.minutes(weekly.to) else {
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let today = calendar.startOfDay(for: date)
        // The window may have begun today or, running past midnight, yesterday.
        for offset in [0, -1] {
            guard let day = calendar.date(byAdding: .day, value: offset, to: today),
                weekly.days.contains(where: { $0.number == calendar.component(.weekday, from: day) }),
                let begins = calendar.date(bySettingHour: from / 60, minute: from % 60, second: 0, of: day),
                let endDay = to > from ? day : calendar.date(byAdding: .day, value: 1, to: day),
                let ends = calendar.date(bySettingHour: to / 60, minute: to % 60, second: 0, of: endDay)
            else { continue }
            if begins <= date && date < ends { return (begins, ends) }
        }
        return nil
    }

    /// `HH:MM` (00:00 … 23:59) as minutes of the day.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]),
            (0...23).contains(hours), (0...59).contains(minutes)
        else { return nil }
        return hours * 60 + minutes
    }
}

extension Array where Element == FreezeWindow {
    /// The window `date` falls in (the one ending last when several do), with that occurrence.
    public func freeze(at date: Date) -> (window: FreezeWindow, start: Date, end: Date)? {
        compactMap { window in window.occurrence(containing: date).map { (window, $0.start, $0.end) } }.max { $0.end < $1.end }
    }

    /// The first moment at or after `date` in none of the windows (windows that adjoin or
    /// overlap are passed one after another); `nil` when that takes more than 1,000 steps.
    public func firstFreeMoment(from date: Date) -> Date? {
        var moment = date
        for _ in 0..<1000 {
            guard let frozen = freeze(at: moment) else { return moment }
            moment = frozen.end
        }
        return nil
    }
}

/// `freeze.snapshot` (intake → scheduler): every freeze window there is, at a revision. Intake
/// writes one to its outbox with each change of the windows (and once at start), so the
/// scheduler can apply the windows when a scheduled deployment falls due: a window created
/// after the deployment was scheduled defers or skips it too. The scheduler keeps the
/// snapshot with the highest revision; an older one arriving late is ignored.
public struct FreezeSnapshot: Codable, Sendable, Equatable {
    /// The AMQP `type` and routing key.
    public static let messageType = "freeze.snapshot"

    /// Counts up with every change of the windows, in intake's store.
    public var revision: Int64
    /// Every window, of every environment.
    public var windows: [FreezeWindow]
    /// When intake took the snapshot.
    public var at: Date

    /// A snapshot of `windows` at `revision`.
    public init(revision: Int64, windows: [FreezeWindow], at: Date) {
        self.revision = revision
        self.windows = windows
        self.at = at
    }

    /// The windows that apply to `environment`: its own and every environment's.
    public func windows(of environment: UUID) -> [FreezeWindow] {
        windows.filter { $0.environmentId == nil || $0.environmentId == environment }
    }
}
