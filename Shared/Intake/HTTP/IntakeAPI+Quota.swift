import Foundation
import HangarContracts
import Logging

extension IntakeAPI {
    /// How long a submission waits for the scheduler's answer about the reconnection quota.
    static let quotaQuestionTimeout: Duration = .seconds(3)

    /// Asks the scheduler, which alone counts the monthly reconnection quota, whether it has
    /// room for one more request, and maps a refusal to 409 with the scheduler's reason. When
    /// the scheduler does not answer in time (it is down or busy) the submission goes ahead:
    /// the scheduler applies the same count when it takes it, and rejects it then if the
    /// quota is used (the deployment's history says why).
    func reconnectionQuotaCheck(_ environment: EnvironmentResource) async throws {
        let timeout = min(Self.quotaQuestionTimeout, live.servers.timeout)
        let query = ReconnectionQuotaQuery(
            environmentId: environment.id, limit: environment.limits.reconnectionsPerMonth, expiresAt: Date().addingTimeInterval(timeout.seconds))
        let reply: ReconnectionQuotaReply
        do {
            reply = try await live.servers.ask(query, timeout: timeout)
        } catch {
            logger.warning(
                "intake.quota.unanswered",
                metadata: [
                    "environment": "\(environment.name)", "error": "\(error)",
                    "hint": "accepted: the scheduler checks the quota when it takes the submission",
                ])
            return
        }
        guard let refusal = reply.refusal else { return }
        throw Problem(
            .conflict, title: "Reconnection quota used", detail: refusal,
            errors: [.init(field: "mode", message: "\(reply.used) of \(reply.limit) reconnection requests used this month")])
    }
}
