import AMQPClient
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import ServiceLifecycle

/// The recorder: consumes every event into the history store, in batches, and keeps the
/// dead letters of every queue until an operator replays or purges them (``DeadLetterKeeper``).
public struct RecorderService: Service {
    private let connection: AMQPConnection
    private let projector: HistoryProjector
    private let batchWindow: Duration
    private let logger: Logger

    /// Creates the recorder, writing to the history database in `store`. `batchWindow`: how
    /// long events that can wait (``isUrgent(_:)``) are held to be written with the next ones
    /// (`.zero`: none are held).
    public init(connection: AMQPConnection, store: SQLStore, batchWindow: Duration = .milliseconds(50), logger: Logger) {
        self.connection = connection
        self.batchWindow = batchWindow
        self.projector = HistoryProjector(store: store, logger: logger)
        self.logger = logger
    }

    /// Whether an event is written at once: everything but step events and a deployment's
    /// `queued` and `running`, which the history can show a moment later (a step's lines
    /// reach the console live through intake's event stream, not through the history). A
    /// deployment's end, a wait for approval, a pause, a schedule, a server's stop, a dead
    /// letter are written as they come, with whatever was held before them.
    static func isUrgent(_ delivery: Delivery) -> Bool {
        guard let type = delivery.message.type else { return true }
        return !EventBatch.canWait(type: type)
    }

    /// Migrates the history tables and declares the topology, then until shutdown records the `hangar.recorder` queue's events,
    /// keeps every queue's dead letters and the workers' statuses, and every hour forgets processed message ids older than
    /// a week and workers silent for a day.
    public func run() async throws {
        try await projector.migrate()
        try await connection.declareHangarTopology()
        // Events no longer come here one by one, but in the scheduler's batches.
        try await connection.unbindRetiredBindings(of: HangarTopology.recorder)
        let projector = self.projector
        let consumer = BatchConsumerService(
            connection: connection, queue: HangarTopology.recorder.queue, prefetch: 512, maxBatch: 256,
            window: BatchWindow(duration: batchWindow, isUrgent: Self.isUrgent),
            redeliveries: .forQueue(of: connection.configuration.queueType, limit: HangarTopology.recorder.deliveryLimit) {
                [store = projector.store] ids in
                try await HistorySchema.redeliveries.recordRedeliveries(of: ids, in: store)
            },
            // A batch is one transaction: decoded and applied on the store's writer thread
            // (SQLite), as the scheduler's, it starts and commits without a hop between threads.
            executor: projector.store.transactionExecutor, logger: logger
        ) { batch in
            try await projector.apply(batch)
        }
        let keeper = DeadLetterKeeper(connection: connection, store: DeadLetterStore(store: projector.store), logger: logger)
        let workers = WorkerDirectory(store: projector.store)
        let workerStatus = workers.consumer(connection: connection, logger: logger)
        logger.info("recorder.running")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await consumer.run() }
            group.addTask { try await keeper.run() }
            group.addTask { try await workerStatus.run() }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    while !Task.isCancelled {
                        do {
                            try await projector.pruneProcessed()
                            try await workers.prune()
                        } catch {
                            logger.warning("recorder.prune.failed", metadata: ["error": "\(error)"])
                        }
                        try? await Task.sleep(for: .seconds(3600))
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
