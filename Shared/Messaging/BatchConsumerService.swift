import AMQPClient
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import Tracing

/// Consumes a queue in batches: whatever has arrived (up to `maxBatch`) is handed to the
/// handler at once (or, with a ``BatchWindow``, once the window closes or an urgent delivery comes), so a store can commit many messages in one transaction; all are acked
/// after the handler returns. If a batch fails, its messages are retried one by one, so a
/// poison message is requeued alone, and dead-lettered at the delivery limit (the quorum
/// queue's, or on a classic queue the one its ``RedeliveryGuard`` counts). Undecodable messages
/// are dead-lettered with their reason. Each message has its ``ConsumerSpan`` from the
/// batch's start to its end, and the handler gets it in the message's `serviceContext`.
public struct BatchConsumerService: Service {
    /// Applies a batch of decoded messages, for example in one store transaction. When it returns, every
    /// message of the batch is acked; when it throws, the messages are retried one by one.
    public typealias Handler = @Sendable ([IncomingMessage]) async throws -> Void

    private let connection: AMQPConnection
    private let queue: String
    private let prefetch: UInt16
    private let maxBatch: Int
    private let window: BatchWindow?
    private let redeliveries: RedeliveryGuard
    private let logger: Logger
    private let handler: Handler
    private let executor: (any TaskExecutor)?

    /// Builds the service; nothing is consumed until ``run()``. `prefetch` caps the unacknowledged deliveries
    /// on the consumer's channel, `maxBatch` the messages per handler call, `window` how long
    /// deliveries that are not urgent may wait for others (`nil`: none wait), and `redeliveries`
    /// says who counts redeliveries (`.broker` for a quorum queue). `executor`: where batches are
    /// decoded and handled (a store's ``HangarStorage/SQLStore/transactionExecutor``, when the
    /// handler is mostly a transaction); `nil`: Swift's pool.
    public init(
        connection: AMQPConnection, queue: String, prefetch: UInt16 = 256, maxBatch: Int = 128, window: BatchWindow? = nil,
        redeliveries: RedeliveryGuard = .broker, executor: (any TaskExecutor)? = nil, logger: Logger, handler: @escaping Handler
    ) {
        self.executor = executor
        self.window = window
        self.connection = connection
        self.redeliveries = redeliveries
        self.queue = queue
        self.prefetch = prefetch
        self.maxBatch = maxBatch
        var logger = logger
        logger[metadataKey: "amqp.queue"] = .string(queue)
        self.logger = logger
        self.handler = handler
    }

    /// Consumes until graceful shutdown, then handles the deliveries already received and closes the
    /// consumer's channel. Throws if consuming fails, after closing the channel.
    public func run() async throws {
        let consumer = try await connection.consume(queue: queue, prefetch: prefetch)
        let buffer = DeliveryBuffer<Delivery>(window: window?.duration)
        let isUrgent = window?.isUrgent
        logger.info(
            "hangar.batch_consumer.running",
            metadata: ["hangar.max_batch": "\(maxBatch)", "hangar.batch_window_ms": "\(window.map { $0.duration / .milliseconds(1) } ?? 0)"])
        do {
            try await withGracefulShutdownHandler {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { buffer.finish() }
                        for try await delivery in consumer { buffer.append(delivery, urgent: isUrgent?(delivery) ?? true) }
                    }
                    group.addTask(executorPreference: executor) {
                        while let batch = await buffer.next(max: maxBatch) {
                            await process(batch)
                        }
                    }
                    try await group.waitForAll()
                }
            } onGracefulShutdown: {
                consumer.requestCancel()
            }
        } catch {
            // Consuming failed (the broker cancelled the consumer, say): its channel is closed
            // all the same, as ConsumerService does, before the error ends the service.
            await consumer.close()
            throw error
        }
        await consumer.close()
        logger.info("hangar.batch_consumer.stopped")
    }

    private func process(_ deliveries: [Delivery]) async {
        var decoded: [IncomingMessage] = []
        decoded.reserveCapacity(deliveries.count)
        let deadLetterer = DeadLetterer(connection: connection, queue: queue)
        for delivery in deliveries {
            do {
                decoded.append(try IncomingMessage(delivery))
            } catch {
                await deadLetterer.deadLetter(delivery, reason: "\(error)")
                Counter(label: "hangar_messages_dead_lettered_total", dimensions: [("queue", queue)]).increment()
            }
        }
        do {
            decoded = try await redeliveries.screen(decoded, deadLetterer: deadLetterer)
        } catch {
            logger.warning("hangar.redeliveries.count_failed", metadata: ["error": "\(error)"])
            for message in decoded { try? await message.delivery.nack(requeue: true) }
            return
        }
        guard !decoded.isEmpty else { return }
        // Each message's spans: its own, or an event batch's one per event (each in its event's
        // trace; the batch itself has none, as it belongs to no deployment).
        var spans: [[any Span]] = []
        spans.reserveCapacity(decoded.count)
        for (index, message) in decoded.enumerated() {
            Counter(label: "hangar_messages_consumed_total", dimensions: [("queue", queue), ("type", message.message.type)]).increment()
            if case .eventBatch(let batch) = message.message {
                spans.append(batch.items.map { ConsumerSpan.start(for: $0, queue: queue) })
                continue
            }
            let span = ConsumerSpan.start(for: message, queue: queue)
            decoded[index] = message.handled(in: span)
            spans.append([span])
        }
        defer { for span in spans.joined() { span.end() } }
        do {
            try await handler(decoded)
            for message in decoded { try? await message.delivery.ack() }
        } catch {
            guard decoded.count > 1 else {
                for span in spans[0] { ConsumerSpan.failed(span, error) }
                logger.warning("hangar.message.failed", metadata: ["amqp.message_id": "\(decoded[0].messageId)", "error": "\(error)"])
                try? await decoded[0].delivery.nack(requeue: true)
                return
            }
            logger.warning("hangar.batch.failed", metadata: ["hangar.batch_size": "\(decoded.count)", "error": "\(error)"])
            for (message, messageSpans) in zip(decoded, spans) {
                do {
                    try await handler([message])
                    try? await message.delivery.ack()
                } catch {
                    for span in messageSpans { ConsumerSpan.failed(span, error) }
                    logger.warning("hangar.message.failed", metadata: ["amqp.message_id": "\(message.messageId)", "error": "\(error)"])
                    try? await message.delivery.nack(requeue: true)
                }
            }
        }
    }
}
