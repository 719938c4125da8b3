import AWSClient
import Foundation
import HangarContracts
import HangarProviders

/// A command run on some instances through Systems Manager Run Command and followed, as
/// continuations, until each instance answered: how a step reaches the users on the
/// instances (a reconnection request, ending their sessions).
///
/// Run Command takes no idempotency token: the command carries the deployment and its purpose
/// in its comment, and a run that finds one sent by an earlier run of the step (killed before
/// it could say so) follows that one instead of sending it again.
struct RunCommandRound {
    /// Where the round keeps its state in the step's continuation: `<key>CommandId`,
    /// `<key>SentAt`, `<key>Results`.
    let key: String
    /// For the history: "the reconnection request".
    let what: String
    /// Names the command as this deployment's (at most 100 characters).
    let comment: String
    let command: String

    /// How the round stands.
    enum Progress {
        /// Sent, or some instances have not answered yet: wait with this outcome.
        case waiting(StepOutcome)
        /// Every instance answered (or the time for it passed): the failure reason of each
        /// instance that did not run it, `nil` for those that did, in the instances' order.
        case done([(instance: String, failure: String?)], sentAt: Double)
    }
}

extension AWSStep {
    /// Sends `round` to `instances`, or checks how it went; the state lives in `state`.
    func run(_ round: RunCommandRound, on instances: [String], state: inout [String: JSONValue]) async throws -> RunCommandRound.Progress {
        let now = Date().timeIntervalSince1970
        let check = min(settings.checkAfter, .seconds(5))
        guard !instances.isEmpty else { return .done([], sentAt: now) }
        guard let commandId = state["\(round.key)CommandId"]?.stringValue else {
            let id: String
            if let sent = try await systemsManager.commands(onInstance: instances[0]).first(where: { $0.comment == round.comment }) {
                id = sent.commandId
            } else {
                id = try await systemsManager.sendCommand(
                    instanceIds: instances, document: settings.runCommandDocument, commands: [round.command], comment: round.comment,
                    timeoutSeconds: settings.runCommandTimeoutSeconds)
                await progress(
                    "sending \(round.what) to \(instances.count) \(instances.count == 1 ? "instance" : "instances") (Systems Manager command \(id))")
            }
            state["\(round.key)CommandId"] = .string(id)
            state["\(round.key)SentAt"] = .number(now)
            return .waiting(
                waiting(state, "sending \(round.what) to \(instances.count) \(instances.count == 1 ? "instance" : "instances")", after: check))
        }
        var results = state["\(round.key)Results"]?.objectValue ?? [:]
        for id in instances where results[id] == nil {
            let invocation = try await systemsManager.invocation(commandId: commandId, instanceId: id)
            guard invocation.isFinal else { continue }
            if invocation.status == "Success" {
                results[id] = .string("")
            } else {
                let why = [invocation.statusDetails, invocation.error].compactMap { $0 }.filter { !$0.isEmpty && $0 != invocation.status }
                results[id] = .string(([invocation.status] + why).joined(separator: ": "))
            }
        }
        let sentAt = state["\(round.key)SentAt"]?.doubleValue ?? now
        let pending = instances.filter { results[$0] == nil }
        if !pending.isEmpty, now - sentAt < Double(settings.runCommandTimeoutSeconds) {
            state["\(round.key)Results"] = .object(results)
            return .waiting(
                waiting(
                    state, "sending \(round.what): \(instances.count - pending.count) of \(instances.count) instances answered", after: check))
        }
        state["\(round.key)Results"] = nil
        return .done(
            instances.map { id in
                guard let result = results[id]?.stringValue else { return (id, "no answer within \(settings.runCommandTimeoutSeconds) s") }
                return (id, result.isEmpty ? nil : result)
            }, sentAt: sentAt)
    }
}
