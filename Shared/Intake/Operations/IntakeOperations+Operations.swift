import Foundation
import HangarContracts

/// What operators watch: the queues, the workers, the dead letters (docs/api.md, "Operations").
extension IntakeOperations {
    func listQueues(_ input: Operations.ListQueues.Input) async throws -> Operations.ListQueues.Output {
        _ = try caller(requiring: .viewer)
        let answer = try await api.queues()
        return .ok(.init(body: .json(.init(vhost: answer.vhost, items: answer.items))))
    }

    func listWorkers(_ input: Operations.ListWorkers.Input) async throws -> Operations.ListWorkers.Output {
        _ = try caller(requiring: .viewer)
        // Each worker heard from in the last hour.
        let workers = try await api.workers.list(since: Date().addingTimeInterval(-3600))
        return .ok(.init(body: .json(.init(items: workers))))
    }

    func replayDeadLetter(_ input: Operations.ReplayDeadLetter.Input) async throws -> Operations.ReplayDeadLetter.Output {
        let caller = try caller(requiring: .admin)
        try await api.deadLetterCommand(.replay, input.path.id, by: caller)
        return .accepted(.init(body: .json(.init(id: input.path.id, action: .replay, status: .accepted))))
    }

    func deleteDeadLetter(_ input: Operations.DeleteDeadLetter.Input) async throws -> Operations.DeleteDeadLetter.Output {
        let caller = try caller(requiring: .admin)
        try await api.deadLetterCommand(.purge, input.path.id, by: caller)
        return .accepted(.init(body: .json(.init(id: input.path.id, action: .purge, status: .accepted))))
    }
}
