import Foundation
import HangarContracts

/// `POST /v1/deployments/{id}/resume` and `/rollback` (deployer): decide on a rollout a failed
/// health gate paused (``ReplacementPolicy/OnFailure/pause``): resume it past that gate, or
/// roll the replaced instances back. No body (one sent is not read). Intake answers 202 with the deployment as the
/// history has it and sends the decision to the scheduler (`deployment.resolve`), which applies
/// it if the rollout still waits; 409 when it is not paused.
extension IntakeAPI {
    /// Sends the caller's decision on the paused deployment `key` to the scheduler; answers the
    /// deployment as the history has it.
    func resolve(resume: Bool, _ key: String, by caller: Caller) async throws -> DeploymentDetails {
        let id = try deploymentId(key)
        let current = try await deployment(id)
        guard current.status == .paused, current.pause?.decision == nil else {
            throw Problem(
                .conflict, title: "Not paused",
                detail: "the deployment is \(current.status.rawValue); only a rollout a failed health gate paused can be "
                    + (resume ? "resumed" : "rolled back"))
        }
        let command = ResolvePause(deploymentId: id, resume: resume, decidedBy: caller.name, decidedAt: Date())
        try await sendToScheduler(.resolvePause(command), messageId: "resolve-\(id)-\(UUID())", title: "Cannot decide now")
        AuditNotes.note("\(resume ? "resumed" : "rolled back") the paused rollout of deployment \(id.lowercasedString)")
        return current
    }
}
