import AWSClient
import Foundation
import HangarContracts
import HangarProviders

/// What `requestReconnection` and `terminateSessions` do on the instances, through Run
/// Command (``RunCommandRound``):
/// - the reconnection request (environment, message, minutes) is shown to the users of every
///   instance of the group before anything is replaced (`noticeCommand`, e.g. `wall '…'`), and
///   the users' minutes count from the sending;
/// - the users' sessions are ended (`sessionsCommand`) on the instances about to be replaced,
///   and on the preparation server before it is stopped.
/// The history lists each instance: done, or not and why.
extension AWSStep {
    /// What the users of an instance read.
    var noticeText: String {
        let minutes = command.reconnection?.minutes ?? 0
        let message = command.reconnection?.message.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let lead = message.isEmpty ? "" : "\(message) "
        return "\(command.environmentName): \(lead)(this server is being replaced: please reconnect within \(minutes) minutes)"
    }

    /// Sends the reconnection request or checks how its deliveries went. Answers the wait while
    /// they are under way; `nil` once every instance answered, with one line per instance
    /// reported and `state` moved on to the users' minutes.
    func deliverNotice(_ state: inout [String: JSONValue]) async throws -> StepOutcome? {
        let instances = state["initial"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let minutes = Double(command.reconnection?.minutes ?? 0)
        guard !instances.isEmpty else {
            await progress("the instance group has no instance to send the reconnection request to")
            state["phase"] = .string("notice")
            state["noticeDelivered"] = .number(0)
            return nil
        }
        let round = RunCommandRound(
            key: "notice", what: "the reconnection request", comment: "hangar reconnection request \(deploymentId)",
            command: settings.noticeCommand(text: noticeText))
        let results: [(instance: String, failure: String?)]
        let sentAt: Double
        switch try await run(round, on: instances, state: &state) {
        case .waiting(let outcome): return outcome
        case .done(let answered, let sent): (results, sentAt) = (answered, sent)
        }
        var delivered = 0
        for (id, failure) in results {
            if let failure {
                await progress("reconnection request not delivered to \(id): \(failure)")
            } else {
                delivered += 1
                await progress("reconnection request delivered to \(id)")
            }
        }
        await progress(
            delivered > 0
                ? "users were asked to reconnect on \(delivered) of \(instances.count) instances; replacing starts \(Int(minutes)) minutes after the request was sent"
                : "the reconnection request reached none of the \(instances.count) instances; replacing starts \(Int(minutes)) minutes after it was sent"
        )
        state["phase"] = .string("notice")
        state["noticeDelivered"] = .number(Double(delivered))
        state["noticeUntil"] = .number(sentAt + minutes * 60)
        return nil
    }

    /// Ends the users' sessions on `instances` (`terminateSessions`). Answers the wait while
    /// under way; `nil` once done, with one line per instance and `state["sessionsEnded"]` set.
    func endSessions(on instances: [String], _ state: inout [String: JSONValue]) async throws -> StepOutcome? {
        guard state["sessionsEnded"] == nil else { return nil }
        let round = RunCommandRound(
            key: "sessions", what: "the command that ends user sessions", comment: "hangar end sessions \(command.step.rawValue) \(deploymentId)",
            command: settings.sessionsCommand)
        switch try await run(round, on: instances, state: &state) {
        case .waiting(let outcome):
            return outcome
        case .done(let results, _):
            for (id, failure) in results {
                await progress(failure.map { "user sessions not ended on \(id): \($0)" } ?? "user sessions ended on \(id)")
            }
            state["sessionsEnded"] = .bool(true)
            return nil
        }
    }
}
