import Foundation
import HangarContracts
import HangarProviders
import Testing

@testable import HangarExecution

/// Health-gated replacement on the simulated provider: batches, their health figures, the
/// bake as a continuation, and what a failed gate does to the instances (as the servers
/// listing of another worker on the same state file reports them).
@Suite("Health gates on the simulated provider")
struct HealthGateTests {
    /// Runs `replace_instances` of a 4-instance group under `policy` until it ends; answers
    /// the outcome, every line reported and how many runs it took.
    private func replace(
        _ policy: ReplacementPolicy, failAfterBatch: Int? = nil, worker: SimulatedProvider, environment: UUID
    ) async throws -> (outcome: StepOutcome, lines: [String], runs: Int) {
        var settings: [String: JSONValue] = ["instances": 4]
        if let failAfterBatch { settings["health"] = .object(["failAfterBatch": .number(Double(failAfterBatch))]) }
        var command = Fixtures.command(.replaceInstances, settings: settings)
        command.environmentId = environment
        command.outputs = ["mainModelVersion": "20", "backupModelVersion": "10"]
        command.replacement = policy
        let lines = LineLog()
        for run in 1...10 {
            let outcome = try await worker.execute(command, progress: { await lines.add($0) })
            guard case .inProgress(let continuation, let checkAfter, _) = outcome else { return (outcome, await lines.all, run) }
            #expect(checkAfter == .seconds(policy.bakeSeconds), "it waits the bake as a continuation")
            command.continuation = continuation
            command.poll += 1
        }
        throw E2EStop("replace_instances never ended")
    }

    private func instances(_ file: String, _ environment: UUID) async throws -> [String] {
        let target = ProviderTarget(provider: "simulated", settings: ["instances": 4], environmentId: environment)
        return try await SimulatedProvider(serverStateFile: file).servers(of: target).filter { $0.role == .instance }
            .map { "\($0.modelVersion ?? "-") \($0.health ?? "-")" }
    }

    @Test("every batch healthy: two batches, each judged, the whole group on the new model")
    func passes() async throws {
        try await withStateFile { file in
            let environment = UUID.v7()
            let worker = SimulatedProvider(serverStateFile: file, sleep: { _ in })
            let (outcome, lines, runs) = try await replace(ReplacementPolicy(batchPercent: 50), worker: worker, environment: environment)
            guard case .succeeded(_, let detail) = outcome else {
                Issue.record("not succeeded: \(outcome)")
                return
            }
            #expect(detail == "instances replaced with main model version 20 in 2 health-gated batches")
            #expect(runs == 1, "no bake: one run")
            #expect(lines.filter { $0.hasPrefix("batch ") }.count == 4, "\(lines)")
            #expect(lines.contains("batch 2 of 2 passed its health gate: 4 of 4 replaced instances healthy (100 %, at least 100 % needed)"))
            #expect(try await instances(file, environment) == Array(repeating: "20 healthy", count: 4))
        }
    }

