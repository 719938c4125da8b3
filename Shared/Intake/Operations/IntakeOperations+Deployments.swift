import Foundation
import HangarContracts

/// Deployments: submitted and cancelled (docs/api.md, "Deployments"; one is read by a
/// hand-made route, `IntakeAPI`), and the caller.
extension IntakeOperations {
    func createDeployment(_ input: Operations.CreateDeployment.Input) async throws -> Operations.CreateDeployment.Output {
        let caller = try caller(requiring: .deployer)
        let body =
            switch input.body {
            case .json(let object): object
            }
        let summary = try await api.submit(body.fields, to: input.path.env, by: caller, idempotencyKey: input.headers.idempotencyKey)
        return .accepted(.init(headers: .init(location: Self.location(of: summary)), body: .json(summary)))
    }

    /// Where an accepted deployment (a submission or a rollback) is read.
    static func location(of deployment: DeploymentDetails) -> String { "/v1/deployments/\(deployment.id.lowercasedString)" }

    func cancelDeployment(_ input: Operations.CancelDeployment.Input) async throws -> Operations.CancelDeployment.Output {
        let caller = try caller(requiring: .deployer)
        return .accepted(.init(body: .json(try await api.cancel(input.path.id, by: caller))))
    }

    func getCaller(_ input: Operations.GetCaller.Input) async throws -> Operations.GetCaller.Output {
        let caller = try caller(requiring: .viewer)
        let role: Components.Schemas.Me.RolePayload =
            switch caller.role {
            case .viewer: .viewer
            case .deployer: .deployer
            case .admin: .admin
            }
        return .ok(.init(body: .json(.init(name: caller.name, role: role))))
    }
}
