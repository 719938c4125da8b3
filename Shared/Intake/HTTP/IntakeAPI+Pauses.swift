import Foundation
import HangarContracts
import Hummingbird

/// `POST /v1/deployments/{id}/resume` and `/rollback` (deployer): decide on a rollout a failed
/// health gate paused (``ReplacementPolicy/OnFailure/pause``): resume it past that gate, or
/// roll the replaced instances back. No body. Intake answers 202 with the deployment as the
/// history has it and sends the decision to the scheduler (`deployment.resolve`), which applies
/// it if the rollout still waits; 409 when it is not paused.
extension IntakeAPI {
    func addPauseRoutes(to v1: RouterGroup<BasicRequestContext>) {
        v1.post("deployments/:id/resume") { request, context in try await resolve(resume: true, request, context) }
        v1.post("deployments/:id/rollback") { request, context in try await resolve(resume: false, request, context) }
    }

    private func resolve(resume: Bool, _ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let caller = try auth.authenticate(request, requiring: .deployer)
        let id = try deploymentId(context)
        let body = try await jsonObject(request, allowEmpty: true)
        if !body.isEmpty { throw Problem.invalid(body.keys.sorted().map { .init(field: $0, message: "unknown field; the body is empty") }) }
        let current = try await deployment(id)
        guard current.status == .paused, current.pause?.decision == nil else {
            throw Problem(
                .conflict, title: "Not paused",
                detail: "the deployment is \(current.status.rawValue); only a rollout a failed health gate paused can be "
                    + (resume ? "resumed" : "rolled back"))
        }
        let command = ResolvePause(deploymentId: id, resume: resume, decidedBy: caller.name, decidedAt: Date())
        try await sendToScheduler(.resolvePause(command), messageId: "resolve-\(id)-\(UUID())", title: "Cannot decide now")
        AuditNotes.note("\(resume ? "resumed" : "rolled back") the paused rollout of deployment \(id.uuidString.lowercased())")
        return try json(current, status: .accepted)
    }
}
