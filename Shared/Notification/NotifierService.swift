import AMQPClient
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import Metrics
import ServiceLifecycle

/// The notifier: consumes the scheduler's event batches from `hangar.notifier` and acts on
/// their deployment and server stop events: keeps its step table, stores the emails each
/// event calls for (in the transaction that records the message, before the ack) and sends
/// them through ``NotificationSender``.
public struct NotifierService: Service {
    private let connection: AMQPConnection
    private let notifierStore: NotifierStore
    private let sender: NotificationSender
    private let batchWindow: Duration
    private let logger: Logger

    /// Creates the notifier: its store, composing emails from the configuration's sender and default events, and its sender.
    public init(
        connection: AMQPConnection, store: SQLStore, configuration: NotifierConfiguration, transport: any MailTransport,
        webhooks: any WebhookTransport, logger: Logger
    ) {
        self.connection = connection
        self.notifierStore = NotifierStore(
            store: store,
            composer: NotificationComposer(
                fromName: configuration.fromName, fromAddress: configuration.fromAddress, consoleURL: configuration.consoleURL),
            events: configuration.events, logger: logger)
        self.sender = NotificationSender(
            store: notifierStore, transport: transport, webhooks: webhooks, fromAddress: configuration.fromAddress, retry: configuration.retry,
            concurrency: configuration.concurrency, lease: configuration.lease, logger: logger)
        self.batchWindow = configuration.batchWindow
        self.logger = logger
    }

    /// The webhook transport, signing with the configuration's secret.
    public static func webhookTransport(for configuration: NotifierConfiguration) -> any WebhookTransport {
        HTTPWebhookTransport(secret: configuration.webhookSecret, timeoutSeconds: configuration.webhookTimeoutSeconds)
    }

    /// The transport the configuration asks for: SMTP when a URL is set, else the outbox folder.
    public static func transport(for configuration: NotifierConfiguration, logger: Logger) -> any MailTransport {
        if let smtp = configuration.smtp { return CurlSMTPTransport(settings: smtp) }
        return OutboxTransport(directory: configuration.outboxDirectory, logger: logger)
    }

    /// The events the notifier acts on, in order: the deployment and server stop events of the
    /// scheduler's batches (their step events are for the history), and any such event that
    /// came on its own (queued before the notifier read batches).
    static func notifierEvents(of batch: [IncomingMessage]) -> [(messageId: String, message: HangarMessage)] {
        batch.events { message in
            switch message {
            case .deploymentEvent, .shutdownEvent: true
            default: false
            }
        }
    }

    /// Migrates the notifier's tables, declares the AMQP topology and consumes `hangar.notifier` while the sender delivers,
    /// until graceful shutdown. It also records the `hangar_notifications_pending` gauge every second and prunes old rows hourly.
    public func run() async throws {
        try await notifierStore.migrate()
        try await connection.declareHangarTopology()
        // Step events no longer come here (a finished deployment's event carries its steps), and
        // the deployment and server stop events come in the scheduler's batches.
        try await connection.unbindRetiredBindings(of: HangarTopology.notifier)
        let notifierStore = notifierStore
        let sender = sender
        let logger = logger
        let consumer = BatchConsumerService(
            connection: connection, queue: HangarTopology.notifier.queue, prefetch: 256, maxBatch: 128,
            // Nothing it does is urgent: an email or a webhook may leave a moment later.
            window: BatchWindow(duration: batchWindow, isUrgent: { _ in false }),
            redeliveries: .forQueue(of: connection.configuration.queueType, limit: HangarTopology.notifier.deliveryLimit) {
                [store = notifierStore.store] ids in
                try await NotifierSchema.redeliveries.recordRedeliveries(of: ids, in: store)
            },
            // A batch is one transaction: decoded and applied on the store's writer thread
            // (SQLite). The emails are sent elsewhere (libcurl blocks its thread).
            executor: notifierStore.store.transactionExecutor, logger: logger
        ) { batch in
            let queued = try await notifierStore.apply(Self.notifierEvents(of: batch))
            if queued > 0 { sender.wakeUp() }
        }
        logger.info("notifier.running")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sender.run() }
            group.addTask { try await consumer.run() }
            group.addTask {
                // The backlog gauge, every second.
                await cancelWhenGracefulShutdown {
                    while !Task.isCancelled {
                        if let counts = try? await notifierStore.pendingCounts() {
                            for (channel, count) in counts {
                                Gauge(label: "hangar_notifications_pending", dimensions: [("channel", channel.rawValue)]).record(count)
                            }
                        }
                        try? await Task.sleep(for: .seconds(1))
                    }
                }
            }
            group.addTask {
                // Hourly housekeeping of the deduplication ids and old sent logs.
                await cancelWhenGracefulShutdown {
                    while !Task.isCancelled {
                        do { try await shielded { try await notifierStore.prune() } } catch {
                            logger.warning("notifier.prune.failed", metadata: ["error": "\(error)"])
                        }
                        try? await Task.sleep(for: .seconds(3600))
                    }
                }
            }
            try await group.next()
            group.cancelAll()
            try await group.waitForAll()
        }
    }
}
