/// A message delivered to a consumer. Settle it exactly once with ``ack()``,
/// ``nack(requeue:)`` or ``reject()``; until then the broker counts it as unacknowledged.
public struct Delivery: Sendable {
    /// The message as published (body and properties).
    public let message: Message
    /// The exchange it was published to (empty for the default exchange).
    public let exchange: String
    /// The routing key it was published with.
    public let routingKey: String
    /// Whether the broker delivered it before (to this or another consumer).
    public let redelivered: Bool
    /// The channel-scoped tag used to settle it.
    public let deliveryTag: UInt64
    /// How many times a quorum queue returned it before (`x-delivery-count`), 0 on first delivery.
    public var deliveryCount: Int64 { message.headers["x-delivery-count"]?.intValue ?? 0 }

    let settle: @Sendable (Settlement) async throws -> Void

    init(
        message: Message,
        exchange: String,
        routingKey: String,
        redelivered: Bool,
        deliveryTag: UInt64,
        settle: @escaping @Sendable (Settlement) async throws -> Void
    ) {
        self.message = message
        self.exchange = exchange
        self.routingKey = routingKey
        self.redelivered = redelivered
        self.deliveryTag = deliveryTag
        self.settle = settle
    }

    /// Acknowledges the delivery: the broker forgets the message. Call it only after the
    /// message's effect is durable. The ack is queued for the connection's thread and not
    /// awaited (AMQP has no reply to an ack). Throws
    /// ``AMQPError/Code-swift.struct/staleDelivery`` if the channel it came on is gone (the
    /// broker then redelivers it).
    public func ack() async throws { try await settle(.ack) }

    /// Negatively acknowledges the delivery. With `requeue` the broker delivers it again
    /// (a quorum queue counts this against its delivery limit); without, it is dead-lettered.
    public func nack(requeue: Bool) async throws { try await settle(.nack(requeue: requeue)) }

    /// Rejects the delivery without requeueing: it goes to the queue's dead-letter exchange.
    public func reject() async throws { try await settle(.reject) }
}

/// How a delivery is settled.
enum Settlement: Sendable, Equatable {
    case ack
    case nack(requeue: Bool)
    case reject
}
