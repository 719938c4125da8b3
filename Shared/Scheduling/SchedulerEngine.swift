import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import SQLKit
import Synchronization

/// Applies messages, timers and reconciliation to the scheduler's store, one transaction at
/// a time, and publishes what each transaction queued in its outbox after it commits.
final class SchedulerEngine: Sendable {
    let store: SQLStore
    let bus: MessageBus
    let configuration: SchedulerConfiguration
    let logger: Logger
    /// This replica's name, for the timer lease.
    let instance: String
    /// The wall clock every transaction, timer and lease reads (tests move it by hand).
    let now: @Sendable () -> Date
    let timerSignal = WakeSignal()
    private let lock = AsyncLock()
    /// `scheduler_outbox`: what each transaction publishes, written with it. Confirmed rows are
    /// deleted by the next transaction (saving a write transaction of their own).
    let outbox: TransactionalOutbox
    /// The event batches held to go out as one (``EventBatchHold``), and the signal that wakes
    /// the publisher when the first is held.
    let eventHold: EventBatchHold
    let eventHoldSignal = WakeSignal()
    /// The epoch of the timer lease this replica holds; 0 when it holds none.
    private let leaseEpoch = Mutex<Int64>(0)
    /// When this replica last took the timer lease: a start timer due before then fell due
    /// while no replica fired timers (see ``DeploymentDue``).
    private let leaseTakenAt = Mutex<Date?>(nil)
    /// On PostgreSQL, the advisory lock that decides who holds the lease (nil on SQLite).
    private let sessionLock: SessionLock?
    /// Whether this replica has sent the event batches others left behind, which it does before
    /// its first transaction (``relayLeftEventBatches()``).
    private let leftBatchesRelayed = Mutex(false)

    init(
        store: SQLStore, bus: MessageBus, configuration: SchedulerConfiguration, instance: String, logger: Logger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.now = now
        self.store = store
        self.bus = bus
        self.configuration = configuration
        self.instance = instance
        self.logger = logger
        self.sessionLock = store.sessionLock(named: "scheduler-timers", idleTimeout: configuration.timerLease)
        self.outbox = TransactionalOutbox(table: "scheduler_outbox", store: store, bus: bus, name: "scheduler", logger: logger)
        self.eventHold = EventBatchHold(window: configuration.eventBatchWindow)
    }

    // MARK: Work

    /// Applies a batch of messages in one transaction; messages seen before are skipped. A
    /// submission's trace (its consumer span) is kept with the deployment. Reconnection-quota
    /// questions are answered after it, from the state it left.
    func handle(_ batch: [IncomingMessage]) async throws {
        var questions: [(query: ReconnectionQuotaQuery, replyTo: String)] = []
        var work: [Work] = []
        for incoming in batch {
            switch incoming.message {
            case .quotaQuery(let query):
                if let replyTo = incoming.delivery.message.replyTo, !replyTo.isEmpty { questions.append((query, replyTo)) }
            case .submitDeployment:
                work.append(
                    Work(messageId: incoming.messageId, message: incoming.message, traceParent: TraceHeaders.traceParent(of: incoming.serviceContext))
                )
            case .stepEvent:
                work.append(
                    Work(
                        messageId: incoming.messageId, message: incoming.message, traceParent: TraceHeaders.traceParent(of: incoming.serviceContext),
                        body: incoming.delivery.message.body))
            default:
                work.append(Work(messageId: incoming.messageId, message: incoming.message))
            }
        }
        if !work.isEmpty { try await handle(work) }
        if !questions.isEmpty { try await answer(questions) }
    }

    /// The answers to reconnection-quota questions whose askers still wait, from the state now.
    func quotaReplies(to queries: [ReconnectionQuotaQuery]) async throws -> [ReconnectionQuotaReply] {
        try await run { tx in
            let transitions = Transitions(tx, configuration: self.configuration, logger: self.logger)
            var replies: [ReconnectionQuotaReply] = []
            for query in queries where query.expiresAt > tx.now {
                let (used, refusal) = try await transitions.reconnectionQuota(environment: query.environmentId, limit: query.limit)
                replies.append(ReconnectionQuotaReply(requestId: query.requestId, used: used, limit: query.limit, refusal: refusal))
            }
            return replies
        }
    }

