import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import SQLKit
import Synchronization
import Testing

@testable import HangarScheduling

/// The lease of a running step, on the scheduler's engine and a real SQLite store, with a
/// clock moved by hand: a run that goes silent is dispatched again once its lease lapses,
/// heartbeats renew it, and words of an older dispatch renew nothing.
@Suite("Scheduler: step leases")
struct LeaseTests {
    @Test("a step heard from and then silent for the lease is dispatched again as a new attempt; a late outcome of the old one is ignored")
    func lapse() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit()
            let first = try await harness.state(id)
            #expect(first.step == "validate" && first.attempt == 1)
            let dispatch = try #require(first.dispatchId)

            // Nothing heard yet: no lease, however long the step waits in the queue.
            harness.clock.advance(by: 60)
            #expect(try await harness.engine.fireDueTimers() == 0)

            try await harness.deliver(.started, deployment: id, dispatch: dispatch)
            harness.clock.advance(by: 14)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.state(id).attempt == 1, "the lease (15 s) still holds")

            harness.clock.advance(by: 2)
            #expect(try await harness.engine.fireDueTimers() == 1)
            let second = try await harness.state(id)
            #expect(second.step == "validate" && second.attempt == 2, "dispatched again")
            #expect(second.dispatchId != dispatch)
            #expect(try await harness.executeCommands(id).map(\.attempt) == [1, 2])

            // The first run answers after all: fenced by its dispatch, nothing moves.
            try await harness.deliver(.succeeded, deployment: id, dispatch: dispatch, attempt: 1)
            let after = try await harness.state(id)
            #expect(after.step == "validate" && after.attempt == 2 && after.dispatchId == second.dispatchId)
        }
    }

    @Test("the outbox relay does not send again a step command that reached a worker (heard from, or moved past): it deletes it")
    func relayKeepsDeliveredStepsBack() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit()
            let first = try #require(try await harness.state(id).dispatchId)
            #expect(try await harness.relayed(id).map(\.dispatchId) == [first], "not heard from yet: it may have been lost, so it goes again")
            #expect(try await harness.executeCommands(id).count == 1)

            try await harness.deliver(.started, deployment: id, dispatch: first)
            #expect(try await harness.relayed(id).isEmpty, "a worker has it: sent again, a second worker would run it at once")
            #expect(try await harness.executeCommands(id).isEmpty, "its row is gone")

            // The next step's command, not heard from, goes again; once the deployment has
            // moved past it, it does not.
            try await harness.deliver(.succeeded, deployment: id, dispatch: first)
            let second = try #require(try await harness.state(id).dispatchId)
            #expect(second != first)
            #expect(try await harness.relayed(id).map(\.dispatchId) == [second])
            try await harness.deliver(.succeeded, deployment: id, dispatch: second)
            #expect(try await !harness.relayed(id).contains { $0.dispatchId == second })
        }
    }

    @Test("heartbeats renew the lease; a heartbeat of an older dispatch does not")
    func heartbeats() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit()
            let dispatch = try #require(try await harness.state(id).dispatchId)
            try await harness.deliver(.started, deployment: id, dispatch: dispatch)
            for _ in 0..<5 {  // 50 s of a long step, a heartbeat every 10 s
                harness.clock.advance(by: 10)
                try await harness.heartbeat(deployment: id, dispatch: dispatch)
                try await harness.engine.fireDueTimers()
            }
            #expect(try await harness.state(id).attempt == 1, "renewed all along")

            harness.clock.advance(by: 10)
            try await harness.heartbeat(deployment: id, dispatch: UUID())  // someone else's
            harness.clock.advance(by: 6)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.state(id).attempt == 2, "16 s without a word of this dispatch")
        }
    }

    @Test("an outcome ends the lease: the step after it is not dispatched again when the old lease comes due")
    func outcomeEndsLease() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit()
            let dispatch = try #require(try await harness.state(id).dispatchId)
            try await harness.deliver(.started, deployment: id, dispatch: dispatch)
            try await harness.deliver(.succeeded, deployment: id, dispatch: dispatch)
            let next = try await harness.state(id)
            #expect(next.step == "stop_preparation_server" && next.attempt == 1)
            harness.clock.advance(by: 30)
            try await harness.engine.fireDueTimers()
            let later = try await harness.state(id)
            #expect(later.attempt == 1 && later.dispatchId == next.dispatchId, "the old lease timer found nothing to do")
        }
    }
}

/// A clock that moves only when told.
final class ManualClock: Sendable {
    private let current = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A scheduler engine on a fresh SQLite store. Its bus is never used: the tests read what
/// the engine decided from its tables and outbox.
struct SchedulerHarness {
    let engine: SchedulerEngine
    let store: SQLStore
    let clock: ManualClock

