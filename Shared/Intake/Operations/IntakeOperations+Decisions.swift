import Foundation
import HangarContracts

/// What a person decides about a deployment: a rollback, an approval, a paused rollout
/// (docs/api.md, "Rollbacks", "Approvals", "Health gates").
extension IntakeOperations {
    func createRollback(_ input: Operations.CreateRollback.Input) async throws -> Operations.CreateRollback.Output {
        let caller = try caller(requiring: .deployer)
        let body =
            switch input.body {
            case .json(let object): object
            }
        let summary = try await api.rollBack(body.fields, in: input.path.env, by: caller, idempotencyKey: input.headers.idempotencyKey)
        return .accepted(.init(headers: .init(location: Self.location(of: summary)), body: .json(summary)))
    }

    func approveDeployment(_ input: Operations.ApproveDeployment.Input) async throws -> Operations.ApproveDeployment.Output {
        let caller = try caller(requiring: .deployer)
        let body: [String: JSONValue] =
            switch input.body {
            case .json(let object)?: object.fields
            case nil: [:]
            }
        return .accepted(.init(body: .json(try await api.decide(approve: true, input.path.id, body: body, by: caller))))
    }

    func rejectDeployment(_ input: Operations.RejectDeployment.Input) async throws -> Operations.RejectDeployment.Output {
        let caller = try caller(requiring: .deployer)
        let body: [String: JSONValue] =
            switch input.body {
            case .json(let object)?: object.fields
            case nil: [:]
            }
        return .accepted(.init(body: .json(try await api.decide(approve: false, input.path.id, body: body, by: caller))))
    }

    func resumePausedDeployment(_ input: Operations.ResumePausedDeployment.Input) async throws -> Operations.ResumePausedDeployment.Output {
        let caller = try caller(requiring: .deployer)
        return .accepted(.init(body: .json(try await api.resolve(resume: true, input.path.id, by: caller))))
    }

    func rollBackPausedDeployment(_ input: Operations.RollBackPausedDeployment.Input) async throws -> Operations.RollBackPausedDeployment.Output {
        let caller = try caller(requiring: .deployer)
        return .accepted(.init(body: .json(try await api.resolve(resume: false, input.path.id, by: caller))))
    }
}
