import Foundation
import HangarContracts
import HangarHistory

/// `POST /v1/environments/{env}/rollbacks` (deployer): a deployment of kind `rollback` that
/// returns the environment to an earlier release (``RollbackChoice``): its model made the
/// default again and the instances replaced with it, through the same scheduler and workers as
/// any deployment, one per environment. The body takes `to` (a deployment id; the release
/// before the running one when absent), `mode`, `reconnection`, `options` (`lockInstances`,
/// `terminateSessions`), `notify` and `overrideFreeze`, as the deploy route validates them.
/// It answers 202 with the deployment, 409 when there is nothing to return to or a deployment
/// of the environment is queued or running.
extension IntakeAPI {
    /// The fields a rollback takes; the deploy route's `version` and `scheduledAt` are the
    /// release's and now.
    static let rollbackFields: Set<String> = ["to", "mode", "reconnection", "options", "notify", "overrideFreeze", "replacement"]

    /// Submits the rollback `body` asks for to the environment `key`; answers what was accepted
    /// (the earlier one for a repeated `idempotencyKey`).
    func rollBack(_ body: [String: JSONValue], in key: String, by caller: Caller, idempotencyKey: String?) async throws -> DeploymentDetails {
        let environment = try await environment(key)
        var body = body
        let now = Date()
        let (requested, accepted) = try Self.rollbackRequest(&body, now: now)
        guard environment.lifecycle == .activated else {
            throw Problem(.conflict, title: "Environment not active", detail: "the environment is \(environment.lifecycle.rawValue)")
        }
        if let (id, status) = try await history.unfinished(environment: environment.id) {
            throw Problem(
                .conflict, title: "A deployment is not finished",
                detail: "deployment \(id.lowercasedString) is \(status.rawValue); wait for it to end or cancel it, then roll back")
        }
        let rollback: RollbackOf
        switch RollbackChoice.choose(to: requested, among: try await history.succeeded(environment: environment.id)) {
        case .success(let value): rollback = value
        case .failure(let problem): throw problem
        }
        _ = try await freezeCheck(accepted, environment: environment, caller: caller, now: now)
        if accepted.mode == .requestReconnection { try await reconnectionQuotaCheck(environment) }
        var submission = Self.submission(accepted, to: environment, owner: caller.name, now: now, scheduledAt: nil)
        submission.version = rollback.version
        submission.rollback = rollback
        // A rollback is the way back from a bad release: it waits for nobody's approval.
        submission.approval = nil
        let (stored, new) = try await accept(submission, idempotencyKey: idempotencyKey)
        let summary = Self.accepted(stored)
        AuditNotes.note(
            "\(new ? "asked for" : "the same Idempotency-Key again: answered with") rollback \(summary.id.lowercasedString)"
                + " to version \(rollback.version) (deployment \(rollback.deploymentId.lowercasedString), model \(rollback.modelVersion))"
                + " from version \(rollback.fromVersion)")
        return summary
    }

    /// Validates a rollback's body: `to` taken out of it, the rest as the deploy route has it,
    /// with every bad field named.
    static func rollbackRequest(_ body: inout [String: JSONValue], now: Date) throws -> (to: UUID?, request: DeploymentRequest) {
        var errors: [Problem.FieldError] = []
        for key in body.keys.sorted() where !rollbackFields.contains(key) {
            let message =
                switch key {
                case "version": "a rollback publishes the version it returns to"
                case "scheduledAt": "a rollback starts now"
                default: "unknown field; expected one of \(rollbackFields.sorted().joined(separator: ", "))"
                }
            errors.append(.init(field: key, message: message))
            body[key] = nil
        }
        var to: UUID?
        switch body.removeValue(forKey: "to") {
        case nil, .null?: break
        case .string(let text)?:
            if let id = UUID(parsing: text) { to = id } else { errors.append(.init(field: "to", message: "must be a deployment id (a UUID)")) }
        default: errors.append(.init(field: "to", message: "must be a deployment id (a UUID)"))
        }
        if body["options"]?.objectValue?["stopPreparationServer"]?.boolValue == true {
            errors.append(.init(field: "options.stopPreparationServer", message: "a rollback leaves the preparation server as it is"))
        }
        switch DeploymentRequest.validate(body, now: now) {
        case .success(let request):
            guard errors.isEmpty else { throw Problem.invalid(errors) }
            return (to, request)
        case .failure(let problem):
            throw Problem.invalid(errors + problem.errors)
        }
    }
}
