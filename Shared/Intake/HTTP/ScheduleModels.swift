import Foundation
import HangarContracts

/// A recurring schedule of an environment as the API shows it: what it deploys, when, and
/// its next occurrences.
public struct ScheduleResource: Codable, Sendable, Equatable {
    /// The schedule's id (a UUIDv7).
    @LowercaseID public var id: UUID
    /// The environment it deploys to.
    @LowercaseID public var environmentId: UUID
    /// The cron expression: five fields, or six with leading seconds.
    public var cron: String
    /// The IANA time zone of the cron's wall-clock times.
    public var timeZone: String
    /// The deployment each occurrence submits: the body of `POST …/deployments` (without
    /// `scheduledAt`); `{date}` and `{time}` in its version are the occurrence's.
    public var deployment: [String: JSONValue]
    /// Whether it runs (paused when `false`).
    public var enabled: Bool
    /// What an occurrence fired more than a minute late does.
    public var misfire: MisfirePolicy
    /// Who created it, and when.
    public var createdBy: String
    /// When it was created.
    public var createdAt: Date
    /// Who changed it last, and when.
    public var updatedBy: String
    /// When it was changed last.
    public var updatedAt: Date
    /// Counts up with every change of it, or of its environment, sent to the scheduler.
    public var revision: Int64
}

/// A schedule with what it will do: the answer of the schedules routes (the document's `Schedule`).
struct ScheduleView: Codable, Hashable, Sendable {
    var schedule: ScheduleResource
    /// The environment's name.
    var environment: String
    /// Whether occurrences run now: enabled, and the environment takes deployments.
    var active: Bool
    /// The next five occurrences (none while paused, or while the environment takes no deployments).
    var nextOccurrences: [Date]

    init(_ schedule: ScheduleResource, environment: EnvironmentResource, now: Date) {
        self.schedule = schedule
        self.environment = environment.name
        active = schedule.enabled && environment.lifecycle == .activated
        if active, let cron = try? CronExpression(schedule.cron), let zone = TimeZone(identifier: schedule.timeZone) {
            nextOccurrences = cron.occurrences(after: now, in: zone, count: 5)
        } else {
            nextOccurrences = []
        }
    }

    init(from decoder: any Decoder) throws {
        schedule = try ScheduleResource(from: decoder)
        let container = try decoder.container(keyedBy: Keys.self)
        environment = try container.decode(String.self, forKey: .environment)
        active = try container.decode(Bool.self, forKey: .active)
        nextOccurrences = try container.decode([Date].self, forKey: .nextOccurrences)
    }

    static func == (lhs: ScheduleView, rhs: ScheduleView) -> Bool {
        lhs.schedule == rhs.schedule && lhs.environment == rhs.environment && lhs.active == rhs.active
            && lhs.nextOccurrences == rhs.nextOccurrences
    }

    func hash(into hasher: inout Hasher) { hasher.combine(schedule.id) }

    func encode(to encoder: any Encoder) throws {
        try schedule.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(environment, forKey: .environment)
        try container.encode(active, forKey: .active)
        try container.encode(nextOccurrences, forKey: .nextOccurrences)
    }

    private enum Keys: String, CodingKey { case environment, active, nextOccurrences }
}

/// `GET …/schedules`.
struct ScheduleList: Codable, Hashable, Sendable {
    var environment: String
    var items: [ScheduleView]
}
