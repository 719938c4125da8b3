import Foundation
import HangarContracts

/// An environment's lifecycle, its servers, their cost, connections and scheduled shutdowns,
/// answered by a worker's provider (docs/api.md, "Servers").
extension IntakeOperations {
    func changeEnvironmentLifecycle(
        _ input: Operations.ChangeEnvironmentLifecycle.Input
    ) async throws
        -> Operations.ChangeEnvironmentLifecycle.Output
    {
        let caller = try caller(requiring: .admin)
        let target: EnvironmentResource.Lifecycle =
            switch input.path.action {
            case .suspend: .suspended
            case .resume: .activated
            case .release: .released
            }
        return .ok(.init(body: .json(try await api.changeLifecycle(of: input.path.env, to: target, by: caller))))
    }

    func listServers(_ input: Operations.ListServers.Input) async throws -> Operations.ListServers.Output {
        let caller = try caller(requiring: .viewer)
        let answer = try await api.servers(of: input.path.env, by: caller)
        return .ok(.init(body: .json(.init(environment: answer.environment, worker: answer.worker, items: answer.items, cost: answer.cost))))
    }

    func getEnvironmentCost(_ input: Operations.GetEnvironmentCost.Input) async throws -> Operations.GetEnvironmentCost.Output {
        let caller = try caller(requiring: .viewer)
        return .ok(.init(body: .json(try await api.cost(of: input.path.env, by: caller))))
    }

    func actOnServer(_ input: Operations.ActOnServer.Input) async throws -> Operations.ActOnServer.Output {
        let caller = try caller(requiring: .deployer)
        let action: ServerAction =
            switch input.path.action {
            case .start: .start
            case .stop: .stop
            case .restart: .restart
            }
        return .accepted(.init(body: .json(try await api.act(action, on: input.path.server, of: input.path.env, by: caller))))
    }

    func getServerConnection(_ input: Operations.GetServerConnection.Input) async throws -> Operations.GetServerConnection.Output {
        let caller = try caller(requiring: .viewer)
        return .ok(.init(body: .json(try await api.connection(to: input.path.server, of: input.path.env, by: caller))))
    }

    func listServerShutdowns(_ input: Operations.ListServerShutdowns.Input) async throws -> Operations.ListServerShutdowns.Output {
        _ = try caller(requiring: .viewer)
        return .ok(.init(body: .json(try await api.shutdownHistory(of: input.path.env))))
    }

    func scheduleServerShutdown(_ input: Operations.ScheduleServerShutdown.Input) async throws -> Operations.ScheduleServerShutdown.Output {
        let caller = try caller(requiring: .deployer)
        let body =
            switch input.body {
            case .json(let object): object
            }
        return .ok(.init(body: .json(try await api.scheduleShutdown(of: input.path.server, in: input.path.env, body.fields, by: caller))))
    }

    func cancelServerShutdown(_ input: Operations.CancelServerShutdown.Input) async throws -> Operations.CancelServerShutdown.Output {
        let caller = try caller(requiring: .deployer)
        try await api.cancelShutdown(of: input.path.server, in: input.path.env, by: caller)
        return .noContent(.init())
    }
}
