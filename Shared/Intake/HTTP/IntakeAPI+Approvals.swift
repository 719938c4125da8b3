import Foundation
import HangarContracts

/// `POST /v1/deployments/{id}/approve` and `/reject` (deployer): decide on a deployment that
/// awaits approval. The body is optional: `{"comment": "…"}` (at most 1000 characters). Intake
/// answers 202 with the deployment as the history has it and sends the decision to the
/// scheduler (`deployment.decide`), which applies it if the deployment still waits. 409 when
/// it does not wait for approval; 403 when its owner approves it and the policy requires a
/// different approver (``ApprovalState/refusal(approving:decidedBy:owner:)``).
extension IntakeAPI {
    /// Sends the caller's decision on the deployment `key` to the scheduler; answers the
    /// deployment as the history has it.
    func decide(approve: Bool, _ key: String, body: [String: JSONValue], by caller: Caller) async throws -> DeploymentDetails {
        let id = try deploymentId(key)
        let comment = try Self.decisionComment(body)
        let current = try await deployment(id)
        guard current.status == .awaitingApproval, let approval = current.approval, approval.decision == nil else {
            throw Problem(
                .conflict, title: "Not awaiting approval",
                detail:
                    "the deployment is \(current.status.rawValue)\(current.approval?.decision.map { " (\($0.rawValue))" } ?? ""); only one awaiting approval can be \(approve ? "approved" : "rejected")"
            )
        }
        if let refusal = approval.refusal(approving: approve, decidedBy: caller.name, owner: current.owner ?? "") {
            throw Problem(.forbidden, title: "Approval refused", detail: refusal)
        }
        let command = DecideApproval(deploymentId: id, approve: approve, decidedBy: caller.name, decidedAt: Date(), comment: comment)
        try await sendToScheduler(.decideApproval(command), messageId: "decide-\(id)-\(UUID())", title: "Cannot decide now")
        AuditNotes.note("\(approve ? "approved" : "rejected") deployment \(id.lowercasedString)\(comment.map { ": \($0)" } ?? "")")
        return current
    }

    /// The decision's optional `comment`, every bad field named.
    static func decisionComment(_ body: [String: JSONValue]) throws -> String? {
        var errors: [Problem.FieldError] = []
        for key in body.keys.sorted() where key != "comment" {
            errors.append(.init(field: key, message: "unknown field; expected comment"))
        }
        var comment: String?
        switch body["comment"] {
        case nil, .null?: break
        case .string(let text)?:
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.count > 1000 {
                errors.append(.init(field: "comment", message: "at most 1000 characters"))
            } else if trimmed.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
                errors.append(.init(field: "comment", message: "must be one line without control characters"))
            } else if !trimmed.isEmpty {
                comment = trimmed
            }
        default: errors.append(.init(field: "comment", message: "must be a string"))
        }
        guard errors.isEmpty else { throw Problem.invalid(errors) }
        return comment
    }
}
