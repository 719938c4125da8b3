import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import SQLKit
import Testing

@testable import HangarScheduling

/// The scheduler applies the freeze windows (intake's newest `freeze.snapshot`) when a
/// scheduled deployment falls due, on an injected clock: a window made after the deployment
/// was scheduled defers it past the window, or skips it, as the window says.
@Suite("Freeze windows at the due time")
struct FreezeAtDueTimeTests {
    @Test("a window that defers moves the start past it and any adjoining window, says so in a scheduled event, and starts it then")
    func defers() async throws {
        try await SchedulerHarness.with { harness in
            let clock = harness.clock
            let (id, environment) = try await harness.submitScheduled(in: 600)
            let due = clock.now.addingTimeInterval(600)
            // Two adjoining windows around the due time, made after the deployment was scheduled.
            let first = Self.window(environment, from: due.addingTimeInterval(-60), to: due.addingTimeInterval(120), policy: .defer)
            let second = Self.window(environment, from: due.addingTimeInterval(120), to: due.addingTimeInterval(300), policy: .defer)
            try await harness.freeze([first, second], revision: 1)

            clock.advance(by: 600)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.status(id) == "scheduled")
            let deferred = try #require(try await harness.events(id, "scheduled").last)
            #expect(deferred.scheduledAt == due.addingTimeInterval(300), "the end of the second, adjoining window")
            #expect(deferred.reason?.contains("deferred from") == true && deferred.reason?.contains(first.reason) == true)

            clock.advance(by: 299)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.status(id) == "scheduled", "still frozen one second before the end")
            clock.advance(by: 1)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.status(id) == "running")
            #expect(try await harness.events(id, "running").first?.scheduledAt == due.addingTimeInterval(300), "later events carry the new time")
        }
    }

    @Test("a window that skips rejects the deployment at its due time, naming the window")
    func skips() async throws {
        try await SchedulerHarness.with { harness in
            let (id, environment) = try await harness.submitScheduled(in: 60)
            let due = harness.clock.now.addingTimeInterval(60)
            let window = Self.window(environment, from: due.addingTimeInterval(-10), to: due.addingTimeInterval(10), policy: .skip)
            try await harness.freeze([window], revision: 3)
            harness.clock.advance(by: 60)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.status(id) == "rejected")
            let rejected = try #require(try await harness.events(id, "rejected").first)
            #expect(rejected.reason?.hasPrefix("skipped:") == true && rejected.reason?.contains(window.reason) == true)
        }
    }

    @Test("windows of other environments, an older snapshot arriving late, and an admin's override leave a deployment to start on time")
    func notHeld() async throws {
        try await SchedulerHarness.with { harness in
            let (other, otherEnvironment) = try await harness.submitScheduled(in: 60)
            let (overridden, overriddenEnvironment) = try await harness.submitScheduled(in: 60, freezeOverride: "hotfix")
            let due = harness.clock.now.addingTimeInterval(60)
            // Revision 2 freezes only the overridden deployment's environment; revision 1,
            // arriving after it, would have frozen every environment.
            try await harness.freeze(
                [Self.window(overriddenEnvironment, from: due.addingTimeInterval(-10), to: due.addingTimeInterval(10), policy: .defer)],
                revision: 2)
            try await harness.freeze(
                [Self.window(nil, from: due.addingTimeInterval(-10), to: due.addingTimeInterval(10), policy: .skip)], revision: 1)
            #expect(otherEnvironment != overriddenEnvironment)
            harness.clock.advance(by: 60)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.status(other) == "running", "its environment is not frozen at revision 2")
            #expect(try await harness.status(overridden) == "running", "an admin overrode the freeze at submission")
        }
    }

    @Test("a start that fell due while no replica fired timers goes through the queue: a window waiting there before it defers it")
    func overdueAfterTakeover() async throws {
        try await SchedulerHarness.with { harness in
            let clock = harness.clock
            let (id, environment) = try await harness.submitScheduled(in: 5)
            let due = clock.now.addingTimeInterval(5)
            // The timer holder dies before the start is due; the standby takes the timers over
            // after it. Meanwhile a window was made: its snapshot waits in the scheduler's queue.
            let standby = try harness.replica("standby")
            clock.advance(by: 10)
            #expect(try await standby.holdsLease())
            #expect(try await standby.fireDueTimers() == 1)
            #expect(try await harness.status(id) == "scheduled", "not started at once")
            let sent = try await harness.outbox(type: "deployment.due")
            guard case .deploymentDue(let command)? = sent.first?.message else {
                Issue.record("no deployment.due in the outbox")
                return
            }
            #expect(command == DeploymentDue(deploymentId: id, dueAt: due))

            // The queue delivers in order: the snapshot, then the command.
            let window = Self.window(environment, from: due.addingTimeInterval(-60), to: clock.now.addingTimeInterval(60), policy: .defer)
            try await harness.freeze([window], revision: 1)
            try await standby.handle([(messageId: try #require(sent.first?.messageId), message: HangarMessage.deploymentDue(command))])
            #expect(try await harness.status(id) == "scheduled")
            #expect(try await harness.events(id, "scheduled").last?.scheduledAt == clock.now.addingTimeInterval(60), "deferred past the window")

            // A start due while this replica fires timers still starts at once.
            let (onTime, _) = try await harness.submitScheduled(in: 5)
            clock.advance(by: 5)
            try await standby.fireDueTimers()
            #expect(try await harness.status(onTime) == "running")
        }
    }

    @Test("a submission that reaches the scheduler after its scheduled time starts at once, unless a window holds it")
    func alreadyDue() async throws {
        try await SchedulerHarness.with { harness in
            let clock = harness.clock
            let frozen = UUID()
            try await harness.freeze(
                [Self.window(frozen, from: clock.now.addingTimeInterval(-60), to: clock.now.addingTimeInterval(60), policy: .defer)], revision: 1)
            let (free, _) = try await harness.submitScheduled(in: -5)
            #expect(try await harness.status(free) == "running", "its environment is not frozen")
            let (held, _) = try await harness.submitScheduled(in: -5, environment: frozen)
            #expect(try await harness.status(held) == "scheduled")
            #expect(try await harness.events(held, "scheduled").last?.scheduledAt == clock.now.addingTimeInterval(60), "deferred past the window")
        }
    }

    static func window(_ environment: UUID?, from start: Date, to end: Date, policy: FreezeWindow.ScheduledPolicy) -> FreezeWindow {
        FreezeWindow(
            id: UUID.v7(at: start), environmentId: environment, reason: "freeze \(Int(start.timeIntervalSince1970))", start: start, end: end,
            weekly: nil, timeZone: "UTC", scheduled: policy, createdBy: "admin", createdAt: start)
    }
}

extension SchedulerHarness {
    /// Submits a deployment of a new environment, to start `seconds` from now.
    func submitScheduled(
        in seconds: TimeInterval, environment: UUID = UUID(), freezeOverride: String? = nil
    ) async throws -> (deployment: UUID, environment: UUID) {
        let id = UUID()
        let request = SubmitDeployment(
            deploymentId: id, environmentId: environment, environmentName: "web", version: "1.0", owner: "alice", createdAt: clock.now,
            scheduledAt: clock.now.addingTimeInterval(seconds), options: .init(), mode: .optimized, target: ProviderTarget(provider: "simulated"),
            freezeOverride: freezeOverride)
        try await engine.handle([(messageId: "submit-\(id)", message: .submitDeployment(request))])
        return (id, environment)
    }

    /// Delivers intake's snapshot of `windows` at `revision`.
    func freeze(_ windows: [FreezeWindow], revision: Int64) async throws {
        try await engine.handle([
            (messageId: "freeze-snapshot-\(revision)", message: .freezeSnapshot(FreezeSnapshot(revision: revision, windows: windows, at: clock.now)))
        ])
    }

    /// The outbox's messages of AMQP type `type`, oldest first; for an event type, the events
    /// of that type inside the event batches (where the scheduler's events go out).
    func outbox(type: String) async throws -> [TransactionalOutbox.Entry] {
        try await store.read { db in
            let batches = [EventBatch.messageType, EventBatch.urgentMessageType]
            let types = batches.contains(type) ? [type] : [type] + batches
            let rows = try await db.raw(
                "SELECT message_id, type, body FROM scheduler_outbox WHERE type IN (\(binds: types)) ORDER BY created_at, rowid"
            ).all()
            return try rows.flatMap { row -> [TransactionalOutbox.Entry] in
                let rowType = try row.decode(column: "type", as: String.self)
                let body = Array(try row.decode(column: "body", as: String.self).utf8)
                let message = try ContractCodec.decode(type: rowType, schemaVersion: 1, body: body)
                guard case .eventBatch(let batch) = message, !batches.contains(type) else {
                    return [TransactionalOutbox.Entry(messageId: try row.decode(column: "message_id", as: String.self), message: message, body: body)]
                }
                return try batch.items.filter { $0.message.type == type }.map { item in
                    TransactionalOutbox.Entry(
                        messageId: item.messageId, message: item.message, body: try item.body ?? ContractCodec.encode(item.message))
                }
            }
        }
    }

    /// The deployment's `deployment.<status>` events in the outbox's event batches, oldest first.
    func events(_ id: UUID, _ status: String) async throws -> [DeploymentEvent] {
        try await outbox(type: "deployment.\(status)").compactMap { entry in
            guard case .deploymentEvent(let event) = entry.message, event.deploymentId == id else { return nil }
            return event
        }
    }
}
