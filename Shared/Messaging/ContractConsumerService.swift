import AMQPClient
import Logging
import Metrics
import ServiceLifecycle
import Tracing

/// Consumes a role's queue one message at a time (up to `concurrency` at once), decoding
/// each into a ``HangarMessage``. Undecodable messages are dead-lettered with their reason;
/// on a classic queue `redeliveries` keeps a poison message from circulating forever. Each
/// message is handled inside its ``ConsumerSpan``, the current `ServiceContext`.
public struct ContractConsumerService: Service {
    /// Handles one decoded message inside its span; the `DeliveryOutcome` it returns settles the
    /// delivery, and a thrown error requeues it.
    public typealias Handler = @Sendable (IncomingMessage) async throws -> DeliveryOutcome

    private let inner: ConsumerService

    /// Builds the service on a `ConsumerService`: `prefetch` caps the unacknowledged deliveries,
    /// `concurrency` is how many messages are handled at once, `redeliveries` says who counts
    /// redeliveries (`.broker` for a quorum queue), and `executor` where the handlers run (by
    /// default the global executor; ``AMQPConnection/executor`` for the connection's thread).
    public init(
        connection: AMQPConnection, queue: String, prefetch: UInt16 = 32, concurrency: Int = 1,
        redeliveries: RedeliveryGuard = .broker, executor: (any TaskExecutor)? = nil, logger: Logger, handler: @escaping Handler
    ) {
        let deadLetterer = DeadLetterer(connection: connection, queue: queue)
        inner = ConsumerService(
            connection: connection, queue: queue, prefetch: prefetch, concurrency: concurrency, executor: executor, logger: logger
        ) { delivery in
            let incoming: IncomingMessage
            do {
                incoming = try IncomingMessage(delivery)
            } catch {
                await deadLetterer.deadLetter(delivery, reason: "\(error)")
                Counter(label: "hangar_messages_dead_lettered_total", dimensions: [("queue", queue)]).increment()
                return .settled
            }
            if incoming.redelivered {
                guard try await !redeliveries.screen([incoming], deadLetterer: deadLetterer).isEmpty else { return .settled }
            }
            Counter(label: "hangar_messages_consumed_total", dimensions: [("queue", queue), ("type", incoming.message.type)]).increment()
            let span = ConsumerSpan.start(for: incoming, queue: queue)
            defer { span.end() }
            do {
                return try await ServiceContext.$current.withValue(span.context) {
                    try await handler(incoming.handled(in: span))
                }
            } catch {
                ConsumerSpan.failed(span, error)
                throw error
            }
        }
    }

    /// Runs the underlying `ConsumerService` until graceful shutdown, then closes the consumer's channel.
    public func run() async throws {
        try await inner.run()
    }
}