    /// Answers reconnection-quota questions (``Transitions/reconnectionQuota(environment:limit:)``)
    /// on their reply queues; one whose asker has given up is dropped.
    func answer(_ questions: [(query: ReconnectionQuotaQuery, replyTo: String)]) async throws {
        let replies = try await quotaReplies(to: questions.map(\.query))
        let replyTo = Dictionary(questions.map { ($0.query.requestId, $0.replyTo) }) { first, _ in first }
        for reply in replies {
            guard let replyTo = replyTo[reply.requestId] else { continue }
            let message = Message(
                body: Array(try HangarJSON.encoder.encode(reply)), contentType: "application/json",
                correlationId: reply.requestId.lowercasedString, type: ReconnectionQuotaReply.messageType, persistent: false,
                timestamp: now(), appId: "hangar-scheduler")
            do {
                // Not mandatory: an asker whose queue is gone waits no more.
                try await bus.connection.publish(message, exchange: "", routingKey: replyTo, mandatory: false)
            } catch {
                logger.warning("scheduler.quota.reply_failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// A message to apply: its id, and the trace it joins and the body it came with, when kept.
    struct Work: Sendable {
        var messageId: String
        var message: HangarMessage
        /// The trace it was handled in: a submission's is kept with the deployment (every message
        /// about it joins it), a step event's goes with it to the recorder.
        var traceParent: String?
        /// A step event as the worker wrote it, handed on to the recorder as it is (`nil`:
        /// encoded again).
        var body: [UInt8]?

        init(messageId: String, message: HangarMessage, traceParent: String? = nil, body: [UInt8]? = nil) {
            self.messageId = messageId
            self.message = message
            self.traceParent = traceParent
            self.body = body
        }
    }

    /// Applies decoded messages with their ids in one transaction.
    func handle(_ batch: [(messageId: String, message: HangarMessage)]) async throws {
        try await handle(batch.map { Work(messageId: $0.messageId, message: $0.message) })
    }

    /// Applies messages in one transaction; the step events among them go on to the recorder
    /// in the transaction's ``EventBatch``, before the events they lead to.
    func handle(_ batch: [Work]) async throws {
        try await run { tx in
            let transitions = Transitions(tx, configuration: self.configuration, logger: self.logger)
            for incoming in batch {
                if case .stepHeartbeat(let heartbeat) = incoming.message {
                    // Idempotent, and many: not recorded as processed.
                    try await transitions.heartbeat(heartbeat)
                    continue
                }
                guard try await tx.markProcessed(incoming.messageId, fingerprint: incoming.message.fingerprint, logger: self.logger)
                else { continue }
                switch incoming.message {
                case .submitDeployment(let request): try await transitions.submit(request, traceParent: incoming.traceParent)
                case .cancelDeployment(let command): try await transitions.cancel(command)
                case .stepEvent(let event):
                    tx.forward(incoming.message, messageId: incoming.messageId, traceParent: incoming.traceParent, body: incoming.body)
                    try await transitions.stepEvent(event)
                case .freezeSnapshot(let snapshot): try await tx.saveFreezes(snapshot)
                case .deploymentDue(let due): try await transitions.due(due)
                case .scheduleShutdown(let command): try await self.shutdowns(tx).schedule(command)
                case .serverReply(let reply): try await self.shutdowns(tx).reply(reply)
                case .scheduleSet(let set): try await ScheduleTransitions(tx: tx, transitions: transitions, logger: self.logger).set(set)
                case .decideApproval(let command): try await transitions.decide(command)
                case .resolvePause(let command): try await transitions.resolve(command)
                // Not bound to this queue.
                case .executeStep, .deploymentEvent, .stepHeartbeat, .serverRequest, .shutdownEvent, .auditRecord, .eventBatch: continue
                case .quotaQuery: continue  // Answered by handle(_: [IncomingMessage]), which has its reply queue.
                }
            }
        }
    }

    /// Fires the timers that are due, the recurring schedules' occurrences and the scheduled
    /// server stops; returns how many.
    @discardableResult
    func fireDueTimers(limit: Int = 256) async throws -> Int {
        try await run(fenced: true) { tx in
            var transitions = Transitions(tx, configuration: self.configuration, logger: self.logger)
            transitions.timersTakenOverAt = self.leaseTakenAt.withLock { $0 }
            let timers = try await tx.claimDueTimers(limit: limit)
            for timer in timers { try await transitions.fire(timer) }
            let schedules = try await ScheduleTransitions(tx: tx, transitions: transitions, logger: self.logger).fireDue(limit: 64)
            return timers.count + schedules + (try await self.shutdowns(tx).fireDue(limit: 16))
        }
    }

    private func shutdowns(_ tx: SchedulerTransaction) -> ShutdownTransitions {
        ShutdownTransitions(tx: tx, configuration: configuration, logger: logger)
    }

    /// Re-dispatches or fails running deployments nobody works on, and starts queued
    /// deployments whose environment is free.
    func reconcile() async throws {
        let cutoff = now().addingTimeInterval(-configuration.stepTimeout.seconds)
        try await run(fenced: true) { tx in
            let transitions = Transitions(tx, configuration: self.configuration, logger: self.logger)
            for record in try await tx.stuckDeployments(unansweredSince: cutoff, limit: 100) {
                self.logger.warning(
                    "scheduler.reconcile.stuck",
                    metadata: ["deployment.id": "\(record.id)", "step.name": "\(record.currentStep?.rawValue ?? "-")"])
                try await transitions.reconcile(record.id)
                SchedulerMetrics.reconciled()
            }
            for environment in try await tx.idleEnvironmentsWithQueue(limit: 100) {
                try await tx.lockEnvironment(environment)
                try await transitions.startNext(in: environment)
            }
        }
    }

    /// Forgets processed message ids older than `age`: a broker redelivers only what is
    /// still queued, long before that.
    func pruneProcessed(olderThan age: Duration = .seconds(7 * 24 * 3600)) async throws {
        let cutoff = now().addingTimeInterval(-age.seconds).epochMilliseconds
        try await store.transaction { db in
            try await db.raw("DELETE FROM scheduler_processed WHERE processed_at < \(bind: cutoff)").run()
        }
    }

    /// Removes deployments that finished more than `keepFinished` ago from the scheduler's
    /// tables, except `requestReconnection` ones of the current month (the quota counts
    /// them), server stops done, cancelled or given up that long ago, and schedules deleted or
    /// paused that long ago (intake sends a paused one again when it is resumed). Returns how many
    /// deployments. Submissions seen again later are still refused by the processed-message
    /// table, which is kept longer.
    @discardableResult
    func pruneFinished() async throws -> Int {
        let now = now()
        let cutoff = now.addingTimeInterval(-configuration.keepFinished.seconds).epochMilliseconds
        let monthStart = now.startOfMonthUTC.epochMilliseconds
        return try await store.transaction { db in
            try await db.raw("DELETE FROM scheduler_shutdowns WHERE due_at IS NULL AND updated_at < \(bind: cutoff)").run()
            try await db.raw("DELETE FROM scheduler_schedules WHERE next_at IS NULL AND updated_at < \(bind: cutoff)").run()
            return try await db.raw(
                """
                DELETE FROM scheduler_deployments
                WHERE status IN ('succeeded', 'failed', 'cancelled', 'rejected', 'rolled_back') AND finished_at < \(bind: cutoff)
                  AND (mode <> 'requestReconnection' OR created_at < \(bind: monthStart))
                RETURNING id
                """
            ).all().count
        }
    }

    /// Records the scheduler's gauges: deployments running and queued per environment, the
    /// outbox backlog, timer lag.
    func sampleGauges() async throws {
        // The environment's name is in the stored request (the scheduler keeps no other copy).
        let name = store.dialect == .postgres ? "CAST(request AS jsonb) ->> 'environmentName'" : "request ->> '$.environmentName'"
        let (running, outbox, due, queued) = try await store.read { db in
            let row = try await db.raw(
                """
                SELECT (SELECT COUNT(*) FROM scheduler_deployments WHERE status = 'running') AS running,
                    (SELECT COUNT(*) FROM scheduler_outbox) AS outbox, (SELECT MIN(due_at) FROM scheduler_timers) AS due
                """
            ).first()
            var queued: [String: Int] = [:]
            for row in try await db.raw(
                """
                SELECT \(unsafeRaw: name) AS environment, COUNT(*) AS count FROM scheduler_deployments
                WHERE status = 'queued' GROUP BY \(unsafeRaw: name)
                """
            ).all() {
                queued[try row.decode(column: "environment", as: String?.self) ?? "?"] = Int(try row.decode(column: "count", as: Int64.self))
            }
            return (
                Int(try row?.decode(column: "running", as: Int64.self) ?? 0), Int(try row?.decode(column: "outbox", as: Int64.self) ?? 0),
                try row?.decode(column: "due", as: Int64?.self), queued
            )
        }
        let lag = due.map { now().timeIntervalSince(Date(epochMilliseconds: $0)) } ?? 0
        SchedulerMetrics.gauges(running: running, outbox: outbox, timerLag: lag)
        SchedulerMetrics.queued.record(queued)
    }

    /// When the next timer (or recurring occurrence, or scheduled server stop) is due, if any.
    func nextTimerDue() async throws -> Date? {
        try await store.read { db in
            let row = try await db.raw(
                """
                SELECT MIN(due) AS due FROM (SELECT MIN(due_at) AS due FROM scheduler_timers
                    UNION ALL SELECT MIN(next_at) AS due FROM scheduler_shutdowns
                    UNION ALL SELECT MIN(next_at) AS due FROM scheduler_schedules) AS soonest
                """
            ).first()
            return try row?.decode(column: "due", as: Int64?.self).map(Date.init(epochMilliseconds:))
        }
    }

    /// Publishes outbox rows left behind (a crash or a broker outage after a commit), except
    /// the step commands that evidently reached a worker, the server stops a worker already
    /// answered (``withoutDeliveredSteps(_:)``) and the event batches this replica holds
    /// (``EventBatchHold``), which it sends itself.
    ///
    /// Event batches go first (in their order), as when their transactions committed: a step
    /// command relayed before its transaction's batch would let the deployment get ahead of
    /// its history.
    func relayOutbox(olderThan age: Duration) async throws {
        try await outbox.relay(olderThan: age, now: now()) { entries in
            let held = self.eventHold.heldRows
            let kept = try await self.withoutDeliveredSteps(entries.filter { !held.contains($0.messageId) })
            return kept.filter(Self.isEventBatch) + kept.filter { !Self.isEventBatch($0) }
        }
    }

    /// Sends the event batches an earlier run or another replica left in the outbox (killed
    /// while it held them or before their confirms), whatever their age. ``run(fenced:_:)``
    /// calls it once, before this replica's first transaction: what this replica publishes
    /// reaches the recorder after them, so that a deployment does not get ahead of its history
    /// across a restart or a standby's takeover. A standby's first transaction comes when it
    /// has taken the queue (or the timer lease) over, so it does not send again the batches of
    /// a replica still at work. Batches only: the recorder drops the events it has, whereas a
    /// step command sent again could run on a second worker (the relay leaves those 2 s to
    /// their confirms).
    func relayLeftEventBatches() async throws {
        try await outbox.relay(olderThan: .zero, now: now(), limit: 100_000, types: [EventBatch.messageType, EventBatch.urgentMessageType])
    }

    /// Whether `entry` is an event batch for the recorder (the relay sends these first).
    private static func isEventBatch(_ entry: TransactionalOutbox.Entry) -> Bool {
        if case .eventBatch = entry.message { true } else { false }
    }

    /// Deletes the outbox rows of the messages the broker confirmed since the last
    /// transaction (on a graceful stop too: left behind, they would be sent again).
    func forgetConfirmed() async throws {
        try await outbox.forgetConfirmed()
    }

    /// `messages` without the step commands that evidently reached a worker, whose rows are
    /// deleted instead: the deployment has moved past that dispatch, or a worker has been heard
    /// from on it. Sent again, such a command would run its step on a second worker while the
    /// first still runs it (a stopped or killed scheduler leaves the rows of messages the broker
    /// confirmed but it had not yet deleted). A command that reached a worker which then dies is
    /// dispatched again when the step's lease lapses. Server stops a worker already answered
    /// are left out the same way; one still unanswered is sent again (a second stop of a
    /// stopped server changes nothing, and its answer is a copy the scheduler drops).
    func withoutDeliveredSteps(_ messages: [TransactionalOutbox.Entry]) async throws -> [TransactionalOutbox.Entry] {
        guard
            messages.contains(where: {
                switch $0.message {
                case .executeStep, .serverRequest: true
                default: false
                }
            })
        else { return messages }
        let (kept, delivered) = try await store.transaction { db -> ([TransactionalOutbox.Entry], [String]) in
            let tx = SchedulerTransaction(db: db, dialect: self.store.dialect, outbox: self.outbox, now: self.now())
            var kept: [TransactionalOutbox.Entry] = []
            var delivered: [String] = []
            for message in messages {
                if case .executeStep(let command) = message.message {
                    let record = try await tx.deployment(command.deploymentId)
                    if record?.dispatchId != command.dispatchId || record?.lastHeardAt != nil {
                        delivered.append(message.messageId)
                        continue
                    }
                }
                // A server stop a worker already answered (or that was replaced since).
                if case .serverRequest(let request) = message.message, try await tx.shutdown(request: request.requestId) == nil {
                    delivered.append(message.messageId)
                    continue
                }
                kept.append(message)
            }
            try await self.outbox.delete(delivered, in: db)
            return (kept, delivered)
        }
        if !delivered.isEmpty {
            logger.info("scheduler.outbox.delivered_steps_dropped", metadata: ["hangar.count": "\(delivered.count)"])
        }
        return kept
    }

    /// Whether this replica held the timer lease when it last looked (``holdsLease()``).
    var leaseHeld: Bool { leaseEpoch.withLock { $0 != 0 } }

    /// Takes or renews the lease that lets one replica run timers and reconciliation (for
    /// ``SchedulerConfiguration/timerLease``). Taking it over from another replica counts its
    /// epoch up: the fencing token every timer and reconcile transaction checks.
    ///
    /// On PostgreSQL a session advisory lock decides who holds it: the server frees the lock
    /// the moment its holder's connection ends (a crash) or after a lease of silence (a freeze),
    /// and the replica holding the lock takes the lease row whether or not it has expired. When
    /// the lock cannot be asked about, the row's expiry decides, as on SQLite.
    func holdsLease() async throws -> Bool {
        let lockState = await sessionLock?.hold()
        if lockState == .heldElsewhere {
            record(leaseEpoch: nil)
            return false
        }
        let holdsLock = lockState == .held
        let now = now().epochMilliseconds
        let expires = now + Int64(configuration.timerLease.seconds * 1000)
        let epoch = try await store.transaction { db -> Int64? in
            try await db.raw(
                """
                INSERT INTO scheduler_leases (name, holder, expires_at, epoch) VALUES ('timers', \(bind: self.instance), \(bind: expires), 1)
                ON CONFLICT (name) DO NOTHING
                """
            ).run()
            try await db.raw(
                """
                UPDATE scheduler_leases SET epoch = CASE WHEN holder = \(bind: self.instance) THEN epoch ELSE epoch + 1 END,
                    holder = \(bind: self.instance), expires_at = \(bind: expires)
                WHERE name = 'timers' AND (holder = \(bind: self.instance) OR expires_at < \(bind: now)\(unsafeRaw: holdsLock ? " OR TRUE" : ""))
                """
            ).run()
            let row = try await db.raw("SELECT holder, epoch FROM scheduler_leases WHERE name = 'timers'").first()
            guard let row, try row.decode(column: "holder", as: String.self) == self.instance else { return nil }
            return try row.decode(column: "epoch", as: Int64.self)
        }
        record(leaseEpoch: epoch)
        return epoch != nil
    }

    /// Keeps the epoch this replica now holds the lease at (nil: it holds none), saying when that changed.
    private func record(leaseEpoch epoch: Int64?) {
        let previous = leaseEpoch.withLock { held in
            defer { held = epoch ?? 0 }
            return held
        }
        if let epoch, epoch != previous {
            leaseTakenAt.withLock { $0 = now() }
            logger.info("scheduler.lease.taken", metadata: ["scheduler.instance": "\(instance)", "scheduler.lease_epoch": "\(epoch)"])
        } else if epoch == nil, previous != 0 {
            logger.warning("scheduler.lease.lost", metadata: ["scheduler.instance": "\(instance)"])
        }
    }

    /// Gives the lease up (on graceful shutdown) so another replica takes over at once. The row
    /// stays, expired, so the next holder's epoch is higher than this one's: a deleted row
    /// would start the fencing epochs over at 1.
    func releaseLease() async {
        leaseEpoch.withLock { $0 = 0 }
        _ = try? await store.transaction { db in
            try await db.raw("UPDATE scheduler_leases SET expires_at = 0 WHERE name = 'timers' AND holder = \(bind: self.instance)").run()
        }
        await sessionLock?.release()
    }

    // MARK: Transactions and the outbox

    /// - Parameter fenced: the transaction runs only while this replica holds the timer lease
    ///   at the epoch it took it with; otherwise it throws ``SchedulerDeposed`` and commits nothing.
    @discardableResult
    private func run<T: Sendable>(fenced: Bool = false, _ body: @escaping @Sendable (SchedulerTransaction) async throws -> T) async throws -> T {
        try await lock.withLock {
            if !leftBatchesRelayed.withLock({ $0 }) {
                try await relayLeftEventBatches()
                leftBatchesRelayed.withLock { $0 = true }
            }
            let dialect = store.dialect
            let epoch = fenced ? leaseEpoch.withLock { $0 } : 0
            if fenced && epoch == 0 { throw SchedulerDeposed(instance: instance) }
            let (result, committed, earliestTimer) = try await store.transaction { db in
                if fenced {
                    // The lease row first (locked on PostgreSQL): a replica taking the lease over
                    // waits for this transaction, or this one sees the new epoch and gives up.
                    let row = try await db.raw(
                        """
                        SELECT holder, epoch FROM scheduler_leases WHERE name = 'timers'\(unsafeRaw: dialect == .postgres ? " FOR UPDATE" : "")
                        """
                    ).first()
                    guard let row, try row.decode(column: "holder", as: String.self) == self.instance,
                        try row.decode(column: "epoch", as: Int64.self) == epoch
                    else {
                        // Another replica took the lease over: this one holds nothing until it takes it again.
                        self.leaseEpoch.withLock { if $0 == epoch { $0 = 0 } }
                        throw SchedulerDeposed(instance: self.instance)
                    }
                }
                try await self.outbox.deleteConfirmed(in: db)
                let tx = SchedulerTransaction(db: db, dialect: dialect, outbox: self.outbox, now: self.now())
                let result = try await body(tx)
                try await tx.writeEventBatch()
                return (result, tx.outbox, tx.earliestTimer)
            }
            if let earliestTimer, earliestTimer.timeIntervalSinceNow < configuration.timerPollInterval.seconds {
                timerSignal.signal()
            }
            // The outbox is durable with the commit: the messages go out now, the message
            // handled can be acked, and the confirms overlap with the next transaction.
            if !committed.isEmpty {
                SchedulerMetrics.committed(committed)
                let startedHolding = eventHold.route(committed, at: .now, send: outbox.committed)
                if startedHolding { eventHoldSignal.signal() }
            }
            return result
        }
    }

    /// Waits until ``stopPublishing()`` and until every message committed so far has been
    /// confirmed (each is published as its transaction commits); what is left is relayed from
    /// the store on the next start.
    func publishCommitted() async {
        await outbox.publishCommitted()
    }

    /// Sends the held event batches each time their window closes (``EventBatchHold``), until
    /// ``stopPublishing()``.
    func publishHeldBatches() async {
        while !eventHold.isClosed {
            if let deadline = eventHold.deadline {
                let wait = deadline - .now
                if wait > .zero { await eventHoldSignal.wait(timeout: wait) }
            } else {
                await eventHoldSignal.wait(timeout: .seconds(1))
            }
            eventHold.flush(at: .now, send: outbox.committed)
        }
    }

    /// Lets ``publishCommitted()`` finish once the committed messages are out, the held event
    /// batches among them.
    func stopPublishing() {
        eventHold.flush(at: .now, all: true, send: outbox.committed)
        eventHoldSignal.signal()
        outbox.stopPublishing()
    }
}

/// A timer or reconcile transaction of a replica that no longer holds the timer lease (another
/// took it over): nothing was committed.
struct SchedulerDeposed: Error, CustomStringConvertible {
    var instance: String
    var description: String { "\(instance) no longer holds the timer lease" }
}
