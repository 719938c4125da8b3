import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging

/// A dead letter as the recorder keeps it: everything needed to list it and to publish the
/// original message to its queue again.
struct KeptDeadLetter: Sendable, Equatable {
    var id: String
    var queue: String
    var reason: String
    var deadAt: Date
    var replays: Int
    /// The original message, its death headers removed.
    var message: Message

    /// Reads a delivery from a `<queue>.dead` queue. Its queue is Hangar's header, else the
    /// broker's `x-first-death-queue`, else the routing key (each queue's dead letters are
    /// routed with the queue's name).
    init(delivery: Delivery, receivedAt: Date) {
        let headers = delivery.message.headers
        queue =
            headers[DeadLetterHeaders.originalQueue]?.stringValue
            ?? headers["x-first-death-queue"]?.stringValue ?? delivery.routingKey
        reason =
            headers[DeadLetterHeaders.reason]?.stringValue
            ?? headers["x-first-death-reason"].flatMap(\.stringValue).map { "dead-lettered by the broker: \($0)" }
            ?? "dead-lettered by the broker"
        deadAt = headers[DeadLetterHeaders.deadAt]?.intValue.map { Date(timeIntervalSince1970: Double($0) / 1000) } ?? receivedAt
        replays = Int(headers[DeadLetterHeaders.replays]?.intValue ?? 0)
        var message = delivery.message
        message.headers = headers.filter { !DeadLetterHeaders.isDeathHeader($0.key) }
        self.message = message
        // The same dead letter delivered again gets the same id, and so does the same message
        // dead-lettered twice after one replay that was published twice (a crash between the
        // replay's publish and its forgetting): kept once. After another replay it gets another
        // id (its replay count differs).
        id = Fingerprint.hex(
            of: [
                queue, message.messageId, String(replays), Fingerprint.hex(of: String(decoding: message.body, as: UTF8.self)),
            ].joined(separator: "\u{1F}"))
    }

    init(id: String, queue: String, reason: String, deadAt: Date, replays: Int, message: Message) {
        self.id = id
        self.queue = queue
        self.reason = reason
        self.deadAt = deadAt
        self.replays = replays
        self.message = message
    }

    /// The message to publish to its queue again: one more replay counted.
    var replayMessage: Message {
        var message = message
        message.headers[DeadLetterHeaders.replays] = .int(Int64(replays + 1))
        return message
    }

    /// The AMQP `correlation_id` (Hangar's publishers set it to the deployment's id), else a
    /// `deploymentId` at the top of a JSON body.
    var deploymentId: String? {
        if let id = message.correlationId, !id.isEmpty { return id }
        let object = try? JSONSerialization.jsonObject(with: Data(message.body)) as? [String: Any]
        return object?["deploymentId"] as? String
    }

    var summary: DeadLetterSummary {
        DeadLetterSummary(
            id: id, queue: queue, reason: reason, firstSeenAt: deadAt, messageType: message.type,
            messageId: message.messageId.isEmpty ? nil : message.messageId, deploymentId: deploymentId, replays: replays,
            preview: DeadLetterPreview.make(message.body))
    }
}
