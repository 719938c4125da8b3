import AMQPClient
import Foundation
import HangarContracts
import Tracing

/// A decoded message as a consumer receives it.
public struct IncomingMessage: Sendable {
    /// The contract message, decoded from the body by `ContractCodec` using the AMQP `type` and the schema
    /// version header.
    public let message: HangarMessage
    /// The AMQP `message_id`: the key for deduplication.
    public let messageId: String
    /// The broker delivered it before: the effect may already be done.
    public let redelivered: Bool
    /// The AMQP delivery it came from: its properties and headers, and the handle a handler that returns
    /// `.settled` settles it with.
    public let delivery: Delivery
    /// The trace it is handled in: the consumer's span for it (see ``ConsumerSpan``), else
    /// the trace its headers carried.
    public internal(set) var serviceContext: ServiceContext

    /// Decodes `delivery`, or throws the reason it cannot be decoded.
    public init(_ delivery: Delivery) throws(ContractError) {
        let amqp = delivery.message
        self.message = try ContractCodec.decode(
            type: amqp.type,
            schemaVersion: amqp.headers[ContractCodec.schemaVersionHeader]?.intValue.map { Int($0) },
            body: amqp.body)
        self.messageId = amqp.messageId.isEmpty ? "\(amqp.type ?? "?"):\(delivery.deliveryTag)" : amqp.messageId
        self.redelivered = delivery.redelivered
        self.delivery = delivery
        self.serviceContext = TraceHeaders.extract(amqp.headers)
    }
}

extension Sequence<IncomingMessage> {
    /// The events the messages carry, in order: each item of an ``EventBatch`` that `keep` takes
    /// (every one by default), under its own message id, and any other message as it came.
    public func events(
        keepingFromBatches keep: (HangarMessage) -> Bool = { _ in true }
    ) -> [(messageId: String, message: HangarMessage)] {
        var events: [(messageId: String, message: HangarMessage)] = []
        events.reserveCapacity(underestimatedCount)
        for incoming in self {
            guard case .eventBatch(let batch) = incoming.message else {
                events.append((incoming.messageId, incoming.message))
                continue
            }
            for item in batch.items where keep(item.message) { events.append((item.messageId, item.message)) }
        }
        return events
    }
}

/// Sends a message that can never be processed to `hangar.dead` (routing key: the queue it
/// came from, so it rests in `<queue>.dead`) with the reason in `x-hangar-dead-reason`, then
/// acks the original. If that publish fails the original is requeued.
struct DeadLetterer: Sendable {
    let connection: AMQPConnection
    let queue: String

    func deadLetter(_ delivery: Delivery, reason: String) async {
        do {
            try await forward(
                delivery, exchange: HangarTopology.dead,
                headers: [
                    DeadLetterHeaders.reason: .string(reason), DeadLetterHeaders.originalQueue: .string(queue),
                    DeadLetterHeaders.deadAt: .int(Int64((Date().timeIntervalSince1970 * 1000).rounded())),
                ])
            connection.logger.warning(
                "hangar.message.dead_lettered",
                metadata: ["amqp.queue": "\(queue)", "amqp.message_id": "\(delivery.message.messageId)", "reason": "\(reason)"])
        } catch {
            connection.logger.error("hangar.message.dead_letter_failed", metadata: ["error": "\(error)"])
            try? await delivery.nack(requeue: true)
        }
    }

    /// Publishes a redelivered message again at the tail of its queue with its count of
    /// redeliveries (see ``RedeliveryGuard/republished(limit:)``), then acks the original. If
    /// that publish fails the original is requeued.
    func republish(_ delivery: Delivery, redeliveries: Int) async {
        do {
            try await forward(delivery, exchange: "", headers: [RedeliveryGuard.redeliveriesHeader: .int(Int64(redeliveries))])
            connection.logger.info(
                "hangar.message.requeued_counted",
                metadata: ["amqp.queue": "\(queue)", "amqp.message_id": "\(delivery.message.messageId)", "hangar.redeliveries": "\(redeliveries)"])
        } catch {
            connection.logger.error("hangar.message.republish_failed", metadata: ["error": "\(error)"])
            try? await delivery.nack(requeue: true)
        }
    }

    /// Publishes a copy of the delivered message with `headers` added to `exchange` (routing
    /// key: this queue), confirmed, then acks the original.
    private func forward(_ delivery: Delivery, exchange: String, headers: [String: FieldValue]) async throws {
        var message = delivery.message
        message.headers.merge(headers) { _, new in new }
        try await connection.publish(message, exchange: exchange, routingKey: queue)
        try await delivery.ack()
    }
}
