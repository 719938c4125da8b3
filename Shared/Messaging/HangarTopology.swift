import AMQPClient

/// Hangar's exchanges and queues (see DESIGN.md, "Messages and topology").
public enum HangarTopology {
    /// Commands: `deployment.submit`, `deployment.cancel`, `step.execute`, `step.heartbeat`, `freeze.snapshot`,
    /// `server.shutdown.schedule`, `quota.query`, `schedule.set`, `audit.record`, and the server requests `server.query` and `server.action`.
    public static let commands = "hangar.commands"
    /// Events: the workers' `step.*`, and the scheduler's `events.batch` and
    /// `events.batch.urgent` (``EventBatch``), which carry its `deployment.*` and
    /// `server.shutdown.*` events and the step events it took in.
    public static let events = "hangar.events"
    /// Dead letters; each consumer queue's go to `<queue>.dead`.
    public static let dead = "hangar.dead"

    /// A consumer role: its queue and what it is bound to.
    public struct Role: Sendable {
        /// The role's durable work queue, for example `hangar.scheduler`; its dead letters rest in `<queue>.dead`.
        public var queue: String
        /// Routing-key patterns the queue is bound with on ``HangarTopology/commands``.
        public var commandKeys: [String]
        /// Routing-key patterns the queue is bound with on ``HangarTopology/events``.
        public var eventKeys: [String]
        /// Declare the queue with `x-single-active-consumer`: of several replicas consuming it, only one at a
        /// time receives messages.
        public var singleActiveConsumer: Bool
        /// Deliveries after which a poison message is dead-lettered: the quorum queue's `x-delivery-limit`, or
        /// on a classic queue the limit the service gives its ``RedeliveryGuard``. Default: 10.
        public var deliveryLimit: Int

        /// A role whose queue is bound to ``HangarTopology/commands`` with `commandKeys` and to
        /// ``HangarTopology/events`` with `eventKeys`.
        public init(queue: String, commandKeys: [String] = [], eventKeys: [String] = [], singleActiveConsumer: Bool = false, deliveryLimit: Int = 10)
        {
            self.queue = queue
            self.commandKeys = commandKeys
            self.eventKeys = eventKeys
            self.singleActiveConsumer = singleActiveConsumer
            self.deliveryLimit = deliveryLimit
        }

        /// The queue (of `type`, with its delivery limit and dead letters) with its bindings
        /// and the exchanges.
        public func topology(_ type: QueueType) -> Topology {
            var topology =
                HangarTopology.exchanges
                + .workQueue(
                    queue, type: type, deliveryLimit: deliveryLimit, deadLetterExchange: HangarTopology.dead,
                    singleActiveConsumer: singleActiveConsumer)
            for key in commandKeys {
                topology.bindings.append(.init(queue: queue, exchange: HangarTopology.commands, routingKey: key))
            }
            for key in eventKeys {
                topology.bindings.append(.init(queue: queue, exchange: HangarTopology.events, routingKey: key))
            }
            return topology
        }
    }

    /// The three durable topic exchanges: ``commands``, ``events`` and ``dead``.
    public static let exchanges = Topology(exchanges: [
        .init(name: commands, kind: .topic), .init(name: events, kind: .topic), .init(name: dead, kind: .topic),
    ])

    /// The scheduler: deployment commands, step events, the workers' heartbeats, intake's
    /// freeze snapshots, scheduled server stops (the workers' replies about those come to its
    /// queue directly), reconnection-quota questions and recurring schedules; one active
    /// replica at a time.
    public static let scheduler = Role(
        queue: "hangar.scheduler",
        commandKeys: ["deployment.*", "step.heartbeat", "freeze.*", "server.shutdown.schedule", "quota.query", "schedule.set"],
        eventKeys: ["step.*"],
        singleActiveConsumer: true)
    /// The workers compete on `step.execute`.
    public static let steps = Role(queue: "hangar.steps", commandKeys: ["step.execute"])
    /// The recorder: the scheduler's event batches (``EventBatch``: the step events it took in
    /// and the events it published, one message per transaction), which is every event.
    public static let recorder = Role(queue: "hangar.recorder", eventKeys: ["events.batch.#"])
    /// The notifier: the scheduler's event batches, of which it reads the deployment
    /// lifecycle events (a finished deployment's event carries its step table for the summary
    /// emails) and the scheduled server stops' events.
    public static let notifier = Role(queue: "hangar.notifier", eventKeys: ["events.batch.#"])
    /// The recorder's dead-letter keeper: operators' `dead-letter.replay` and
    /// `dead-letter.purge` commands (from intake).
    public static let deadLetterCommands = Role(queue: "hangar.dead-letters", commandKeys: ["dead-letter.*"])
    /// Intake keeps the audit entries the scheduler sends (`audit.record`), any intake replica.
    public static let audit = Role(queue: "hangar.audit", commandKeys: ["audit.record"])
    /// Bindings of earlier versions that a role no longer has: the broker keeps a binding
    /// until it is removed, so the role's service unbinds these when it starts.
    public static let retiredBindings: [Topology.Binding] = [
        .init(queue: "hangar.notifier", exchange: events, routingKey: "step.*"),
        // Deployment and server stop events on their own, before they came only in the scheduler's batches.
        .init(queue: "hangar.notifier", exchange: events, routingKey: "deployment.*"),
        .init(queue: "hangar.notifier", exchange: events, routingKey: "server.shutdown.*"),
        // Every event on its own, before the scheduler's batches.
        .init(queue: "hangar.recorder", exchange: events, routingKey: "#"),
    ]

