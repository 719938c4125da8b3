import Foundation
import HangarContracts
import Logging
import SQLKit

/// Recurring schedules: the scheduler keeps intake's newest `schedule.set` of each and fires
/// its occurrences from the timer loop (under the timer lease, so once with several replicas).
/// An occurrence is submitted as an ordinary deployment whose id derives from the schedule and
/// the occurrence's time, so a second firing of the same occurrence (a replica taking over, a
/// restart) finds it and does nothing. It is due at its time, so freeze windows apply to it as
/// to a scheduled deployment. An occurrence fired later than the misfire grace (the scheduler
/// was down) follows the schedule's misfire policy. Each function runs inside one transaction.
struct ScheduleTransitions {
    let tx: SchedulerTransaction
    let transitions: Transitions
    let logger: Logger
    /// How late an occurrence may fire and still count as on time.
    var misfireGrace: Duration { transitions.configuration.misfireGrace }

    /// Keeps `set` unless a higher revision of the schedule is kept; sets its next occurrence.
    func set(_ set: RecurringScheduleSet) async throws {
        if let kept = try await tx.schedule(set.scheduleId), kept.revision >= set.revision {
            logger.info("scheduler.schedule.stale", metadata: ["schedule.id": "\(set.scheduleId)", "revision": "\(set.revision)"])
            return
        }
        let next = set.active && !set.deleted ? Self.next(set, after: tx.now) : nil
        try await tx.save(set, nextAt: next)
        if let next { tx.noteTimer(next) }
        logger.info(
            "scheduler.schedule.set",
            metadata: [
                "schedule.id": "\(set.scheduleId)", "revision": "\(set.revision)", "active": "\(set.active && !set.deleted)",
                "next": "\(next.map(HangarJSON.formatDate) ?? "-")",
            ])
    }

    /// Submits the occurrences that fell due; returns how many schedules fired.
    func fireDue(limit: Int) async throws -> Int {
        let due = try await tx.dueSchedules(limit: limit)
        for (set, dueAt) in due {
            let now = tx.now
            var occurrence: Date? = dueAt
            if now.timeIntervalSince(dueAt) > misfireGrace.seconds {
                // Missed while no replica fired timers: the latest missed occurrence stands for them all.
                // (Counted up to 10,000; past that, from a day before now, so a schedule every
                // second after a long outage does not hold the transaction.)
                var latest = dueAt
                var missed = 1
                while let later = Self.next(set, after: latest), later <= now {
                    latest = later
                    missed += 1
                    if missed == 10_000, now.timeIntervalSince(latest) > 86_400 { latest = now.addingTimeInterval(-86_400) }
                }
                logger.warning(
                    "scheduler.schedule.misfire",
                    metadata: [
                        "schedule.id": "\(set.scheduleId)", "missed": "\(missed)", "first": "\(HangarJSON.formatDate(dueAt))",
                        "policy": "\(set.misfire.rawValue)",
                    ])
                occurrence = set.misfire == .runOnce ? latest : nil
                if occurrence == nil {
                    try await audit(
                        set, action: "schedule.misfire", target: nil, status: 204, due: dueAt,
                        summary:
                            "skipped \(missed) run(s) due from \(HangarJSON.formatDate(dueAt)) to \(HangarJSON.formatDate(latest)), missed while no scheduler ran (misfire: skip)"
                    )
                }
            }
            if let occurrence {
                let submission = set.occurrence(at: occurrence, now: now)
                let existed = try await tx.deployment(submission.deploymentId) != nil
                try await transitions.submit(submission)
                if !existed {
                    let late = occurrence != dueAt ? ", for the runs missed from \(HangarJSON.formatDate(dueAt)) (misfire: runOnce)" : ""
                    try await audit(
                        set, action: "deployment.submit", target: submission.deploymentId.lowercasedString, status: 202, due: occurrence,
                        summary: "submitted deployment \(submission.deploymentId.lowercasedString) (\(submission.mode.rawValue)"
                            + "\(submission.version.map { ", version \($0)" } ?? "")) for the run due at \(HangarJSON.formatDate(occurrence))\(late)")
                }
                logger.info(
                    "scheduler.schedule.occurrence",
                    metadata: [
                        "schedule.id": "\(set.scheduleId)", "deployment.id": "\(submission.deploymentId)",
                        "due": "\(HangarJSON.formatDate(occurrence))",
                    ])
            }
            let next = Self.next(set, after: now)
            try await tx.setNext(of: set.scheduleId, to: next)
            if let next { tx.noteTimer(next) }
        }
        return due.count
    }

