import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import HangarRuntime
import HangarStorage
import Logging
import ServiceLifecycle

/// The scheduler's long-running parts, for the main's `ServiceGroup`: it consumes deployment
/// commands and step events (one active replica at a time through a single-active-consumer
/// queue), runs durable timers and the reconciler (under a lease in the store), and relays its
/// outbox. Building them does no I/O; ``SchedulerPreparation`` migrates and declares when the
/// group starts, and the other parts wait for it.
///
/// In start order (the group stops them in reverse, one after the other):
/// 1. the preparation, which on the way out forgets the confirmed outbox rows and releases the
///    timer lease, so a standby need not wait for it to expire;
/// 2. the publisher of committed outbox messages, which ends by itself once the consumer stopped;
/// 3. the lease loop, 4. the timer loop and 5. the maintenance loop (relay, reconcile, prune);
/// 6. the consumer of `hangar.scheduler`, stopped first: it finishes its batch, then stops the publisher.
public struct SchedulerServices: Sendable {
    /// The parts, in start order.
    public let services: [any Service]

    /// Creates the scheduler's parts over its database in `store`. `instance` names this replica (`HANGAR_INSTANCE`): it is
    /// the holder recorded in the timer lease.
    public init(
        connection: AMQPConnection, store: SQLStore, configuration: SchedulerConfiguration = .init(),
        instance: String, logger: Logger
    ) {
        let engine = SchedulerEngine(
            store: store, bus: MessageBus(connection: connection, appId: "hangar-scheduler"),
            configuration: configuration, instance: instance, logger: logger)
        let loops = SchedulerLoops(engine: engine, logger: logger)
        let gate = StartGate()
        let consumer = BatchConsumerService(
            connection: connection, queue: HangarTopology.scheduler.queue, prefetch: 512,
            maxBatch: engine.configuration.maxBatch,
            redeliveries: .forQueue(of: connection.configuration.queueType, limit: HangarTopology.scheduler.deliveryLimit) {
                [store = engine.store] ids in
                try await SchedulerSchema.redeliveries.recordRedeliveries(of: ids, in: store)
            },
            // A batch is mostly one transaction: decoded and applied on the store's writer
            // thread (SQLite), it starts and commits without a hop between threads.
            executor: engine.store.transactionExecutor, logger: logger
        ) { batch in
            try await engine.handle(batch)
        }
        services = [
            SchedulerPreparation(engine: engine, connection: connection, gate: gate, logger: logger),
            AfterPreparation(name: "SchedulerOutboxPublisher", gate: gate, service: OutboxPublisher(engine: engine)),
            AfterPreparation(name: "SchedulerLeaseLoop", gate: gate, service: UntilShutdown(name: "SchedulerLeaseLoop") { await loops.leaseLoop() }),
            AfterPreparation(name: "SchedulerTimerLoop", gate: gate, service: UntilShutdown(name: "SchedulerTimerLoop") { await loops.timerLoop() }),
            AfterPreparation(
                name: "SchedulerMaintenanceLoop", gate: gate,
                service: UntilShutdown(name: "SchedulerMaintenanceLoop") { await loops.maintenanceLoop() }),
            AfterPreparation(name: "SchedulerConsumer", gate: gate, service: SchedulerConsumer(engine: engine, consumer: consumer)),
        ]
    }
}

/// Migrates the scheduler's tables and declares the topology, then opens the gate the other
/// parts wait for (the event batches an earlier run left behind go out before this replica's
/// first transaction: ``SchedulerEngine/relayLeftEventBatches()``). Stopped last: on the
/// way out it forgets the outbox rows the broker confirmed (after a graceful stop only: the
/// others are still running otherwise) and releases the timer lease, so a standby need not
/// wait for it to expire.
struct SchedulerPreparation: Service, CustomStringConvertible {
    let engine: SchedulerEngine
    let connection: AMQPConnection
    let gate: StartGate
    let logger: Logger

    /// For logs: no setting.
    var description: String { "SchedulerPreparation" }

    /// Prepares, opens the gate, waits for the shutdown, then hands the lease back.
    func run() async throws {
        do {
            try await engine.store.migrate(SchedulerSchema.migrations)
            try await connection.declareHangarTopology()
        } catch {
            await engine.releaseLease()
            throw error
        }
        logger.info("scheduler.running", metadata: ["scheduler.instance": "\(engine.instance)"])
        gate.open()
        do {
            try await gracefulShutdown()
            try? await engine.forgetConfirmed()
        } catch {
            // Cancelled: another part failed and the group is ending.
        }
        await engine.releaseLease()
        logger.info("scheduler.stopped")
    }
}

/// Sends the event batches held for the recorder as their window closes, and holds the
/// scheduler's stop until what its transactions committed to the outbox is confirmed (each
/// transaction publishes its other messages as it commits), once the consumer has stopped it
/// (``SchedulerEngine/stopPublishing()``).
struct OutboxPublisher: Service, CustomStringConvertible {
    let engine: SchedulerEngine

    /// For logs.
    var description: String { "SchedulerOutboxPublisher" }

    /// Waits until stopped and confirmed, then waits for its turn to stop: the service group stops its
    /// parts one after the other and takes a part that ends before its turn for a failure.
    func run() async throws {
        async let held: Void = engine.publishHeldBatches()
        await engine.publishCommitted()
        await held
        try? await gracefulShutdown()
    }
}

/// Consumes `hangar.scheduler` in batches until graceful shutdown, then stops the publisher
/// once the last batch is committed.
struct SchedulerConsumer: Service, CustomStringConvertible {
    let engine: SchedulerEngine
    let consumer: BatchConsumerService

    /// For logs.
    var description: String { "SchedulerConsumer" }

    /// Consumes, then stops the publisher (also when consuming failed).
    func run() async throws {
        defer { engine.stopPublishing() }
        try await consumer.run()
    }
}

/// The scheduler's loops, each run until a graceful shutdown (``UntilShutdown``).
struct SchedulerLoops: Sendable {
    let engine: SchedulerEngine
    let logger: Logger

    /// Takes or renews the timer lease four times a lease, whatever the timers are doing: a
    /// standby takes over at most a lease and a quarter after the holder died (on PostgreSQL,
    /// a quarter of a lease after a crash: the advisory lock is freed with the connection).
    func leaseLoop() async {
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
    func timerLoop() async {
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
    func maintenanceLoop() async {
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
