import AMQPClient
import HangarMessaging
import HangarStorage
import Logging
import ServiceLifecycle

/// The recorder: consumes every event into the history store, in batches, and keeps the
/// dead letters of every queue until an operator replays or purges them (``DeadLetterKeeper``).
public struct RecorderService: Service {
    private let connection: AMQPConnection
    private let projector: HistoryProjector
    private let logger: Logger

    /// Creates the recorder, writing to the history database in `store`.
    public init(connection: AMQPConnection, store: SQLStore, logger: Logger) {
        self.connection = connection
        self.projector = HistoryProjector(store: store, logger: logger)
        self.logger = logger
    }

    /// Migrates the history tables and declares the topology, then until shutdown records the `hangar.recorder` queue's events,
    /// keeps every queue's dead letters and the workers' statuses, and every hour forgets processed message ids older than
    /// a week and workers silent for a day.
    public func run() async throws {
        try await projector.migrate()
        try await connection.declareHangarTopology()
        let projector = self.projector
        let consumer = BatchConsumerService(
            connection: connection, queue: HangarTopology.recorder.queue, prefetch: 512, maxBatch: 256,
            redeliveries: .forQueue(of: connection.configuration.queueType, limit: HangarTopology.recorder.deliveryLimit) {
                [store = projector.store] ids in
                try await HistorySchema.redeliveries.recordRedeliveries(of: ids, in: store)
            },
            logger: logger
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