    @Test("a failed gate with rollback: the replaced instances back on the model they ran before, healthy; the step halts as rolled back")
    func rollsBack() async throws {
        try await withStateFile { file in
            let environment = UUID.v7()
            let worker = SimulatedProvider(serverStateFile: file, sleep: { _ in })
            let policy = ReplacementPolicy(batchPercent: 50, minHealthyPercent: 75, bakeSeconds: 30, onFailure: .rollback)
            let (outcome, lines, runs) = try await replace(policy, failAfterBatch: 1, worker: worker, environment: environment)
            guard case .halted(let error, let outputs, _) = outcome else {
                Issue.record("not halted: \(outcome)")
                return
            }
            #expect(outputs == [HealthGateOutcome.outputKey: HealthGateOutcome.rolledBack.rawValue])
            #expect(
                error
                    == "health gate failed after batch 2 of 2: 2 of 4 replaced instances healthy (50 %, at least 75 % needed); "
                    + "the 4 replaced instances run model version 1 again")
            #expect(runs == 3, "a run per batch's bake, then the judgement")
            #expect(lines.contains("batch 1 of 2 passed its health gate: 2 of 2 replaced instances healthy (100 %, at least 75 % needed)"))
            #expect(try await instances(file, environment) == Array(repeating: "1 healthy", count: 4), "the model before any replacement")
        }
    }

    @Test("a failed gate with fail: the rollout stops, the replaced instances keep the new model and report their health")
    func stops() async throws {
        try await withStateFile { file in
            let environment = UUID.v7()
            let worker = SimulatedProvider(serverStateFile: file, sleep: { _ in })
            let policy = ReplacementPolicy(batchPercent: 25, onFailure: .fail)
            let (outcome, _, _) = try await replace(policy, failAfterBatch: 1, worker: worker, environment: environment)
            guard case .halted(let error, let outputs, _) = outcome else {
                Issue.record("not halted: \(outcome)")
                return
            }
            #expect(outputs[HealthGateOutcome.outputKey] == HealthGateOutcome.failed.rawValue)
            #expect(error.hasPrefix("health gate failed after batch 2 of 4: 1 of 2 replaced instances healthy (50 %"), "\(error)")
            #expect(try await instances(file, environment) == ["20 healthy", "20 unhealthy", "1 healthy", "1 healthy"])
            // A later whole-group replacement makes the batch states moot.
            var command = Fixtures.command(.replaceInstances, settings: ["instances": 4])
            command.environmentId = environment
            command.outputs = ["mainModelVersion": "30"]
            _ = try await worker.execute(command, progress: { _ in })
            #expect(try await instances(file, environment) == Array(repeating: "30 healthy", count: 4))
        }
    }

    @Test("a failed gate with pause halts as paused with its progress; gate accept goes on past it, gate rollBack returns the replaced instances")
    func pauses() async throws {
        try await withStateFile { file in
            let environment = UUID.v7()
            let worker = SimulatedProvider(serverStateFile: file, sleep: { _ in })
            var command = Fixtures.command(.replaceInstances, settings: ["instances": 4, "health": ["failAfterBatch": 1]])
            command.environmentId = environment
            command.outputs = ["mainModelVersion": "20"]
            command.replacement = ReplacementPolicy(batchPercent: 25, minHealthyPercent: 50, onFailure: .pause)
            func run(_ gate: PauseResolution?, after continuation: JSONValue?) async throws -> (String, [String: String], JSONValue?) {
                var next = command
                if var state = continuation?.objectValue, let gate {
                    state[PauseResolution.continuationKey] = .string(gate.rawValue)
                    next.continuation = .object(state)
                    next.poll += 1
                }
                let outcome = try await worker.execute(next, progress: { _ in })
                switch outcome {
                case .halted(let error, let outputs, let continuation): return (error, outputs, continuation)
                case .succeeded(_, let detail): return (detail ?? "", ["done": "yes"], nil)
                default: throw E2EStop("unexpected \(outcome)")
                }
            }
            // Batch 2 passes at 50 %; batch 3 (1 of 3 healthy) pauses.
            let (first, firstOutputs, progress) = try await run(nil, after: nil)
            #expect(firstOutputs[HealthGateOutcome.outputKey] == HealthGateOutcome.paused.rawValue)
            #expect(first.hasPrefix("health gate failed after batch 3 of 4: 1 of 3 replaced instances healthy (33 %"), "\(first)")
            #expect(progress?.objectValue?["batches"] == .number(3))
            // Resumed: batch 3 let through, batch 4 (1 of 4) pauses again.
            let (second, _, again) = try await run(.accept, after: progress)
            #expect(second.hasPrefix("health gate failed after batch 4 of 4"), "\(second)")
            // Rolled back from there: every replaced instance on the model before.
            let (third, thirdOutputs, _) = try await run(.rollBack, after: again)
            #expect(thirdOutputs[HealthGateOutcome.outputKey] == HealthGateOutcome.rolledBack.rawValue)
            #expect(third == "the rollout paused after batch 4 of 4 was rolled back; the 4 replaced instances run model version 1 again")
            #expect(try await instances(file, environment) == Array(repeating: "1 healthy", count: 4))
            // Resumed past the last gate instead: the whole group on the new model, the unhealthy still unhealthy.
            let (_, _, paused) = try await run(nil, after: nil)
            let (_, _, last) = try await run(.accept, after: paused)
            let (done, doneOutputs, _) = try await run(.accept, after: last)
            #expect(doneOutputs["done"] == "yes", "\(done)")
            #expect(try await instances(file, environment) == ["20 healthy", "20 unhealthy", "20 unhealthy", "20 unhealthy"])
        }
    }

    private func withStateFile(_ body: (String) async throws -> Void) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("simulated-gates-\(UUID().uuidString).json").path
        defer { for suffix in ["", ".lock", ".models"] { try? FileManager.default.removeItem(atPath: file + suffix) } }
        try await body(file)
    }
}

/// Lines a step reported, in order.
private actor LineLog {
    var all: [String] = []
    func add(_ line: String) { all.append(line) }
}

private struct E2EStop: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
