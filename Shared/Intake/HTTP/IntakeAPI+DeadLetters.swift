import AMQPClient
import Foundation
import HangarContracts
import HangarHistory
import HangarMessaging
import Hummingbird

/// `GET /v1/dead-letters`, `POST /v1/dead-letters/{id}/replay` and `DELETE /v1/dead-letters/{id}`
/// (admin only). The list is read from the recorder's store; replay and purge are commands to
/// the recorder, which keeps them: accepted (202) once the broker confirmed the command.
extension IntakeAPI {
    func addDeadLetterRoutes(to v1: RouterGroup<BasicRequestContext>) {
        v1.get("dead-letters") { request, _ in
            _ = try auth.authenticate(request, requiring: .admin)
            let query = request.uri.queryParameters
            var limit = 100
            if let text = query.get("limit") {
                guard let value = Int(text), (1...500).contains(value) else {
                    throw Problem.invalid([.init(field: "limit", message: "must be a whole number from 1 to 500")])
                }
                limit = value
            }
            let queue: String? = query.get("queue").map { String($0) }
            return try json(DeadLetterList(items: try await deadLetters.list(queue: queue, limit: limit)))
        }
    }

    /// Asks the recorder to replay or purge the dead letter `id` (admin).
    func deadLetterCommand(_ action: DeadLetterCommand.Action, _ id: String, by caller: Caller) async throws {
        guard try await deadLetters.contains(id) else { throw Problem.notFound("no dead letter has the id '\(id)'") }
        let command = DeadLetterCommand(action: action, id: id, requestedBy: caller.name)
        let message = Message(
            body: Array(try HangarJSON.encoder.encode(command)), contentType: "application/json",
            messageId: "\(command.messageType)-\(id)-\(UUID().lowercasedString)", type: command.messageType, appId: "hangar-intake")
        do {
            try await bus.connection.publish(message, exchange: HangarTopology.commands, routingKey: command.messageType)
        } catch {
            throw Problem(
                .serviceUnavailable, title: "Cannot \(action.rawValue) now", detail: "the message broker did not take the command; try again")
        }
        logger.notice("intake.dead_letter.\(action.rawValue)_requested", metadata: ["dead_letter.id": "\(id)", "requested_by": "\(caller.name)"])
        AuditNotes.note("\(action.rawValue) of dead letter \(id) asked of the recorder")
    }
}