    /// What intake's private event queue is bound to while a live stream is open: the workers'
    /// step events as they come, and the scheduler's batches for the deployment and server
    /// stop events (whose step events the feed already had from the workers).
    public static let liveFeedKeys = ["step.*", "events.batch.#"]

    /// Every role, for tools that declare the whole topology.
    public static let roles = [scheduler, steps, recorder, notifier, deadLetterCommands, audit]

    /// Where each role's dead letters rest until the recorder keeps them.
    public static var deadLetterQueues: [String] { roles.map { "\($0.queue).dead" } }

    /// The workers answer `server.query` and `server.action` requests (request/reply from
    /// intake) from this queue. A classic queue without dead-lettering: a request nobody took
    /// in time expires (per-message TTL, and at most a minute) instead of piling up, since its
    /// asker has stopped waiting.
    public static let serverRequestsQueue = "hangar.servers"
    /// The ``serverRequestsQueue`` queue (classic, `x-message-ttl` 60 s, no dead-lettering), bound to ``commands`` with `server.*`.
    public static let serverRequests = Topology(
        queues: [.init(name: serverRequestsQueue, type: .classic, arguments: ["x-message-ttl": .int(60_000)])],
        bindings: [.init(queue: serverRequestsQueue, exchange: commands, routingKey: "server.*")])

    /// Workers' `worker.status` for the recorder: a classic queue, messages kept a minute at
    /// most (a status is stale after that), no dead-lettering.
    public static let workerStatusQueue = "hangar.workers"
    /// The ``workerStatusQueue`` queue (classic, `x-message-ttl` 60 s, no dead-lettering), bound to ``commands`` with `worker.status`.
    public static let workerStatus = Topology(
        queues: [.init(name: workerStatusQueue, type: .classic, arguments: ["x-message-ttl": .int(60_000)])],
        bindings: [.init(queue: workerStatusQueue, exchange: commands, routingKey: "worker.status")])

    /// A queue private to one process (intake's event feed, its reply queue): not durable,
    /// deleted by the broker two minutes after its last consumer went away (`x-expires`),
    /// declared again by the connection after a reconnect.
    public static func privateQueue(_ name: String, bindings: [(exchange: String, routingKey: String)] = []) -> Topology {
        Topology(
            queues: [.init(name: name, durable: false, type: .classic, arguments: ["x-expires": .int(120_000)])],
            bindings: bindings.map { .init(queue: name, exchange: $0.exchange, routingKey: $0.routingKey) })
    }

    /// Everything, with work queues of `type`: each service declares it all, so that whatever
    /// it publishes has a queue waiting for it even when the consuming service has not started
    /// yet.
    public static func all(_ type: QueueType) -> Topology {
        roles.reduce(exchanges + serverRequests + workerStatus) { $0 + $1.topology(type) }
    }
}

extension AMQPConnection {
    /// Removes the ``HangarTopology/retiredBindings`` of `role`'s queue: what an earlier version
    /// bound it to and this one no longer wants. The role's own service calls it as it starts.
    public func unbindRetiredBindings(of role: HangarTopology.Role) async throws {
        for binding in HangarTopology.retiredBindings where binding.queue == role.queue {
            try await unbind(binding)
        }
    }

    /// Declares ``HangarTopology/all(_:)`` with the configuration's queue type. When the broker
    /// holds Hangar's queues with the other type (a queue's type cannot change in place), the
    /// error says so and how to migrate.
    public func declareHangarTopology() async throws {
        let type = configuration.queueType
        do {
            try await declare(HangarTopology.all(type))
        } catch let error as AMQPError where error.message.contains("x-queue-type") {
            throw AMQPError(
                .declarationFailed,
                "the broker holds Hangar's queues with another type than HANGAR_QUEUE_TYPE=\(type.rawValue) "
                    + "(a queue's type cannot change in place): stop Hangar's services and change them with "
                    + "hangar-migrate-queues \(type.rawValue) (deploy/rabbitmq/migrate-queues.sh), or set HANGAR_QUEUE_TYPE to their type. Broker: \(error.message)",
                replyCode: error.replyCode)
        }
    }
}