    /// Has intake's audit log keep what the schedule did, under the actor `schedule:<id>`, once
    /// (the entry's id is written with this transaction's outbox row).
    private func audit(_ set: RecurringScheduleSet, action: String, target: String?, status: Int, due: Date, summary: String) async throws {
        let environment = set.template.environmentId.lowercasedString
        let record = AuditRecord(
            id: UUID.v7(at: tx.now), at: tx.now, actor: set.owner, action: action, method: "SCHEDULE",
            path: "/v1/environments/\(environment)/schedules/\(set.scheduleId.lowercasedString)", environment: set.template.environmentName,
            target: target, requestId: "\(set.owner)@\(HangarJSON.formatDate(due))", status: status, summary: [summary])
        try await tx.publish(
            .auditRecord(record), messageId: "audit-\(set.scheduleId.lowercasedString)-\(due.epochMilliseconds)-\(action)", traceParent: nil)
    }

    /// The schedule's next occurrence after `date`; `nil` when its cron or time zone does not parse (intake checked both).
    static func next(_ set: RecurringScheduleSet, after date: Date) -> Date? {
        guard let cron = try? CronExpression(set.cron), let zone = TimeZone(identifier: set.timeZone) else { return nil }
        return cron.next(after: date, in: zone)
    }
}

extension SchedulerTransaction {
    /// The kept revision of a schedule.
    func schedule(_ id: UUID) async throws -> (revision: Int64, set: RecurringScheduleSet)? {
        guard
            let row = try await db.raw(
                "SELECT revision, body FROM scheduler_schedules WHERE id = \(bind: id.uppercasedString)\(unsafeRaw: forUpdate)"
            )
            .first()
        else { return nil }
        return (
            try row.decode(column: "revision", as: Int64.self),
            try Self.decodeJSON(RecurringScheduleSet.self, try row.decode(column: "body", as: String.self))
        )
    }

    /// Keeps `set` with its next occurrence.
    func save(_ set: RecurringScheduleSet, nextAt: Date?) async throws {
        try await db.raw(
            """
            INSERT INTO scheduler_schedules (id, revision, body, next_at, updated_at)
            VALUES (\(bind: set.scheduleId.uppercasedString), \(bind: set.revision), \(bind: try Self.json(set)), \(bind: nextAt?.epochMilliseconds),
                \(bind: now.epochMilliseconds))
            ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, body = excluded.body, next_at = excluded.next_at,
                updated_at = excluded.updated_at
            """
        ).run()
    }

    /// Up to `limit` schedules whose next occurrence is due, with its time.
    func dueSchedules(limit: Int) async throws -> [(RecurringScheduleSet, Date)] {
        try await db.raw(
            """
            SELECT body, next_at FROM scheduler_schedules WHERE next_at <= \(bind: now.epochMilliseconds)
            ORDER BY next_at LIMIT \(literal: limit)\(unsafeRaw: forUpdate)
            """
        ).all().map { row in
            (
                try Self.decodeJSON(RecurringScheduleSet.self, try row.decode(column: "body", as: String.self)),
                Date(epochMilliseconds: try row.decode(column: "next_at", as: Int64.self))
            )
        }
    }

    /// Moves a schedule's next occurrence.
    func setNext(of id: UUID, to next: Date?) async throws {
        try await db.raw(
            "UPDATE scheduler_schedules SET next_at = \(bind: next?.epochMilliseconds) WHERE id = \(bind: id.uppercasedString)"
        ).run()
    }
}