    static func with(_ body: (SchedulerHarness) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-scheduler-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var logger = Logger(label: "hangar.scheduler.tests")
        logger.logLevel = .critical
        let store = SQLStore(configuration: .sqlite(path: folder.appendingPathComponent("scheduler.sqlite").path), logger: logger)
        let running = Task { await store.run() }
        defer {
            store.shutdown()
            running.cancel()
        }
        try await store.migrate(SchedulerSchema.migrations)
        let connection = AMQPConnection(configuration: try AMQPConfiguration(url: "amqp://guest:guest@127.0.0.1:1/"), logger: logger)
        let clock = ManualClock()
        let engine = SchedulerEngine(
            store: store, bus: MessageBus(connection: connection, appId: "test"), configuration: SchedulerConfiguration(),
            instance: "test", logger: logger, now: { clock.now })
        #expect(try await engine.holdsLease(), "the only replica takes the timer lease")
        try await body(SchedulerHarness(engine: engine, store: store, clock: clock))
    }

    /// Submits a deployment of `environment` (by default a new one, so it starts at once).
    func submit(mode: PublishMode = .optimized, to environment: UUID = UUID()) async throws -> UUID {
        let id = UUID()
        let request = SubmitDeployment(
            deploymentId: id, environmentId: environment, environmentName: "web", version: "1.0", owner: "alice", createdAt: clock.now,
            scheduledAt: nil, options: .init(), mode: mode,
            reconnection: mode == .requestReconnection ? Reconnection(minutes: 5, message: "save your work") : nil,
            target: ProviderTarget(provider: "simulated"))
        try await engine.handle([(messageId: "submit-\(id)", message: .submitDeployment(request))])
        return id
    }

    func deliver(_ kind: StepEvent.Kind, deployment: UUID, dispatch: UUID, attempt: Int? = nil) async throws {
        let current = try await state(deployment)
        let event = StepEvent(
            kind: kind, deploymentId: deployment, step: StepName(rawValue: current.step) ?? .validate,
            attempt: attempt ?? current.attempt, dispatchId: dispatch, at: clock.now, worker: "worker-1")
        try await engine.handle([(messageId: "\(dispatch).\(kind.rawValue)", message: .stepEvent(event))])
    }

    func heartbeat(deployment: UUID, dispatch: UUID) async throws {
        let current = try await state(deployment)
        let beat = StepHeartbeat(
            deploymentId: deployment, step: StepName(rawValue: current.step) ?? .validate, attempt: current.attempt,
            dispatchId: dispatch, at: clock.now, worker: "worker-1")
        try await engine.handle([(messageId: UUID().uuidString, message: .stepHeartbeat(beat))])
    }

    struct State {
        var step: String
        var attempt: Int
        var dispatchId: UUID?
    }

    func state(_ id: UUID) async throws -> State {
        try await store.read { db in
            let row = try #require(
                try await db.raw("SELECT current_step, attempt, dispatch_id FROM scheduler_deployments WHERE id = \(bind: id.uuidString)").first())
            return State(
                step: try row.decode(column: "current_step", as: String?.self) ?? "",
                attempt: Int(try row.decode(column: "attempt", as: Int64.self)),
                dispatchId: try row.decode(column: "dispatch_id", as: String?.self).flatMap(UUID.init(uuidString:)))
        }
    }

    /// The deployment's `step.execute` commands the outbox relay would send again now.
    func relayed(_ id: UUID) async throws -> [ExecuteStep] {
        let rows = try await store.read { db in
            try await db.raw("SELECT message_id, type, body FROM scheduler_outbox ORDER BY created_at, message_id").all()
        }
        let messages = try rows.map { row in
            let body = Array(try row.decode(column: "body", as: String.self).utf8)
            return TransactionalOutbox.Entry(
                messageId: try row.decode(column: "message_id", as: String.self),
                message: try ContractCodec.decode(type: try row.decode(column: "type", as: String.self), schemaVersion: nil, body: body), body: body)
        }
        return try await engine.withoutDeliveredSteps(messages).compactMap { message in
            guard case .executeStep(let command) = message.message, command.deploymentId == id else { return nil }
            return command
        }
    }

    /// The `step.execute` commands queued for the deployment, oldest first.
    func executeCommands(_ id: UUID) async throws -> [ExecuteStep] {
        try await store.read { db in
            try await db.raw("SELECT type, body FROM scheduler_outbox WHERE type = 'step.execute' ORDER BY created_at, message_id").all()
                .compactMap { row in
                    let body = try row.decode(column: "body", as: String.self)
                    guard case .executeStep(let command) = try ContractCodec.decode(type: "step.execute", schemaVersion: 1, body: Array(body.utf8))
                    else { return nil }
                    return command.deploymentId == id ? command : nil
                }
                .sorted { $0.attempt < $1.attempt }
        }
    }
}
