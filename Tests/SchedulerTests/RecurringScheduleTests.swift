import Foundation
import HangarContracts
import SQLKit
import Testing

@testable import HangarScheduling

/// Recurring schedules on the scheduler's timers, with a clock moved by hand: each occurrence
/// submitted once as an ordinary deployment, the misfire policies, the newest revision winning,
/// and a freeze window applying to an occurrence.
@Suite("Scheduler: recurring schedules")
struct RecurringScheduleTests {
    @Test("every 10 s: each occurrence becomes one deployment owned by the schedule, its version filled in; firing again submits nothing more")
    func occurrencesOnce() async throws {
        try await SchedulerHarness.with { harness in
            let set = harness.schedule(cron: "*/10 * * * * *", revision: 1)
            try await harness.deliver(set)
            #expect(try await harness.engine.nextTimerDue() == harness.clock.now.addingTimeInterval(10))
            harness.clock.advance(by: 9)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.occurrences(set).isEmpty)
            harness.clock.advance(by: 1)
            try await harness.engine.fireDueTimers()
            try await harness.engine.fireDueTimers()
            let first = try await harness.occurrences(set)
            #expect(first.count == 1)
            let expectedId = RecurringScheduleSet.occurrenceId(schedule: set.scheduleId, due: harness.clock.now)
            #expect(first.first?.id == expectedId.uuidString && first.first?.owner == set.owner)
            #expect(first.first?.version == "nightly-20270115-1700", "{date} and {time} of the occurrence in Tokyo (08:00 UTC)")
            harness.clock.advance(by: 10)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.occurrences(set).count == 2)
            // The same occurrence submitted again (a replica that fired it before it failed over) is the same deployment.
            try await harness.engine.handle([
                (messageId: "again", message: .submitDeployment(set.occurrence(at: harness.clock.now, now: harness.clock.now)))
            ])
            #expect(try await harness.occurrences(set).count == 2)
        }
    }

    @Test("fired late (the scheduler was down): skip submits nothing and waits for the next on time; runOnce submits one, for the latest missed")
    func misfire() async throws {
        try await SchedulerHarness.with { harness in
            let skip = harness.schedule(cron: "0 * * * * *", revision: 1, misfire: .skip)
            let runOnce = harness.schedule(cron: "0 * * * * *", revision: 1, misfire: .runOnce)
            try await harness.deliver(skip)
            try await harness.deliver(runOnce)
            let due = harness.clock.now.addingTimeInterval(60)
            harness.clock.advance(by: 60 + 5 * 60 + 30)  // five more minutes missed, fired 5.5 min late
            try await harness.engine.fireDueTimers()
            #expect(try await harness.occurrences(skip).isEmpty)
            let once = try await harness.occurrences(runOnce)
            #expect(once.count == 1)
            #expect(once.first?.id == RecurringScheduleSet.occurrenceId(schedule: runOnce.scheduleId, due: due.addingTimeInterval(300)).uuidString)
            // Both are on time again at the next minute.
            harness.clock.advance(by: 30)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.occurrences(skip).count == 1)
            #expect(try await harness.occurrences(runOnce).count == 2)
        }
    }

    @Test("the newest revision wins: an older one arriving late is ignored, a paused or deleted schedule fires nothing")
    func revisions() async throws {
        try await SchedulerHarness.with { harness in
            let active = harness.schedule(cron: "*/10 * * * * *", revision: 2)
            try await harness.deliver(active)
            var stale = active
            stale.revision = 1
            stale.active = false
            try await harness.deliver(stale)
            harness.clock.advance(by: 10)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.occurrences(active).count == 1, "revision 1 arrived after 2 and changed nothing")
            var paused = active
            paused.revision = 3
            paused.active = false
            try await harness.deliver(paused)
            harness.clock.advance(by: 60)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.occurrences(active).count == 1)
            var resumed = active
            resumed.revision = 4
            try await harness.deliver(resumed)
            harness.clock.advance(by: 10)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.occurrences(active).count == 2)
            var deleted = active
            deleted.revision = 5
            deleted.deleted = true
            deleted.active = false
            try await harness.deliver(deleted)
            harness.clock.advance(by: 60)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.occurrences(active).count == 2)
            #expect(try await harness.engine.nextTimerDue() == nil)
        }
    }

    @Test("an occurrence that lands inside a freeze window that skips is rejected, naming the window; the next one after the window runs")
    func insideAFreeze() async throws {
        try await SchedulerHarness.with { harness in
            let set = harness.schedule(cron: "0 * * * * *", revision: 1)
            try await harness.deliver(set)
            let due = harness.clock.now.addingTimeInterval(60)
            let window = FreezeAtDueTimeTests.window(
                set.template.environmentId, from: due.addingTimeInterval(-5), to: due.addingTimeInterval(30), policy: .skip)
            try await harness.freeze([window], revision: 1)
            harness.clock.advance(by: 60)
            try await harness.engine.fireDueTimers()
            let frozen = try #require(try await harness.occurrences(set).first)
            #expect(frozen.status == "rejected" && frozen.reason?.contains(window.reason) == true, "\(frozen)")
            harness.clock.advance(by: 60)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.occurrences(set).map(\.status).contains("running"))
        }
    }
}

extension SchedulerHarness {
    /// A schedule of a new environment deploying `nightly-{date}-{time}`, its zone Tokyo.
    func schedule(cron: String, revision: Int64, misfire: MisfirePolicy = .skip) -> RecurringScheduleSet {
        let template = SubmitDeployment(
            deploymentId: UUID(), environmentId: UUID(), environmentName: "web", version: "nightly-{date}-{time}", owner: "alice",
            createdAt: clock.now, scheduledAt: nil, options: .init(), mode: .optimized, target: ProviderTarget(provider: "simulated"))
        return RecurringScheduleSet(
            scheduleId: UUID(), revision: revision, active: true, cron: cron, timeZone: "Asia/Tokyo", misfire: misfire, template: template)
    }

    func deliver(_ set: RecurringScheduleSet) async throws {
        try await engine.handle([(messageId: set.messageId, message: .scheduleSet(set))])
    }

    struct Occurrence: CustomStringConvertible {
        var id: String
        var owner: String
        var version: String?
        var status: String
        var reason: String?
        var description: String { "\(id) \(status) \(reason ?? "")" }
    }

    /// The deployments the schedule submitted, oldest first.
    func occurrences(_ set: RecurringScheduleSet) async throws -> [Occurrence] {
        try await store.read { db in
            try await db.raw(
                "SELECT id, status, reason, request FROM scheduler_deployments WHERE environment_id = \(bind: set.template.environmentId.uuidString) ORDER BY sequence"
            ).all().map { row in
                let request = try HangarJSON.decoder.decode(
                    SubmitDeployment.self, from: Data(try row.decode(column: "request", as: String.self).utf8))
                return Occurrence(
                    id: try row.decode(column: "id", as: String.self), owner: request.owner, version: request.version,
                    status: try row.decode(column: "status", as: String.self), reason: try row.decode(column: "reason", as: String?.self))
            }
        }
    }
}
