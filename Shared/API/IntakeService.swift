import AMQPClient
import Foundation
import HangarHistory
import HangarMessaging
import HangarRuntime
import HangarStorage
import Hummingbird
import Logging
import ServiceLifecycle

/// How intake listens and who may call it.
public struct IntakeConfiguration: Sendable {
    /// Listen address. Default: 127.0.0.1:8080.
    public var host: String
    /// The TCP port the API and console listen on (`HANGAR_HTTP_PORT`, 8080 by default).
    public var port: Int
    /// Bearer tokens with their roles.
    public var tokens: [APIToken]
    /// RabbitMQ's management API, for `GET /v1/queues`
    /// (`HANGAR_RABBITMQ_MANAGEMENT_URL`, default `http://guest:guest@127.0.0.1:15672`).
    public var managementURL: String = "http://guest:guest@127.0.0.1:15672"
    /// Hourly instance prices for the cost of an environment: the built-in table, with
    /// `HANGAR_INSTANCE_PRICES` laid over it (``PriceTable/load(overrides:)``).
    public var instancePrices = (try? PriceTable.builtIn.get()) ?? PriceTable(currency: "USD", defaultRegion: "us-east-1", prices: [:], sources: [])
    /// Where the console's files are (`HANGAR_CONSOLE_DIR`); default: see ``ConsoleFiles``.
    public var consoleDirectory: String?
    /// How long intake waits for a worker to answer a server request (`HANGAR_SERVER_REQUEST_TIMEOUT_MS`, 10 s).
    public var serverRequestTimeout: Duration = .seconds(10)
    /// How long an event stream may stay silent before intake writes a comment
    /// (`HANGAR_EVENTS_HEARTBEAT_MS`, 15 s).
    public var eventStreamHeartbeat: Duration = .seconds(15)
    /// How long the event feed stays bound after the last live stream closed.
    public var eventFeedLinger: Duration = .seconds(30)
    /// A name unique to this process, for its private queues (events feed, replies).
    public var instance: String =
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"

    /// Count HTTP requests in swift-metrics (`main` bootstrapped a registry, served on the
    /// metrics port: `/metrics` is not on the API's port, where anyone could read it).
    public var requestMetrics = false
    /// A span per HTTP request (`main` bootstrapped a tracer: see `bootstrapTracing`).
    public var requestTracing = false

    /// Creates a configuration with the listen address and the tokens; every other setting keeps its default.
    public init(host: String = "127.0.0.1", port: Int = 8080, tokens: [APIToken]) {
        self.host = host
        self.port = port
        self.tokens = tokens
    }
}

/// Intake: the HTTP API (and, later, the console). Owns the environment catalog and the
/// accepted submissions; reads the recorder's history store.
public struct IntakeService: Service {
    private let configuration: IntakeConfiguration
    private let connection: AMQPConnection
    private let intakeStore: SQLStore
    private let historyStore: SQLStore
    private let health: Health
    private let logger: Logger

    /// `health`: what `/health/ready` checks (by default, that the broker is connected).
    public init(
        configuration: IntakeConfiguration, connection: AMQPConnection, intakeStore: SQLStore, historyStore: SQLStore,
        health: Health? = nil, logger: Logger
    ) {
        self.configuration = configuration
        self.connection = connection
        self.intakeStore = intakeStore
        self.historyStore = historyStore
        self.health = health ?? Health([.broker(connection)])
        self.logger = logger
    }

