import AMQPClient
import HangarContracts
import HangarMessaging
import HangarProviders
import Logging
import ServiceLifecycle

/// The worker: consumes `step.execute` commands from the steps queue and runs each through
/// its provider with a ``StepExecutor``, publishing the step events to `hangar.events`.
///
/// A command is acked once its events are confirmed; if publishing fails the delivery is
/// requeued and the step runs again (steps are idempotent, event ids deterministic).
/// Undecodable messages are dead-lettered with their reason; a decodable message that is
/// not `step.execute` is rejected (dead-lettered by the queue). On a classic queue a
/// redelivered command goes back to the queue's tail with its count of redeliveries, and is
/// dead-lettered at the steps queue's delivery limit (see ``RedeliveryGuard``).
///
/// It declares only what it is given as `declaring` (nothing by default): the queue it
/// consumes and the queues its events go to must exist (in production `main` passes
/// `HangarTopology.all(_:)`). An event that no queue is bound to receive is unroutable: the
/// command is requeued.
public struct WorkerService: Service, CustomStringConvertible {
    private let consumer: ContractConsumerService
    private let connection: AMQPConnection
    private let topology: Topology?
    private let logger: Logger
    private let status: WorkerStatusReporter?
    /// For logs: the queue and the concurrency.
    public let description: String

    /// - Parameters:
    ///   - name: written to every event's `worker`.
    ///   - queue: the queue of `step.execute` commands.
    ///   - concurrency: how many steps run at once.
    ///   - prefetch: how many deliveries the broker hands over ahead; default `concurrency`,
    ///     so that no command waits in this worker while another worker is idle.
    ///   - liveAfter: how long a step's `started` and detail lines are held; a step that
    ///     ends sooner reports them inside its outcome event (see ``StepExecutor``).
    ///   - heartbeatInterval: how often a running step's lease is renewed with the scheduler
    ///     (`step.heartbeat`); `nil`: never.
    ///   - topology: declared when the service runs, before it consumes, waiting for the
    ///     broker as long as it takes (a graceful shutdown ends the wait).
    ///   - statusInterval: how often the worker says what it runs (`worker.status`, for
    ///     `GET /v1/workers`); `nil`: never.
    public init(
        connection: AMQPConnection, providers: ProviderRegistry = ProviderRegistry(), name: String,
        queue: String = HangarTopology.steps.queue, concurrency: Int = 4, prefetch: UInt16? = nil,
        liveAfter: Duration = .zero, heartbeatInterval: Duration? = .seconds(3), statusInterval: Duration? = nil,
        declaring topology: Topology? = nil, logger: Logger
    ) {
        precondition(concurrency >= 1, "concurrency must be at least 1")
        self.connection = connection
        self.topology = topology
        description = "WorkerService(\(name), queue: \(queue), concurrency: \(concurrency))"
        var logger = logger
        logger[metadataKey: "worker"] = .string(name)
        self.logger = logger
        let bus = MessageBus(connection: connection, appId: "hangar-worker")
        let heartbeat = heartbeatInterval.map { interval in
            StepExecutor.Heartbeat(interval: interval) { beat in
                try await bus.publish(.stepHeartbeat(beat))
            }
        }
        let executor = StepExecutor(
            providers: providers, workerName: name, logger: logger, liveAfter: liveAfter, heartbeat: heartbeat
        ) { event, messageId in
            try await bus.publish(.stepEvent(event), messageId: messageId)
        }
        let running = RunningSteps()
        status = statusInterval.map {
            WorkerStatusReporter(connection: connection, name: name, concurrency: concurrency, interval: $0, steps: running, logger: logger)
        }
        let prefetch = prefetch ?? UInt16(clamping: concurrency)
        // The steps run on the connection's own thread: a command's delivery, its outcome's
        // publish and confirm, and its ack need no switch between threads. A provider's calls
        // are asynchronous (HTTP through AsyncHTTPClient); none blocks its thread.
        consumer = ContractConsumerService(
            connection: connection, queue: queue, prefetch: prefetch, concurrency: concurrency,
            redeliveries: .forQueue(of: connection.configuration.queueType, limit: HangarTopology.steps.deliveryLimit),
            executor: connection.executor, logger: logger
        ) { [logger] incoming in
            guard case .executeStep(let command) = incoming.message else {
                return .reject(reason: "the steps queue takes step.execute commands, not \(incoming.message.type)")
            }
            if incoming.redelivered {
                logger.info(
                    "hangar.step.redelivered",
                    metadata: [
                        "deployment.id": "\(command.deploymentId.lowercasedString)", "step.name": "\(command.step.rawValue)",
                    ])
            }
            try await running.running(command) { try await executor.execute(command) }
            return .ack
        }
    }

    /// Declares the topology when given (waiting for the broker), then runs steps from the queue until graceful shutdown.
    /// Once its last step is done it publishes a final `worker.status` (when status reports are on) so that it leaves the list.
    public func run() async throws {
        if let topology {
            let (connection, logger) = (connection, logger)
            do {
                try await cancelWhenGracefulShutdown {
                    try await declareWhenReachable(topology, on: connection, logger: logger)
                }
            } catch is CancellationError {
                logger.info("hangar.worker.stopped", metadata: ["reason": "shut down before the broker was reachable"])
                return
            }
        }
        logger.info("hangar.worker.running")
        let reporting = status.map { status in Task { await status.run() } }
        defer { reporting?.cancel() }
        try await consumer.run()
        // Every step it held has finished: its last word, so that it leaves the list of workers.
        reporting?.cancel()
        await status?.publish(stopping: true)
        logger.info("hangar.worker.stopped")
    }
}
