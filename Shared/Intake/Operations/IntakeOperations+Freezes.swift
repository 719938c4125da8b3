import Foundation
import HangarContracts

/// Freeze windows (docs/api.md, "Freeze windows"): read with the viewer role, changed by admins.
extension IntakeOperations {
    func listFreezes(_ input: Operations.ListFreezes.Input) async throws -> Operations.ListFreezes.Output {
        _ = try caller(requiring: .viewer)
        let windows = try await api.intake.freezes(environment: nil, all: true)
        return .ok(.init(body: .json(.init(items: FreezeView.list(windows, now: Date())))))
    }

    func createFreeze(_ input: Operations.CreateFreeze.Input) async throws -> Operations.CreateFreeze.Output {
        let caller = try caller(requiring: .admin)
        let body =
            switch input.body {
            case .json(let object): object
            }
        let view = try await api.createFreeze(body.fields, environment: nil, by: caller)
        return .created(.init(headers: .init(location: Self.location(of: view)), body: .json(view)))
    }

    func listEnvironmentFreezes(_ input: Operations.ListEnvironmentFreezes.Input) async throws -> Operations.ListEnvironmentFreezes.Output {
        _ = try caller(requiring: .viewer)
        let environment = try await api.environment(input.path.env)
        let windows = try await api.intake.freezes(environment: environment.id)
        return .ok(.init(body: .json(.init(items: FreezeView.list(windows, now: Date())))))
    }

    func createEnvironmentFreeze(_ input: Operations.CreateEnvironmentFreeze.Input) async throws -> Operations.CreateEnvironmentFreeze.Output {
        let caller = try caller(requiring: .admin)
        let body =
            switch input.body {
            case .json(let object): object
            }
        let environment = try await api.environment(input.path.env)
        let view = try await api.createFreeze(body.fields, environment: environment, by: caller)
        return .created(.init(headers: .init(location: Self.location(of: view)), body: .json(view)))
    }

    func deleteFreeze(_ input: Operations.DeleteFreeze.Input) async throws -> Operations.DeleteFreeze.Output {
        _ = try caller(requiring: .admin)
        try await api.deleteFreeze(input.path.id)
        return .noContent(.init())
    }

    private static func location(of view: FreezeView) -> String { "/v1/freezes/\(view.window.id.lowercasedString)" }
}
