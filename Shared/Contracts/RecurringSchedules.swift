import Foundation

/// What a recurring schedule does when the scheduler fires an occurrence late (it was down,
/// or no replica held the timers, at the due time): more than the scheduler's misfire grace
/// (`HANGAR_SCHEDULER_MISFIRE_GRACE_MS`, a minute) late.
public enum MisfirePolicy: String, Codable, Sendable, CaseIterable {
    /// The missed occurrences are skipped; the next one on time runs.
    case skip
    /// One deployment runs for the missed occurrences (the latest of them), then the next on time.
    case runOnce
}

/// `schedule.set` (intake → scheduler): a recurring schedule as it now stands, or its
/// deletion. The scheduler keeps the highest ``revision`` of each schedule and fires its
/// occurrences on its durable timers, under the timer lease: each occurrence becomes an
/// ordinary deployment (owner `schedule:<id>`) whose id derives from the schedule and the
/// occurrence's time, so it is submitted once even with several replicas and across restarts.
public struct RecurringScheduleSet: Codable, Sendable, Equatable {
    /// The AMQP `type` and routing key.
    public static let messageType = "schedule.set"
    /// The schedule.
    @LowercaseID public var scheduleId: UUID
    /// Counts up with every change of the schedule (and of what it deploys to); the scheduler keeps the highest.
    public var revision: Int64
    /// Whether occurrences run: the schedule is enabled and not deleted, and its environment takes deployments.
    public var active: Bool
    /// The schedule was deleted (or its environment was).
    public var deleted: Bool
    /// The cron expression (``CronExpression``).
    public var cron: String
    /// The IANA time zone the cron's wall-clock times are in.
    public var timeZone: String
    /// What a late occurrence does.
    public var misfire: MisfirePolicy
    /// The deployment each occurrence submits: its id, `createdAt` and `scheduledAt` are set per
    /// occurrence, and `{date}` (yyyyMMdd) and `{time}` (HHmm) in its version are the occurrence's, in ``timeZone``.
    public var template: SubmitDeployment

    /// Creates the message.
    public init(
        scheduleId: UUID, revision: Int64, active: Bool, deleted: Bool = false, cron: String, timeZone: String, misfire: MisfirePolicy,
        template: SubmitDeployment
    ) {
        self.scheduleId = scheduleId
        self.revision = revision
        self.active = active
        self.deleted = deleted
        self.cron = cron
        self.timeZone = timeZone
        self.misfire = misfire
        self.template = template
    }

    /// The message id intake publishes it under: one per schedule and revision.
    public var messageId: String { "schedule-\(scheduleId.lowercasedString)-\(revision)" }

    /// The owner of each occurrence's deployment: `schedule:<id>`.
    public var owner: String { "schedule:\(scheduleId.lowercasedString)" }

    /// The deployment of the occurrence due at `due`: a name-based id (the same for every
    /// replica and restart), the version pattern filled in.
    public func occurrence(at due: Date, now: Date) -> SubmitDeployment {
        var submission = template
        submission.deploymentId = Self.occurrenceId(schedule: scheduleId, due: due)
        submission.owner = owner
        submission.createdAt = now
        submission.scheduledAt = due
        submission.version = template.version.map { Self.expand($0, at: due, timeZone: TimeZone(identifier: timeZone) ?? .gmt) }
        return submission
    }

    /// `{date}` → `yyyyMMdd`, `{time}` → `HHmm` of `date` in `timeZone`.
    public static func expand(_ pattern: String, at date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return pattern.replacingOccurrences(of: "{date}", with: "\(parts.year ?? 0)\(two(parts.month))\(two(parts.day))")
            .replacingOccurrences(of: "{time}", with: "\(two(parts.hour))\(two(parts.minute))")
    }

    /// A UUID (version 8, name-based) from the schedule and the occurrence's time.
    public static func occurrenceId(schedule: UUID, due: Date) -> UUID {
        let key = "\(schedule.lowercasedString)@\(due.epochMilliseconds)"
        let high = UInt64(Fingerprint.hex(of: key), radix: 16) ?? 0
        let low = UInt64(Fingerprint.hex(of: "occurrence:" + key), radix: 16) ?? 0
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index)))
            bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}
