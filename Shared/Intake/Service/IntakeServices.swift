import AMQPClient
import Foundation
import HangarHistory
import HangarMessaging
import HangarRuntime
import HangarStorage
import Hummingbird
import Logging
import ServiceLifecycle

/// Intake's long-running parts, for the main's `ServiceGroup`, the way Hummingbird's
/// `Application` lists its `services:`. Building them does no I/O; ``IntakePreparation``
/// migrates and declares when the group starts, and the other parts wait for it.
///
/// In start order (the group stops them in reverse):
/// 1. the preparation;
/// 2. the live event feed's consumer, 3. the server replies' consumer and 4. the consumer of
///    the audit entries other services send;
/// 5. the relay of its outbox (what a failed publish left behind);
/// 6. the HTTP server (API and console);
/// 7. the closer of open event streams, stopped first, so that the HTTP server need not wait for them.
public struct IntakeServices: Sendable {
    /// The parts, in start order.
    public let services: [any Service]

    /// Builds the parts. Throws when the API document cannot be read or the routes and the
    /// document disagree (``DocumentedRouter/Drift``).
    public init(
        configuration: IntakeConfiguration, connection: AMQPConnection, intakeStore: SQLStore, historyStore: SQLStore, health: Health,
        logger: Logger
    ) throws {
        let document = try OpenAPIDocument.load()
        let intake = IntakeStore(store: intakeStore)
        let gate = StartGate()
        // Private queues of this process: every event while a live stream is open (bound by
        // `LiveFeedBinding`), and the replies to its server requests.
        let eventsQueue = "hangar.intake.\(configuration.instance).events"
        let repliesQueue = "hangar.intake.\(configuration.instance).replies"
        let feed = LiveFeedBinding(
            connection: connection, queue: eventsQueue, exchange: HangarTopology.events, linger: configuration.eventFeedLinger, logger: logger)
        let hub = EventHub()
        let requester = ServerRequester(connection: connection, replyQueue: repliesQueue, timeout: configuration.serverRequestTimeout)
        let console = ConsoleFiles(directory: configuration.consoleDirectory)
        if console.isEmpty {
            logger.warning("intake.console.missing", metadata: ["hint": "set HANGAR_CONSOLE_DIR to Shared/Intake/Console"])
        } else {
            logger.info("intake.console.files", metadata: ["directory": "\(console.directory ?? "-")"])
        }
        let live = LiveServices(
            hub: hub, feed: feed, servers: requester,
            management: ManagementClient(baseURL: configuration.managementURL, vhost: connection.configuration.virtualHost),
            prices: configuration.instancePrices, console: console, heartbeat: configuration.eventStreamHeartbeat)
        let bus = MessageBus(connection: connection, appId: "hangar-intake")
        let outbox = TransactionalOutbox(table: "intake_outbox", store: intakeStore, bus: bus, name: "intake", logger: logger)
        let api = IntakeAPI(
            intake: intake, history: HistoryQueries(store: historyStore), bus: bus, outbox: outbox,
            auth: Authenticator(tokens: configuration.tokens), health: health, logger: logger, live: live,
            deadLetters: DeadLetterStore(store: historyStore), workers: WorkerDirectory(store: historyStore), document: document)

        let router = Router()
        if configuration.requestTracing {
            // A span per request: what a request publishes joins its trace. The token a live
            // stream may carry in its query is never recorded.
            router.middlewares.add(TracingMiddleware(redactingQueryParameters: ["access_token"]))
        }
        if configuration.requestMetrics {
            router.middlewares.add(MetricsMiddleware())
        }
        router.middlewares.add(MethodNotAllowedMiddleware(document: document))
        router.middlewares.add(AuditMiddleware(intake: intake, auth: api.auth, logger: logger))
        router.middlewares.add(OperationRequestMiddleware())
        // Every route an operation of the API document and every operation a route, or intake does not start.
        let routes = DocumentedRouter(router)
        try IntakeOperations(api: api).register(on: routes)
        api.addRoutes(to: routes)
        try routes.verify(against: document, undocumented: IntakeAPI.undocumentedRoutes)
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hangar-intake"),
            onServerRunning: { _ in logger.info("intake.listening", metadata: ["http.address": "\(configuration.host):\(configuration.port)"]) },
            logger: logger)

        let eventFeed = ConsumerService(connection: connection, queue: eventsQueue, prefetch: 512, logger: logger) { delivery in
            for notice in EventHub.notices(delivery) { hub.post(notice) }
            return .ack
        }
        let replies = ConsumerService(connection: connection, queue: repliesQueue, prefetch: 64, logger: logger) { delivery in
            requester.deliver(delivery)
            return .ack
        }
        // Audit entries the scheduler sends (a recurring schedule's runs), kept once each.
        let auditRecords = ContractConsumerService(
            connection: connection, queue: HangarTopology.audit.queue, prefetch: 16,
            redeliveries: .forQueue(of: connection.configuration.queueType, limit: HangarTopology.audit.deliveryLimit), logger: logger
        ) { incoming in
            guard case .auditRecord(let record) = incoming.message else { return .ack }  // nothing else is bound here
            try await intake.keepAudit(record)
            return .ack
        }
        services = [
            IntakePreparation(
                intake: intake, history: api.history, outbox: outbox, connection: connection, eventsQueue: eventsQueue, repliesQueue: repliesQueue,
                gate: gate, logger: logger),
            AfterPreparation(name: "IntakeEventFeed", gate: gate, service: eventFeed),
            AfterPreparation(name: "IntakeServerReplies", gate: gate, service: replies),
            AfterPreparation(name: "IntakeAuditRecords", gate: gate, service: auditRecords),
            AfterPreparation(
                name: "IntakeSubmissionRelay", gate: gate,
                service: UntilShutdown(name: "IntakeSubmissionRelay") { await Self.relay(outbox, logger: logger) }),
            AfterPreparation(name: "IntakeHTTPServer(\(configuration.host):\(configuration.port))", gate: gate, service: application),
            EventStreamCloser(hub: hub),
        ]
    }

    /// Publishes, every second, the outbox's messages whose publish failed (broker down at the time)
    /// and forgets the confirmed ones; at the end, forgets those confirmed since.
    private static func relay(_ outbox: TransactionalOutbox, logger: Logger) async {
        while !Task.isCancelled {
            do {
                try await outbox.relay(olderThan: .seconds(2))
            } catch {
                logger.warning("intake.relay.failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
        // Outside the cancelled task: left behind, the rows would be sent again at the next start.
        await Task { try? await outbox.forgetConfirmed() }.value
    }
}

/// Ends every open event stream at a graceful shutdown, or the HTTP server would wait for them.
struct EventStreamCloser: Service, CustomStringConvertible {
    let hub: EventHub

    /// For logs.
    var description: String { "IntakeEventStreamCloser" }

    /// Waits for the graceful shutdown, then closes the streams.
    func run() async throws {
        try? await gracefulShutdown()
        hub.closeAll()
    }
}
