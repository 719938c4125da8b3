import Foundation
import HangarContracts

/// Health-gated replacement on the simulated provider (``ReplacementPolicy``): the group's
/// `instances` are replaced batch by batch (`batchPercent`); each batch bakes `bakeSeconds`
/// (a continuation with `checkAfter`, never a held delivery) and is then judged: the share of
/// the instances replaced so far that report healthy must reach `minHealthyPercent`. With
/// `health.failAfterBatch: n` the instances of the batches after `n` report unhealthy. A
/// failed gate stops the rollout: with `onFailure: rollback` the replaced instances go back to
/// the model the group ran before and the step halts as rolled back; with `pause` it halts as
/// paused, handing its progress back, and goes on past that gate (`gate: accept` in the
/// continuation the scheduler hands back) or rolls the replaced instances back (`rollBack`); with `fail`
/// they keep the new model and the step halts as failed. The servers listing shows each
/// instance's model and health as the rollout left them.
extension SimulatedProvider {
    func gatedReplace(
        _ command: ExecuteStep, policy: ReplacementPolicy, settings: SimulatedSettings, progress: @escaping @Sendable (String) async -> Void
    ) async throws -> StepOutcome {
        let script: Script
        switch Self.script(for: command, settings: settings) {
        case .skip(let reason): return .skipped(reason: reason)
        case .fail(let error): return .failed(error: error, transient: false)
        case .run(let value): script = value
        }
        let model = command.outputs["mainModelVersion"] ?? ""
        let ids = SimulatedIDs(command)
        let group = Self.groupKey(of: Self.target(of: command))
        let batches = policy.batches(of: settings.instances)
        // The batches replaced so far, as the previous run of this step left them.
        var done = Int(command.continuation?.objectValue?["batches"]?.doubleValue ?? 0)
        var lines: [String] = []
        if done == 0 {
            lines += script.startLines
            lines.append(
                "replacing \(settings.instances) instances in \(batches.count) batch\(batches.count == 1 ? "" : "es") of up to "
                    + "\(batches.first?.count ?? 0), each health-gated: at least \(policy.minHealthyPercent) % of the replaced instances "
                    + "healthy after \(policy.bakeSeconds) s, else \(policy.onFailure == .rollback ? "roll back" : "stop and fail")")
        }
        // The instance states written over the group's model now, if any; else none yet.
        let groupModel = serverState.model(of: group) ?? ""
        var states =
            serverState.instanceStates(of: group).flatMap { $0.base == groupModel ? $0 : nil }
            ?? SimulatedInstanceStates(base: groupModel, instances: [:])
        func replace(_ batch: Int) {
            let range = batches[batch]
            let healthy = settings.failAfterBatch.map { batch + 1 <= $0 } ?? true
            for index in range { states.instances[index] = .init(model: model, healthy: healthy) }
            serverState.setInstanceStates(states, of: group)
            lines.append(
                "batch \(batch + 1) of \(batches.count): replacing \(range.map(ids.instance).joined(separator: ", ")) with model version \(model)")
        }
        // Back to what they ran before this rollout: the group's model (1 before any). Answers it.
        func returnToBefore(_ replaced: [Int]) -> String {
            let before = states.base.isEmpty ? "1" : states.base
            for index in replaced { states.instances[index] = .init(model: before, healthy: true) }
            serverState.setInstanceStates(states, of: group)
            return before
        }
        // A paused rollout handed back: go on past its failed gate once, or roll it back.
        let resolution = command.continuation?.objectValue?[PauseResolution.continuationKey]?.stringValue.flatMap(PauseResolution.init(rawValue:))
        var overridden = resolution == .accept
        if resolution == .rollBack {
            let replaced = batches[..<min(done, batches.count)].flatMap { Array($0) }
            let before = returnToBefore(replaced)
            lines.append("rolling the paused rollout back: returning the \(replaced.count) replaced instances to model version \(before)")
            try await hold(settings.duration(of: .replaceInstances), reporting: lines, progress)
            return .halted(
                error: "the rollout paused after batch \(done) of \(batches.count) was rolled back; the \(replaced.count) replaced instances "
                    + "run model version \(before) again",
                outputs: [HealthGateOutcome.outputKey: HealthGateOutcome.rolledBack.rawValue])
        }
        if done == 0, !batches.isEmpty {
            replace(0)
            done = 1
            if policy.bakeSeconds > 0 { return try await bake(done, of: batches.count, policy, lines, settings, command, progress) }
        }
        while done > 0 && done <= batches.count {
            let replaced = batches[..<done].flatMap { Array($0) }
            let healthy = replaced.filter { states.instances[$0]?.healthy ?? true }.count
            let percent = replaced.isEmpty ? 100 : healthy * 100 / replaced.count
            let figures = "\(healthy) of \(replaced.count) replaced instances healthy (\(percent) %, at least \(policy.minHealthyPercent) % needed)"
            if overridden && !policy.passes(healthy: healthy, of: replaced.count) {
                lines.append("batch \(done) of \(batches.count): its failed health gate was overridden, the rollout goes on (\(figures))")
            }
            guard policy.passes(healthy: healthy, of: replaced.count) || overridden else {
                let failed = "health gate failed after batch \(done) of \(batches.count): \(figures)"
                lines.append(failed)
                switch policy.onFailure {
                case .rollback:
                    let before = returnToBefore(replaced)
                    lines.append("returning the \(replaced.count) replaced instances to model version \(before), the model they ran before")
                    try await hold(settings.duration(of: .replaceInstances), reporting: lines, progress)
                    return .halted(
                        error: "\(failed); the \(replaced.count) replaced instances run model version \(before) again",
                        outputs: [HealthGateOutcome.outputKey: HealthGateOutcome.rolledBack.rawValue])
                case .pause:
                    lines.append("the rollout is paused until someone resumes it or rolls it back")
                    try await hold(settings.duration(of: .replaceInstances), reporting: lines, progress)
                    return .halted(
                        error: "\(failed); the rollout is paused with \(replaced.count) of \(settings.instances) instances on model version \(model)",
                        outputs: [HealthGateOutcome.outputKey: HealthGateOutcome.paused.rawValue],
                        continuation: Self.continuation(afterBatches: done))
                case .fail:
                    try await hold(settings.duration(of: .replaceInstances), reporting: lines, progress)
                    return .halted(
                        error: "\(failed); the rollout stopped with \(replaced.count) of \(settings.instances) instances on model version \(model)",
                        outputs: [HealthGateOutcome.outputKey: HealthGateOutcome.failed.rawValue])
                }
            }
            if !overridden { lines.append("batch \(done) of \(batches.count) passed its health gate: \(figures)") }
            overridden = false
            if done == batches.count { break }
            replace(done)
            done += 1
            if policy.bakeSeconds > 0 { return try await bake(done, of: batches.count, policy, lines, settings, command, progress) }
        }
        // Every batch passed (or was let through): the whole group runs the new model; the
        // instances that report unhealthy still do.
        serverState.replaceInstances(group, model: model)
        let unhealthy = states.instances.filter { !$0.value.healthy }
        if unhealthy.isEmpty {
            serverState.clearInstanceStates(of: group)
        } else {
            serverState.setInstanceStates(SimulatedInstanceStates(base: model, instances: unhealthy), of: group)
        }
        lines += script.finishLines
        try await hold(settings.duration(of: .replaceInstances), reporting: lines, progress)
        return .succeeded(
            outputs: script.outputs,
            detail: "instances replaced with main model version \(model) in \(batches.count) health-gated batch\(batches.count == 1 ? "" : "es")")
    }

    /// Reports the lines and waits `bakeSeconds` before batch `batch` is judged.
    private func bake(
        _ batch: Int, of count: Int, _ policy: ReplacementPolicy, _ lines: [String], _ settings: SimulatedSettings, _ command: ExecuteStep,
        _ progress: @escaping @Sendable (String) async -> Void
    ) async throws -> StepOutcome {
        try await hold(settings.duration(of: .replaceInstances), reporting: lines, progress)
        return .inProgress(
            continuation: Self.continuation(afterBatches: batch), checkAfter: .seconds(policy.bakeSeconds),
            detail: "batch \(batch) of \(count) is baking for \(policy.bakeSeconds) s before its health gate")
    }

    /// The continuation of a gated replacement with `batches` batches replaced, which the
    /// next run reads back (`batches`).
    private static func continuation(afterBatches batches: Int) -> JSONValue {
        .object(["provider": .string(name), "step": .string(StepName.replaceInstances.rawValue), "batches": .number(Double(batches))])
    }
}
