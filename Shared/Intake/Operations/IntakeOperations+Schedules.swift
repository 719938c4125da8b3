import Foundation
import HangarContracts

/// Recurring schedules (docs/api.md, "Recurring schedules"): read with the viewer role,
/// changed by deployers.
extension IntakeOperations {
    func listSchedules(_ input: Operations.ListSchedules.Input) async throws -> Operations.ListSchedules.Output {
        _ = try caller(requiring: .viewer)
        return .ok(.init(body: .json(try await api.schedules(of: input.path.env))))
    }

    func createSchedule(_ input: Operations.CreateSchedule.Input) async throws -> Operations.CreateSchedule.Output {
        let caller = try caller(requiring: .deployer)
        let body =
            switch input.body {
            case .json(let object): object
            }
        let (view, location) = try await api.createSchedule(body.fields, in: input.path.env, by: caller)
        return .created(.init(headers: .init(location: location), body: .json(view)))
    }

    func getSchedule(_ input: Operations.GetSchedule.Input) async throws -> Operations.GetSchedule.Output {
        _ = try caller(requiring: .viewer)
        return .ok(.init(body: .json(try await api.schedule(input.path.id, of: input.path.env))))
    }

    func updateSchedule(_ input: Operations.UpdateSchedule.Input) async throws -> Operations.UpdateSchedule.Output {
        let caller = try caller(requiring: .deployer)
        let body =
            switch input.body {
            case .json(let object): object
            }
        return .ok(.init(body: .json(try await api.updateSchedule(input.path.id, of: input.path.env, body.fields, by: caller))))
    }

    func deleteSchedule(_ input: Operations.DeleteSchedule.Input) async throws -> Operations.DeleteSchedule.Output {
        let caller = try caller(requiring: .deployer)
        try await api.deleteSchedule(input.path.id, of: input.path.env, by: caller)
        return .noContent(.init())
    }

    func pauseSchedule(_ input: Operations.PauseSchedule.Input) async throws -> Operations.PauseSchedule.Output {
        let caller = try caller(requiring: .deployer)
        return .ok(.init(body: .json(try await api.setSchedule(input.path.id, of: input.path.env, enabled: false, by: caller))))
    }

    func resumeSchedule(_ input: Operations.ResumeSchedule.Input) async throws -> Operations.ResumeSchedule.Output {
        let caller = try caller(requiring: .deployer)
        return .ok(.init(body: .json(try await api.setSchedule(input.path.id, of: input.path.env, enabled: true, by: caller))))
    }
}
