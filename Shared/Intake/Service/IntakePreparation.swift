import AMQPClient
import HangarHistory
import HangarMessaging
import HangarRuntime
import HangarStorage
import ServiceLifecycle

/// What intake does before it serves: migrates its tables (and the recorder's, so that intake
/// may start first), declares Hangar's topology and this process's private queues, then opens
/// the ``StartGate`` the other parts wait for. It then stays until the group shuts down: a
/// service that returned would end the group.
struct IntakePreparation: Service, CustomStringConvertible {
    let intake: IntakeStore
    let historyStore: SQLStore
    let connection: AMQPConnection
    /// Every event while a live stream is open (bound by `LiveFeedBinding`).
    let eventsQueue: String
    /// The replies to this process's server requests.
    let repliesQueue: String
    let gate: StartGate

    /// For logs: no setting.
    var description: String { "IntakePreparation" }

    /// Prepares, opens the gate, then waits for the graceful shutdown.
    func run() async throws {
        try await intake.migrate()
        // The recorder owns these tables; creating them here too lets intake start first.
        try await HistoryProjector(store: historyStore).migrate()
        try await connection.declareHangarTopology()
        try await connection.declare(HangarTopology.privateQueue(eventsQueue) + HangarTopology.privateQueue(repliesQueue))
        // A queue of this name left bound by an earlier run (before it expired) is unbound.
        try await connection.unbind(Topology.Binding(queue: eventsQueue, exchange: HangarTopology.events, routingKey: "#"))
        gate.open()
        try? await gracefulShutdown()
    }
}
