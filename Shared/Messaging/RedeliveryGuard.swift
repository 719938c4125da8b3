import AMQPClient

/// How a consumer keeps a poison message (one that crashes its consumer, or fails every time)
/// from circulating forever.
///
/// A quorum queue counts deliveries itself and dead-letters a message past its
/// `x-delivery-limit`. A classic queue has no such limit, so on classic queues the consumer
/// counts: only deliveries the broker flags as redelivered are counted, so the first delivery
/// of a message costs nothing. A message redelivered `limit` times is sent to `<queue>.dead`
/// with the reason in `x-hangar-dead-reason`, so at most `limit` deliveries of it are processed.
public enum RedeliveryGuard: Sendable {
    /// Records one more redelivery of each message id durably and returns each id's count of
    /// redeliveries so far (this one included).
    public typealias Counter = @Sendable (_ messageIds: [String]) async throws -> [String: Int]

    /// The queue counts (a quorum queue with a delivery limit): nothing to do.
    case broker
    /// A durable counter in the consumer's own store, keyed by message id, written before the
    /// message is processed. For consumers with a store, whose queue order matters.
    case counted(limit: Int, Counter)
    /// A redelivered message is published again at the tail of its queue with its count in
    /// the `x-hangar-redeliveries` header, then the original is acked; the copy is processed
    /// when it comes round. For consumers without a store whose queue order does not matter
    /// (the workers'). A crash between the publish and the ack leaves both: the consumer must
    /// be idempotent, as it must for any redelivery.
    case republished(limit: Int)

    /// The header that carries a republished message's count of redeliveries.
    public static let redeliveriesHeader = "x-hangar-redeliveries"

    /// `.broker` on a quorum queue; on a classic one, `counted` with `counter`, or `republished`
    /// when `counter` is `nil`.
    public static func forQueue(of type: QueueType, limit: Int, counter: Counter? = nil) -> RedeliveryGuard {
        guard type == .classic else { return .broker }
        if let counter { return .counted(limit: limit, counter) }
        return .republished(limit: limit)
    }

    /// The reason written on a message dead-lettered for its redeliveries.
    static func reason(redeliveries: Int, limit: Int) -> String {
        "redelivered \(redeliveries) times without being processed (limit \(limit)): a poison message"
    }
}

extension RedeliveryGuard {
    /// The messages to process: the others were dead-lettered (past the limit) or published
    /// again (`republished`), and are settled. Throws when the counter fails; nothing is
    /// settled then.
    func screen(_ messages: [IncomingMessage], deadLetterer: DeadLetterer) async throws -> [IncomingMessage] {
        switch self {
        case .broker:
            return messages
        case .counted(let limit, let counter):
            let redelivered = messages.filter(\.redelivered)
            guard !redelivered.isEmpty else { return messages }
            let counts = try await counter(redelivered.map(\.messageId))
            var kept: [IncomingMessage] = []
            kept.reserveCapacity(messages.count)
            for message in messages {
                if message.redelivered, let count = counts[message.messageId], count >= limit {
                    await deadLetterer.deadLetter(message.delivery, reason: Self.reason(redeliveries: count, limit: limit))
                } else {
                    kept.append(message)
                }
            }
            return kept
        case .republished(let limit):
            var kept: [IncomingMessage] = []
            for message in messages {
                guard message.redelivered else {
                    kept.append(message)
                    continue
                }
                let count = Int(message.delivery.message.headers[Self.redeliveriesHeader]?.intValue ?? 0) + 1
                if count >= limit {
                    await deadLetterer.deadLetter(message.delivery, reason: Self.reason(redeliveries: count, limit: limit))
                } else {
                    await deadLetterer.republish(message.delivery, redeliveries: count)
                }
            }
            return kept
        }
    }
}
