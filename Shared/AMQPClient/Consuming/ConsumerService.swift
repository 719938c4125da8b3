import Logging
import ServiceLifecycle

/// What a handler decided about a delivery.
public enum DeliveryOutcome: Sendable, Equatable {
    /// The effect is durable: acknowledge.
    case ack
    /// Try again later: nack with requeue (a quorum queue counts it against its delivery limit).
    case requeue
    /// The message can never succeed (unparseable, unknown type): dead-letter it now.
    case reject(reason: String)
    /// The handler settled the delivery itself.
    case settled
}

/// Consumes a queue and runs `handler` for each delivery, up to `concurrency` at a time.
///
/// The handler's outcome settles the delivery; a thrown error requeues it. On graceful
/// shutdown the consumer is cancelled, deliveries already received are handled and
/// settled, then its channel is closed: nothing is left unacknowledged.
public struct ConsumerService: Service {
    /// Decides what happens to one delivery. A thrown error counts as ``DeliveryOutcome/requeue``.
    public typealias Handler = @Sendable (Delivery) async throws -> DeliveryOutcome

    private let connection: AMQPConnection
    private let queue: String
    private let prefetch: UInt16
    private let concurrency: Int
    private let executor: (any TaskExecutor)?
    private let logger: Logger
    private let handler: Handler

    /// Builds the service; nothing is consumed until ``run()``. `prefetch` caps the unacknowledged deliveries
    /// on the consumer's channel (`basic.qos`), `concurrency` (at least 1) how many handlers run at once.
    /// `executor`: where the consumer and its handlers run (by default the global executor), for
    /// example the connection's own thread (``AMQPConnection/executor``).
    /// Log lines carry the queue as `amqp.queue`.
    public init(
        connection: AMQPConnection,
        queue: String,
        prefetch: UInt16 = 32,
        concurrency: Int = 1,
        executor: (any TaskExecutor)? = nil,
        logger: Logger,
        handler: @escaping Handler
    ) {
        precondition(concurrency >= 1, "concurrency must be at least 1")
        self.connection = connection
        self.queue = queue
        self.prefetch = prefetch
        self.concurrency = concurrency
        self.executor = executor
        var logger = logger
        logger[metadataKey: "amqp.queue"] = .string(queue)
        self.logger = logger
        self.handler = handler
    }

    /// Consumes until graceful shutdown, then cancels the consumer, handles and settles the deliveries
    /// already received and closes the channel. If the consumer fails (for example the broker cancels it),
    /// it closes the channel and rethrows the error.
    public func run() async throws {
        try await withTaskExecutorPreference(executor) { try await consume() }
    }

    private func consume() async throws {
        let consumer = try await connection.consume(queue: queue, prefetch: prefetch)
        logger.info("amqp.consumer.running", metadata: ["amqp.concurrency": "\(concurrency)"])
        do {
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    var running = 0
                    for try await delivery in consumer {
                        if running >= concurrency {
                            try await group.next()
                            running -= 1
                        }
                        group.addTask { await handle(delivery) }
                        running += 1
                    }
                    try await group.waitForAll()
                }
            } onGracefulShutdown: {
                consumer.requestCancel()
            }
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
        logger.info("amqp.consumer.stopped")
    }

    private func handle(_ delivery: Delivery) async {
        let outcome: DeliveryOutcome
        do {
            outcome = try await handler(delivery)
        } catch {
            logger.warning(
                "amqp.delivery.failed",
                metadata: ["amqp.message_id": "\(delivery.message.messageId)", "error": "\(error)"])
            outcome = .requeue
        }
        do {
            switch outcome {
            case .ack: try await delivery.ack()
            case .requeue: try await delivery.nack(requeue: true)
            case .reject(let reason):
                logger.warning(
                    "amqp.delivery.rejected",
                    metadata: ["amqp.message_id": "\(delivery.message.messageId)", "reason": "\(reason)"])
                try await delivery.reject()
            case .settled:
                break
            }
        } catch {
            logger.debug("amqp.delivery.settle_failed", metadata: ["error": "\(error)"])
        }
    }
}
