import Foundation
import HangarContracts
import HangarHarness
import HangarHistory
import Testing

/// What the services do with bad input and with work that went missing.
@Suite("Dead letters and reconciliation end to end", .serialized, .timeLimit(.minutes(3)))
struct RecoveryEndToEndTests {
    @Test("malformed, unknown and newer-schema messages are dead-lettered with their reason; the services carry on")
    func deadLetters() async throws {
        let system = try await HangarSystem("dead-letters")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("steady")

        #expect(try await system.publishRaw(
            exchange: "hangar.commands", routingKey: "deployment.submit", type: "deployment.submit", body: "{not json",
            headers: ["x-schema-version": 1]))
        #expect(try await system.publishRaw(
            exchange: "hangar.commands", routingKey: "deployment.submit", type: "deployment.submit", body: "{}",
            headers: ["x-schema-version": 2]))
        #expect(try await system.publishRaw(
            exchange: "hangar.events", routingKey: "step.exploded", type: "step.exploded", body: "{}"))

        // The scheduler is not stuck: a real deployment still runs.
        let id = try await system.deploy("steady")
        _ = try await system.wait(for: id, status: .succeeded)

        var reasons: [String] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while reasons.count < 2, ContinuousClock.now < deadline {
            reasons = try await system.peek(queue: "hangar.scheduler.dead").compactMap { $0.headers["x-hangar-dead-reason"] as? String }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(reasons.contains { $0.contains("malformed 'deployment.submit'") }, "\(reasons)")
        #expect(reasons.contains { $0.contains("schema version 2") }, "\(reasons)")
        var recorderReasons: [String] = []
        while recorderReasons.isEmpty, ContinuousClock.now < deadline {
            recorderReasons = try await system.peek(queue: "hangar.recorder.dead").compactMap { $0.headers["x-hangar-dead-reason"] as? String }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(recorderReasons.contains { $0.contains("unknown message type 'step.exploded'") }, "\(recorderReasons)")
    }

    @Test("a step command that went missing is found by the reconciler and dispatched again")
    func zombie() async throws {
        let system = try await HangarSystem("zombie", extraEnvironment: ["HANGAR_SCHEDULER_STEP_TIMEOUT_MS": "1500"])
        defer { Task { await system.shutdown() } }
        // No worker yet: the first step.execute waits in hangar.steps, where it gets lost.
        try system.start(.scheduler)
        try system.start(.recorder)
        try system.start(.intake)
        try await system.waitUntilReady()
        try await system.createEnvironment("haunted")
        let id = try await system.deploy("haunted")
        let deadline = ContinuousClock.now + .seconds(20)
        while try await system.peek(queue: "hangar.steps").isEmpty {
            guard ContinuousClock.now < deadline else { throw E2EFailure("no step.execute was dispatched") }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await system.purge(queue: "hangar.steps")
        try system.start(.worker, name: "worker-1")

        let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(60))
        let validate = try #require(done.steps.first { $0.name == .validate })
        // At least 2: on a loaded machine the new worker may also take longer than the step timeout to answer.
        #expect(validate.attempts >= 2, "the lost dispatch was replaced by another attempt")
    }
}
