import AMQPClient
import Foundation
import HangarContracts
import Metrics
import Tracing

/// Publishes Hangar's messages with their contract: JSON body, `type`, `message_id`,
/// `correlation_id` = deployment id, schema version header, persistent, confirmed, and the
/// trace it belongs to (``TraceHeaders``).
public struct MessageBus: Sendable {
    /// The connection it publishes on. A caller may publish other AMQP messages on it too (intake's dead-letter commands).
    public let connection: AMQPConnection
    /// Written to each message's `app_id`.
    public let appId: String

    /// A bus that publishes on `connection` and stamps `appId`, for example `hangar-worker`.
    public init(connection: AMQPConnection, appId: String) {
        self.connection = connection
        self.appId = appId
    }

    /// Publishes `message` and returns once the broker confirmed it. A message nobody is
    /// bound to receive is an error (`unroutable`): the topology is not declared.
    /// `body`: the message already encoded with `ContractCodec.encode` (an outbox keeps it),
    /// so it is not encoded again. `traceParent`: the W3C trace parent to send (a stored one,
    /// for a message published later than the work that made it); `nil`: the current
    /// `ServiceContext`'s.
    public func publish(
        _ message: HangarMessage, messageId: String = UUID().lowercasedString, body: [UInt8]? = nil, traceParent: String? = nil
    ) async throws {
        // The message is made in this task (its trace context included) before the wait.
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            do {
                try publish(message, messageId: messageId, body: body, traceParent: traceParent) { continuation.resume(with: $0) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Hands `message` to the connection's thread at once, with the contract of
    /// ``publish(_:messageId:body:traceParent:)``, and returns without waiting: `completion`
    /// gets the confirm or the error on the connection's thread (it must not block). Throws
    /// only when `message` cannot be encoded (no `body` given).
    public func publish(
        _ message: HangarMessage, messageId: String, body: [UInt8]? = nil, traceParent: String? = nil,
        completion: @escaping @Sendable (Result<Void, AMQPError>) -> Void
    ) throws {
        let started = ContinuousClock.now
        let type = message.type
        connection.publish(
            try Self.amqpMessage(message, messageId: messageId, appId: appId, body: body, traceParent: traceParent),
            exchange: message.kind == .command ? HangarTopology.commands : HangarTopology.events,
            routingKey: type
        ) { result in
            if case .success = result {
                Counter(label: "hangar_messages_published_total", dimensions: [("type", type)]).increment()
                Timer(label: "hangar_publish_confirm_seconds").record(duration: ContinuousClock.now - started)
            }
            completion(result)
        }
    }

    /// The AMQP message for `message`.
    public static func amqpMessage(
        _ message: HangarMessage, messageId: String, appId: String, body: [UInt8]? = nil, traceParent: String? = nil
    ) throws -> Message {
        var headers: [String: FieldValue] = [ContractCodec.schemaVersionHeader: .int(Int64(ContractCodec.schemaVersion))]
        if let traceParent {
            headers[TraceHeaders.traceParent] = .string(traceParent)
        } else if let context = ServiceContext.current {
            TraceHeaders.inject(context, into: &headers)
        }
        return Message(
            body: try body ?? ContractCodec.encode(message),
            contentType: "application/json",
            messageId: messageId,
            correlationId: message.deploymentId?.lowercasedString,
            type: message.type,
            headers: headers,
            persistent: true,
            timestamp: Date(),
            appId: appId)
    }
}
