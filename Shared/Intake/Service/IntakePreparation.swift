import AMQPClient
import HangarHistory
import HangarMessaging
import HangarRuntime
import HangarStorage
import Logging
import ServiceLifecycle

/// What intake does before it serves: migrates its own tables, declares Hangar's topology and
/// this process's private queues, waits until the recorder has migrated the history tables that
/// intake reads (only the recorder migrates them: intake opens them read-only), then opens the
/// ``StartGate`` the other parts wait for. Until then intake does not serve, and its
/// `/health/ready` names `history tables`. It then stays until the group shuts down: a
/// service that returned would end the group.
struct IntakePreparation: Service, CustomStringConvertible {
    let intake: IntakeStore
    let history: HistoryQueries
    let outbox: TransactionalOutbox
    let connection: AMQPConnection
    /// Every event while a live stream is open (bound by `LiveFeedBinding`).
    let eventsQueue: String
    /// The replies to this process's server requests.
    let repliesQueue: String
    let gate: StartGate
    let logger: Logger
    /// How often it looks again for the recorder's tables.
    var poll: Duration = .milliseconds(250)

    /// For logs: no setting.
    var description: String { "IntakePreparation" }

    /// Prepares, opens the gate, then waits for the graceful shutdown.
    func run() async throws {
        try await intake.migrate()
        try await connection.declareHangarTopology()
        try await connection.declare(HangarTopology.privateQueue(eventsQueue) + HangarTopology.privateQueue(repliesQueue))
        // A queue of this name left bound by an earlier run (before it expired) is unbound
        // (`#`: what versions before the live feed read batches bound).
        for key in ["#"] + HangarTopology.liveFeedKeys {
            try await connection.unbind(Topology.Binding(queue: eventsQueue, exchange: HangarTopology.events, routingKey: key))
        }
        guard try await cancelWhenGracefulShutdown({ try await waitForHistoryTables() }) else { return }
        // The freeze windows as they are, for a scheduler that has none yet (or an older revision).
        await outbox.publish([try await intake.snapshotFreezes(outbox: outbox)])
        // Shutdowns scheduled before the scheduler fired them, for it to take over (once).
        await outbox.publish(try await intake.sendUnsentShutdowns(outbox: outbox))
        gate.open()
        try? await gracefulShutdown()
    }

    /// Returns `true` once the recorder's migrations are all applied; `false` when the group
    /// shut down first. Logs once that it waits, and again when the wait is over.
    private func waitForHistoryTables() async throws -> Bool {
        var waited = false
        while !Task.isCancelled {
            let (pending, reason) = try await history.pendingMigrations()
            if pending.isEmpty {
                if waited { logger.info("intake.history_tables.ready") }
                return true
            }
            if !waited {
                waited = true
                logger.notice(
                    "intake.history_tables.waiting",
                    metadata: [
                        "pending": "\(pending.count)", "first": "\(pending[0])", "reason": "\(reason ?? "the recorder has not migrated them yet")",
                        "hint": "start hangar-recorder: it alone migrates the history tables",
                    ])
            }
            try? await Task.sleep(for: poll)
        }
        return false
    }
}