    /// Migrates intake's tables (and the recorder's, so that intake may start first), declares the topology and this process's
    /// private queues, then serves the API and console until graceful shutdown, with the live event feed, the replies to
    /// server requests, the relay of unpublished submissions and the scheduled server shutdowns.
    public func run() async throws {
        let document = try OpenAPIDocument.load()
        let intake = IntakeStore(store: intakeStore)
        try await intake.migrate()
        // The recorder owns these tables; creating them here too lets intake start first.
        try await HistoryProjector(store: historyStore).migrate()
        try await connection.declareHangarTopology()
        // Private queues of this process: every event while a live stream is open (bound by
        // `LiveFeedBinding`), and the replies to its server requests.
        let eventsQueue = "hangar.intake.\(configuration.instance).events"
        let repliesQueue = "hangar.intake.\(configuration.instance).replies"
        try await connection.declare(HangarTopology.privateQueue(eventsQueue) + HangarTopology.privateQueue(repliesQueue))
        // A queue of this name left bound by an earlier run (before it expired) is unbound.
        try await connection.unbind(Topology.Binding(queue: eventsQueue, exchange: HangarTopology.events, routingKey: "#"))
        let feed = LiveFeedBinding(
            connection: connection, queue: eventsQueue, exchange: HangarTopology.events, linger: configuration.eventFeedLinger, logger: logger)
        let hub = EventHub()
        let requester = ServerRequester(connection: connection, replyQueue: repliesQueue, timeout: configuration.serverRequestTimeout)
        let console = ConsoleFiles(directory: configuration.consoleDirectory)
        if console.isEmpty {
            logger.warning("intake.console.missing", metadata: ["hint": "set HANGAR_CONSOLE_DIR to Shared/API/Console"])
        } else {
            logger.info("intake.console.files", metadata: ["directory": "\(console.directory ?? "-")"])
        }
        let amqpVhost = connection.configuration.virtualHost
        let live = LiveServices(
            hub: hub, feed: feed, servers: requester, management: ManagementClient(baseURL: configuration.managementURL, vhost: amqpVhost),
            prices: configuration.instancePrices, console: console, heartbeat: configuration.eventStreamHeartbeat)
        let api = IntakeAPI(
            intake: intake, history: HistoryQueries(store: historyStore),
            bus: MessageBus(connection: connection, appId: "hangar-intake"),
            auth: Authenticator(tokens: configuration.tokens), health: health, logger: logger, live: live,
            deadLetters: DeadLetterStore(store: historyStore), workers: WorkerDirectory(store: historyStore),
            document: document)
        let eventFeed = ConsumerService(connection: connection, queue: eventsQueue, prefetch: 512, logger: logger) { delivery in
            if let notice = EventHub.notice(delivery) { hub.post(notice) }
            return .ack
        }
        let replies = ConsumerService(connection: connection, queue: repliesQueue, prefetch: 64, logger: logger) { delivery in
            requester.deliver(delivery)
            return .ack
        }
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
        // Every route an operation of the API document and every operation a route, or intake does not start.
        let routes = DocumentedRouter(router)
        api.addRoutes(to: routes)
        try routes.verify(against: document, undocumented: IntakeAPI.undocumentedRoutes)
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hangar-intake"),
            logger: logger)
        logger.info("intake.listening", metadata: ["http.address": "\(configuration.host):\(configuration.port)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.run() }
            group.addTask { try await eventFeed.run() }
            group.addTask { try await replies.run() }
            // Open event streams end at shutdown, or the server would wait for them.
            group.addTask {
                try? await gracefulShutdown()
                hub.closeAll()
            }
            group.addTask { await cancelWhenGracefulShutdown { await relay(api: api, intake: intake) } }
            group.addTask {
                await cancelWhenGracefulShutdown { await ShutdownScheduler(intake: intake, servers: requester, logger: logger).run() }
            }
            try await group.waitForAll()
        }
    }

    /// Publishes accepted submissions whose publish failed (broker down at the time).
    private func relay(api: IntakeAPI, intake: IntakeStore) async {
        while !Task.isCancelled {
            do {
                for request in try await intake.unpublished(olderThan: 2) {
                    await api.publish(request)
                }
            } catch {
                logger.warning("intake.relay.failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}

extension IntakeConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    /// The settings as logs may show them: token names and roles, never their secrets; the
    /// management URL without its password.
    public var description: String {
        var management = URLComponents(string: managementURL)
        if management?.password != nil { management?.password = "redacted" }
        return "IntakeConfiguration(\(host):\(port), tokens: \(tokens.map(\.description)), "
            + "management: \(management?.string ?? "unparseable URL"), instance: \(instance))"
    }
    /// The same as ``description``: no secret.
    public var debugDescription: String { description }
}

extension IntakeService: CustomStringConvertible {
    /// What swift-service-lifecycle logs for this service: no settings, so no secret.
    public var description: String { "IntakeService(\(configuration.host):\(configuration.port))" }
}
