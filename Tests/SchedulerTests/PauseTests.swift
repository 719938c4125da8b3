import Foundation
import HangarContracts
import HangarMessaging
import SQLKit
import Testing

@testable import HangarScheduling

/// Rollouts paused by a failed health gate, in the scheduler on an injected clock: the
/// deployment keeps its environment with no dispatch and a `pause` timer; resumed, or rolled
/// back, `replace_instances` is dispatched again with its progress and the resolution; nobody
/// deciding within a day rolls it back.
@Suite("Paused rollouts in the scheduler")
struct PauseTests {
    @Test("a paused gate holds the deployment; a resume hands replace_instances its progress with gate accept and says running again")
    func resumed() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit(replacement: ReplacementPolicy(batchPercent: 50, onFailure: .pause))
            try await harness.pauseAtReplace(id)
            #expect(try await harness.state(id).dispatchId == nil)
            #expect(try await harness.status(id) == "running", "it keeps its environment")
            let paused = try #require(try await harness.events(id, "paused").first)
            #expect(paused.reason == "health gate failed after batch 1 of 2" && paused.pause?.decision == nil)
            #expect(try await harness.timers(id).contains("pause-\(id)"))
            // The reconciler leaves it be.
            try await harness.engine.reconcile()
            #expect(try await harness.state(id).dispatchId == nil)

            try await harness.resolve(id, resume: true, by: "lead")
            let command = try #require(try await harness.executeCommands(id).last { $0.step == .replaceInstances && $0.poll > 0 })
            #expect(command.continuation?.objectValue?["gate"] == .string("accept"))
            #expect(command.continuation?.objectValue?["batches"] == .number(1))
            #expect(command.replacement?.onFailure == .pause, "the policy goes along")
            let running = try await harness.events(id, "running")
            #expect(running.count == 2 && running.last?.pause?.decision == .resumed && running.last?.pause?.decidedBy == "lead")
            #expect(try await !harness.timers(id).contains("pause-\(id)"))
            // A second decision changes nothing.
            try await harness.resolve(id, resume: false, by: "ops")
            #expect(try await harness.executeCommands(id).filter { $0.step == .replaceInstances }.count == 2)
        }
    }

    @Test("a roll back hands it gate rollBack; the provider's rolled-back answer ends it rolled_back after its cleanup")
    func rolledBack() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit(replacement: ReplacementPolicy(onFailure: .pause))
            try await harness.pauseAtReplace(id)
            try await harness.resolve(id, resume: false, by: "lead")
            let command = try #require(try await harness.executeCommands(id).last { $0.step == .replaceInstances && $0.poll > 0 })
            #expect(command.continuation?.objectValue?["gate"] == .string("rollBack"))
            try await harness.answerReplace(id, outputs: [HealthGateOutcome.outputKey: HealthGateOutcome.rolledBack.rawValue], error: "rolled back")
            #expect(try await harness.state(id).step == "finalize")
            try await harness.succeedCurrentStep(id)
            #expect(try await harness.status(id) == "rolled_back")
            let event = try #require(try await harness.events(id, "rolled_back").first)
            #expect(event.pause?.decision == .rolledBack && event.failedStep == .replaceInstances)
        }
    }

    @Test("nobody deciding within a day rolls it back")
    func expires() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit(replacement: ReplacementPolicy(onFailure: .pause))
            try await harness.pauseAtReplace(id)
            harness.clock.advance(by: 86_399)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.state(id).dispatchId == nil)
            harness.clock.advance(by: 1)
            try await harness.engine.fireDueTimers()
            let command = try #require(try await harness.executeCommands(id).last { $0.step == .replaceInstances && $0.poll > 0 })
            #expect(command.continuation?.objectValue?["gate"] == .string("rollBack"))
        }
    }
}

extension SchedulerHarness {
    func submit(replacement: ReplacementPolicy) async throws -> UUID {
        let id = UUID()
        let request = SubmitDeployment(
            deploymentId: id, environmentId: UUID(), environmentName: "web", version: "1.0", owner: "alice", createdAt: clock.now,
            scheduledAt: nil, options: .init(), mode: .optimized, target: ProviderTarget(provider: "simulated"), replacement: replacement)
        try await engine.handle([(messageId: "submit-\(id)", message: .submitDeployment(request))])
        return id
    }

    /// Runs the steps to `replace_instances` and answers it as a paused gate.
    func pauseAtReplace(_ id: UUID) async throws {
        while try await state(id).step != StepName.replaceInstances.rawValue { try await succeedCurrentStep(id) }
        try await answerReplace(
            id, outputs: [HealthGateOutcome.outputKey: HealthGateOutcome.paused.rawValue], error: "health gate failed after batch 1 of 2",
            continuation: .object(["provider": "simulated", "step": "replace_instances", "batches": .number(1)]))
    }

    /// Answers the `replace_instances` in flight with a failed event carrying `outputs`.
    func answerReplace(_ id: UUID, outputs: [String: String], error: String, continuation: JSONValue? = nil) async throws {
        let current = try await state(id)
        let dispatch = try #require(current.dispatchId)
        let event = StepEvent(
            kind: .failed, deploymentId: id, step: .replaceInstances, attempt: current.attempt, dispatchId: dispatch, at: clock.now,
            outputs: outputs, error: error, transient: false, continuation: continuation, worker: "worker-1")
        try await engine.handle([(messageId: "\(dispatch).failed", message: .stepEvent(event))])
    }

    func resolve(_ id: UUID, resume: Bool, by name: String) async throws {
        let command = ResolvePause(deploymentId: id, resume: resume, decidedBy: name, decidedAt: clock.now)
        try await engine.handle([(messageId: "resolve-\(id)-\(UUID())", message: .resolvePause(command))])
    }
}
