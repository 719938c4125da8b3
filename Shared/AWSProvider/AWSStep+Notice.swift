import AWSClient
import Foundation
import HangarContracts
import HangarProviders

/// `requestReconnection`'s notice: before anything is replaced, the request (the environment,
/// the message and the minutes) is delivered to every instance of the group through Systems
/// Manager Run Command (`noticeDocument` running `noticeCommand`, e.g. `wall '…'`), and the
/// history lists each instance as delivered or not, with the reason.
///
/// Run Command takes no idempotency token: the command carries the deployment in its comment,
/// and a run that finds one sent by an earlier run of this step (killed before it could say so)
/// follows that one instead of sending again. The users' minutes count from the sending.
extension AWSStep {
    /// Marks the command as this deployment's reconnection request (at most 100 characters).
    var noticeComment: String { "hangar reconnection request \(deploymentId)" }

    /// What the users of an instance read.
    var noticeText: String {
        let minutes = command.reconnection?.minutes ?? 0
        let message = command.reconnection?.message.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let lead = message.isEmpty ? "" : "\(message) "
        return "\(command.environmentName): \(lead)(this server is being replaced: please reconnect within \(minutes) minutes)"
    }

    /// Sends the request or checks how its deliveries went. Answers the wait while deliveries
    /// are under way; `nil` once every instance has answered (or the time for it has passed),
    /// with the per-instance lines reported and `state` moved on to the users' minutes.
    func deliverNotice(_ state: inout [String: JSONValue]) async throws -> StepOutcome? {
        let instances = state["initial"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let now = Date().timeIntervalSince1970
        let minutes = Double(command.reconnection?.minutes ?? 0)
        let check = min(settings.checkAfter, .seconds(5))
        guard !instances.isEmpty else {
            await progress("the instance group has no instance to send the reconnection request to")
            state["phase"] = .string("notice")
            state["noticeDelivered"] = .number(0)
            return nil
        }
        guard let commandId = state["noticeCommandId"]?.stringValue else {
            let sent = try await systemsManager.commands(onInstance: instances[0]).first { $0.comment == noticeComment }
            let id: String
            if let sent {
                id = sent.commandId
            } else {
                id = try await systemsManager.sendCommand(
                    instanceIds: instances, document: settings.noticeDocument, commands: [settings.noticeCommand(text: noticeText)],
                    comment: noticeComment, timeoutSeconds: settings.noticeTimeoutSeconds)
                await progress("sending the reconnection request to \(instances.count) instances (Systems Manager command \(id))")
            }
            state["noticeCommandId"] = .string(id)
            state["noticeSentAt"] = .number(now)
            return waiting(state, "delivering the reconnection request to \(instances.count) instances", after: check)
        }
        var results = state["noticeResults"]?.objectValue ?? [:]
        for id in instances where results[id] == nil {
            let invocation = try await systemsManager.invocation(commandId: commandId, instanceId: id)
            guard invocation.isFinal else { continue }
            if invocation.status == "Success" {
                results[id] = .string("delivered")
            } else {
                let why = [invocation.statusDetails, invocation.error].compactMap { $0 }.filter { !$0.isEmpty && $0 != invocation.status }
                results[id] = .string(([invocation.status] + why).joined(separator: ": "))
            }
        }
        let sentAt = state["noticeSentAt"]?.doubleValue ?? now
        let pending = instances.filter { results[$0] == nil }
        if !pending.isEmpty, now - sentAt < Double(settings.noticeTimeoutSeconds) {
            state["noticeResults"] = .object(results)
            return waiting(
                state, "delivering the reconnection request: \(instances.count - pending.count) of \(instances.count) instances answered",
                after: check)
        }
        for id in pending { results[id] = .string("no answer within \(settings.noticeTimeoutSeconds) s") }
        var delivered = 0
        for id in instances {
            let result = results[id]?.stringValue ?? "unknown"
            if result == "delivered" {
                delivered += 1
                await progress("reconnection request delivered to \(id)")
            } else {
                await progress("reconnection request not delivered to \(id): \(result)")
            }
        }
        await progress(
            delivered > 0
                ? "users were asked to reconnect on \(delivered) of \(instances.count) instances; replacing starts \(Int(minutes)) minutes after the request was sent"
                : "the reconnection request reached none of the \(instances.count) instances; replacing starts \(Int(minutes)) minutes after it was sent")
        state["noticeResults"] = nil
        state["phase"] = .string("notice")
        state["noticeDelivered"] = .number(Double(delivered))
        state["noticeUntil"] = .number(sentAt + minutes * 60)
        return nil
    }
}
