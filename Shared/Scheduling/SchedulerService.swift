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

    /// Creates the scheduler over its database in `store`. `instance` names this replica (`HANGAR_INSTANCE`): it is the holder
    /// recorded in the timer lease.
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

    /// Migrates the scheduler's tables and declares the topology, then until graceful shutdown consumes `hangar.scheduler`,
    /// publishes committed outbox messages, and keeps the timer lease, the timers and the maintenance loop going.
    /// On the way out it releases the timer lease, so a standby need not wait for it to expire.
    public func run() async throws {
        try await engine.store.migrate(SchedulerSchema.migrations)
        try await connection.declareHangarTopology()
        let consumer = BatchConsumerService(
            connection: connection, queue: HangarTopology.scheduler.queue, prefetch: 512,
            maxBatch: engine.configuration.maxBatch,
            redeliveries: .forQueue(of: connection.configuration.queueType, limit: HangarTopology.scheduler.deliveryLimit) {
                [store = engine.store] ids in
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
                group.addTask { await cancelWhenGracefulShutdown { await leaseLoop() } }
                group.addTask { await cancelWhenGracefulShutdown { await timerLoop() } }
                group.addTask { await cancelWhenGracefulShutdown { await maintenanceLoop() } }
                try await group.waitForAll()
            }
        } catch {
            await engine.releaseLease()
            throw error
        }
        try? await engine.forgetConfirmed()
        await engine.releaseLease()
        logger.info("scheduler.stopped")
    }

    /// Takes or renews the timer lease four times a lease, whatever the timers are doing: a
    /// standby takes over at most a lease and a quarter after the holder died (on PostgreSQL,
    /// a quarter of a lease after a crash: the advisory lock is freed with the connection).
    private func leaseLoop() async {
        let check = engine.configuration.timerLease / 4
        while !Task.isCancelled {
            do {
                let held = engine.leaseHeld
                if try await engine.holdsLease(), !held { engine.timerSignal.signal() }
            } catch {
                logger.error("scheduler.lease.failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: check)
        }
    }

    /// Fires timers when due (sleeping until the next one, or until a transaction sets an
    /// earlier one, or this replica takes the lease), while this replica holds the lease.
    private func timerLoop() async {
        let poll = engine.configuration.timerPollInterval
        while !Task.isCancelled {
            do {
                guard engine.leaseHeld else {
                    await engine.timerSignal.wait(timeout: poll)
                    continue
                }
                while try await engine.fireDueTimers() > 0, !Task.isCancelled {}
                var wait = poll
                if let next = try await engine.nextTimerDue() {
                    wait = min(wait, .milliseconds(max(0, Int(next.timeIntervalSinceNow * 1000) + 1)))
                }
                if wait > .zero { await engine.timerSignal.wait(timeout: wait) }
            } catch let deposed as SchedulerDeposed {
                logger.warning("scheduler.timers.deposed", metadata: ["error": "\(deposed)"])
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
                    if engine.leaseHeld { try await engine.reconcile() }
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
