import Foundation
import HangarContracts

/// Paused rollouts: a `replace_instances` whose health gate failed under
/// ``ReplacementPolicy/OnFailure/pause`` halts as paused with its progress (the continuation).
/// The deployment keeps its environment, its status stays `running` here with no dispatch, and
/// a `pause` timer rolls it back when nobody decides within ``PauseState/waitSeconds``. Resumed,
/// `replace_instances` is dispatched again with that progress and `gate: accept`; rolled back,
/// with `gate: rollBack`, and the provider's rolled-back answer ends it `rolled_back`.
extension Transitions {
    static func pauseTimerId(_ deployment: UUID) -> String { "pause-\(deployment)" }

    /// The `deployment.paused` and the `deployment.running` after it carry the pause's time: a
    /// rollout can pause at more than one batch.
    static func pauseEventMessageId(_ deployment: UUID, _ status: DeploymentStatus, _ pause: PauseState) -> String {
        eventMessageId(deployment, status) + "-paused-\(pause.pausedAt.epochMilliseconds)"
    }

    func pauseRollout(_ record: inout DeploymentRecord, _ event: StepEvent, reason: String) async throws {
        let pause = PauseState(reason: reason, pausedAt: clock, continuation: event.continuation, poll: record.poll)
        record.pause = pause
        record.dispatchId = nil
        try await tx.update(&record)
        try await tx.addTimer(TimerRecord(id: Self.pauseTimerId(record.id), deploymentId: record.id, kind: .pause, dueAt: pause.expiresAt))
        try await tx.publish(
            record.event(at: clock, reason: reason, status: .paused), messageId: Self.pauseEventMessageId(record.id, .paused, pause),
            traceParent: record.traceParent)
        logger.info("scheduler.deployment.paused", metadata: ["deployment.id": "\(record.id)", "reason": "\(reason)"])
    }

    /// Someone resumed or rolled back a paused rollout; applied only while it still waits.
    func resolve(_ command: ResolvePause) async throws {
        guard var record = try await tx.deployment(command.deploymentId), record.pausedNow, var pause = record.pause else {
            logger.info("scheduler.pause.not_paused", metadata: ["deployment.id": "\(command.deploymentId)"])
            return
        }
        pause.decision = command.resume ? .resumed : .rolledBack
        pause.decidedBy = command.decidedBy
        pause.decidedAt = clock
        record.pause = pause
        try await tx.deleteTimer(id: Self.pauseTimerId(record.id))
        if command.resume {
            try await tx.publish(
                record.event(at: clock), messageId: Self.pauseEventMessageId(record.id, .running, pause), traceParent: record.traceParent)
        }
        try await handBack(&record, pause, command.resume ? .accept : .rollBack)
    }

    /// Nobody decided in time: the rollout is rolled back.
    func expirePause(_ record: inout DeploymentRecord) async throws {
        guard record.pausedNow, var pause = record.pause else { return }
        pause.decision = .expired
        pause.decidedAt = clock
        record.pause = pause
        try await handBack(&record, pause, .rollBack)
    }

    /// Dispatches `replace_instances` again with the paused progress and the resolution.
    private func handBack(_ record: inout DeploymentRecord, _ pause: PauseState, _ resolution: PauseResolution) async throws {
        var state = pause.continuation?.objectValue ?? [:]
        state[PauseResolution.continuationKey] = .string(resolution.rawValue)
        try await dispatch(&record, step: .replaceInstances, attempt: 1, poll: pause.poll + 1, continuation: .object(state))
    }
}
