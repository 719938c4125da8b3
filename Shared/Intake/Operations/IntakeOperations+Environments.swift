import Foundation
import HangarContracts

/// Environments: the catalog an admin keeps (docs/api.md, "Environments").
extension IntakeOperations {
    func listEnvironments(_ input: Operations.ListEnvironments.Input) async throws -> Operations.ListEnvironments.Output {
        _ = try caller(requiring: .viewer)
        return .ok(.init(body: .json(.init(items: try await api.intake.environments()))))
    }

    func createEnvironment(_ input: Operations.CreateEnvironment.Input) async throws -> Operations.CreateEnvironment.Output {
        _ = try caller(requiring: .admin)
        let body =
            switch input.body {
            case .json(let object): object
            }
        let environment = try await api.createEnvironment(body.fields)
        return .created(.init(headers: .init(location: "/v1/environments/\(environment.id.lowercasedString)"), body: .json(environment)))
    }

    func getEnvironment(_ input: Operations.GetEnvironment.Input) async throws -> Operations.GetEnvironment.Output {
        _ = try caller(requiring: .viewer)
        return .ok(.init(body: .json(try await api.environment(input.path.env))))
    }

    func updateEnvironment(_ input: Operations.UpdateEnvironment.Input) async throws -> Operations.UpdateEnvironment.Output {
        let caller = try caller(requiring: .admin)
        let body =
            switch input.body {
            case .json(let object): object
            }
        return .ok(.init(body: .json(try await api.updateEnvironment(input.path.env, body.fields, by: caller))))
    }

    func deleteEnvironment(_ input: Operations.DeleteEnvironment.Input) async throws -> Operations.DeleteEnvironment.Output {
        let caller = try caller(requiring: .admin)
        try await api.deleteEnvironment(input.path.env, by: caller)
        return .noContent(.init())
    }
}
