import Foundation
import HangarContracts

/// Approvals: a deployment whose submission names an ``ApprovalPolicy`` waits, once its models
/// are made, for someone to approve it before `replace_instances`. It keeps its environment
/// while it waits (its status stays `running` here, with no dispatch in flight) and an
/// `approval` timer rejects it when nobody decides in time. A rejection or an expiry ends it
/// `rejected` through the cleanup `finalize`, which makes the previous model the default again.
extension Transitions {
    /// The message id of the `deployment.running` that says an approved deployment goes on:
    /// its own, since the first `deployment.running` has the deployment's usual one.
    static func approvedEventMessageId(_ deployment: UUID) -> String {
        eventMessageId(deployment, .running) + "-approved"
    }

    static func approvalTimerId(_ deployment: UUID) -> String { "approval-\(deployment)" }

    /// Pauses the deployment before `replace_instances` and says so (`deployment.awaiting_approval`).
    func awaitApproval(_ record: inout DeploymentRecord, policy: ApprovalPolicy) async throws {
        let approval = ApprovalState(policy: policy, requestedAt: clock)
        record.approval = approval
        record.dispatchId = nil
        try await tx.update(&record)
        try await tx.addTimer(
            TimerRecord(id: Self.approvalTimerId(record.id), deploymentId: record.id, kind: .approval, dueAt: approval.expiresAt))
        try await tx.publish(
            record.event(at: clock, status: .awaitingApproval), messageId: Self.eventMessageId(record.id, .awaitingApproval),
            traceParent: record.traceParent)
        logger.info(
            "scheduler.deployment.awaiting_approval",
            metadata: ["deployment.id": "\(record.id)", "until": "\(HangarJSON.formatDate(approval.expiresAt))"])
    }

    /// Someone approved or rejected a deployment. Applied only while it still waits; an
    /// approval its policy refuses (the owner approving their own) is ignored.
    func decide(_ command: DecideApproval) async throws {
        guard var record = try await tx.deployment(command.deploymentId), record.awaitsApproval, var approval = record.approval else {
            logger.info("scheduler.approval.not_waiting", metadata: ["deployment.id": "\(command.deploymentId)"])
            return
        }
        if let refusal = approval.refusal(approving: command.approve, decidedBy: command.decidedBy, owner: record.request.owner) {
            logger.warning("scheduler.approval.refused", metadata: ["deployment.id": "\(record.id)", "reason": "\(refusal)"])
            return
        }
        approval.decision = command.approve ? .approved : .rejected
        approval.decidedBy = command.decidedBy
        approval.decidedAt = clock
        approval.comment = command.comment
        record.approval = approval
        try await tx.deleteTimer(id: Self.approvalTimerId(record.id))
        guard command.approve else {
            let comment = command.comment.map { ": \($0)" } ?? ""
            return try await end(&record, as: .rejected, reason: "rejected by \(command.decidedBy)\(comment)")
        }
        try await tx.publish(
            record.event(at: clock), messageId: Self.approvedEventMessageId(record.id), traceParent: record.traceParent)
        try await dispatch(&record, step: .replaceInstances, attempt: 1, poll: 0, continuation: nil)
    }

    /// Nobody decided in time: the deployment is rejected.
    func expire(_ record: inout DeploymentRecord) async throws {
        guard record.awaitsApproval, var approval = record.approval else { return }
        let minutes = Int((approval.expiresAt.timeIntervalSince(approval.requestedAt) / 60).rounded())
        approval.decision = .expired
        approval.decidedAt = clock
        record.approval = approval
        try await end(&record, as: .rejected, reason: "nobody approved it within \(minutes) minute\(minutes == 1 ? "" : "s")")
    }
}
