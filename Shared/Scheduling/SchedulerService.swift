import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import ServiceLifecycle

/// The scheduler: consumes deployment commands and step events (one active replica at a
/// time through a single-active-consumer queue), runs durable timers and the reconciler
/// (under a lease in the store), and relays its outbox.
public struct SchedulerService: Service {
    private let connection: AMQPConnection
    private let engine: SchedulerEngine
    private let logger: Logger

    public init(
        connection: AMQPConnection, store: SQLStore, configuration: SchedulerConfiguration = .init(),
        instance: String, logger: Logger
    ) {
        self.connection = connection
        self.logger = logger
        self.engine = SchedulerEngine(
            store: store, bus: MessageBus(connection: connection, appId: "hangar-scheduler"),
            configuration: configuration, instance: instance, logger: logger)
    }

    public func run() async throws {
        try await engine.store.migrate(SchedulerSchema.migrations)
        try await connection.declareHangarTopology()
        let consumer = BatchConsumerService(
            connection: connection, queue: HangarTopology.scheduler.queue, prefetch: 512,
            maxBatch: engine.configuration.maxBatch,
            redeliveries: .forQueue(of: connection.configuration.queueType, limit: HangarTopology.scheduler.deliveryLimit) { [store = engine.store] ids in
                try await SchedulerSchema.redeliveries.recordRedeliveries(of: ids, in: store)
            },
            logger: logger
        ) { batch in
            try await engine.handle(batch)
        }
        logger.info("scheduler.running", metadata: ["scheduler.instance": "\(engine.instance)"])
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.publishCommitted() }
                group.addTask {
                    defer { engine.stopPublishing() }
                    try await consumer.run()
                }
                group.addTask { await cancelWhenGracefulShutdown { await timerLoop() } }
                group.addTask { await cancelWhenGracefulShutdown { await maintenanceLoop() } }
                try await group.waitForAll()
            }
        } catch {
            await engine.releaseLease()
            throw error
        }
        await engine.releaseLease()
        logger.info("scheduler.stopped")
    }

    /// Fires timers when due (sleeping until the next one, or until a transaction sets an
    /// earlier one), while this replica holds the lease.
    private func timerLoop() async {
        let poll = engine.configuration.timerPollInterval
        // Renewed (or tried for) four times a lease: a standby takes over at most a lease and a
        // quarter after the holder died.
        let leaseCheck = engine.configuration.timerLease / 4
        var leaseCheckedAt = ContinuousClock.now - .seconds(60)
        var holdsLease = false
        while !Task.isCancelled {
            do {
                if ContinuousClock.now - leaseCheckedAt >= leaseCheck {
                    holdsLease = try await engine.holdsLease()
                    leaseCheckedAt = .now
                }
                guard holdsLease else {
                    await engine.timerSignal.wait(timeout: leaseCheck)
                    continue
                }
                while try await engine.fireDueTimers() > 0, !Task.isCancelled {}
                var wait = min(poll, leaseCheck)
                if let next = try await engine.nextTimerDue() {
                    wait = min(wait, .milliseconds(max(0, Int(next.timeIntervalSinceNow * 1000) + 1)))
                }
                if wait > .zero { await engine.timerSignal.wait(timeout: wait) }
            } catch let deposed as SchedulerDeposed {
                logger.warning("scheduler.timers.deposed", metadata: ["error": "\(deposed)"])
                holdsLease = false
            } catch {
                logger.error("scheduler.timers.failed", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Relays the outbox every second, reconciles every `reconcileInterval` and prunes the
    /// deduplication table and finished deployments hourly.
    private func maintenanceLoop() async {
        var reconciledAt = ContinuousClock.now
        var prunedAt = ContinuousClock.now - .seconds(3600)
        while !Task.isCancelled {
            do {
                try await engine.relayOutbox(olderThan: .seconds(2))
                try await engine.sampleGauges()
                if ContinuousClock.now - reconciledAt >= engine.configuration.reconcileInterval {
                    reconciledAt = .now
                    if try await engine.holdsLease() { try await engine.reconcile() }
                }
                if ContinuousClock.now - prunedAt >= .seconds(3600) {
                    prunedAt = .now
                    try await engine.pruneProcessed()
                    try await engine.pruneFinished()
                }
            } catch {
                logger.error("scheduler.maintenance.failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
