import AMQPClient
import HangarHistory
import HangarIntake
import HangarRuntime
import HangarSettings
import HangarStorage
import Logging
import ServiceLifecycle

// hangar-intake: the HTTP API v1 and the console; /metrics on its own port.
// HANGAR_METRICS_PORT (/metrics and /health/live, /health/ready, default 9100; off to disable),
// Settings: HANGAR_AMQP_URL, HANGAR_HTTP_HOST (127.0.0.1), HANGAR_HTTP_PORT (8080),
// HANGAR_TOKENS (name:role:secret,…), HANGAR_DATABASE_URL / HANGAR_INTAKE_DATABASE_URL /
// HANGAR_RECORDER_DATABASE_URL, HANGAR_DATA_DIR, HANGAR_LOG_LEVEL, HANGAR_RABBITMQ_MANAGEMENT_URL
// (http://guest:guest@127.0.0.1:15672), HANGAR_INSTANCE_PRICES (a price table file laid over
// the built-in one),
// HANGAR_CONSOLE_DIR (the console's files), HANGAR_SERVER_REQUEST_TIMEOUT_MS (10000),
// HANGAR_EVENTS_HEARTBEAT_MS (15000), HANGAR_EVENTS_LINGER_MS (30000: how long intake stays
// bound to the events after the last live stream closed).
let environment = ServiceEnvironment(service: "intake")
let amqp: AMQPConfiguration
let intakeDatabase: DatabaseConfiguration
let historyDatabase: DatabaseConfiguration
var configuration: IntakeConfiguration
let metrics: MetricsServer?
let tracing: (any Service)?
do {
    bootstrapLogging(level: try environment.logLevel, format: try environment.logFormat)
    tracing = try bootstrapTracing(environment)
    amqp = try environment.amqp()
    intakeDatabase = try environment.database()
    // The recorder's tables, read-only: the recorder alone migrates them, and intake waits for that.
    historyDatabase = try environment.database(owner: "recorder", readOnly: true)
    let tokens = try environment.settings.required(.tokens, accepts: "name:role:secret entries separated by commas (roles: viewer, deployer, admin)")
    configuration = IntakeConfiguration(
        host: environment.string(.httpHost, default: "127.0.0.1"),
        port: try environment.int(.httpPort, default: 8080, range: 1...65535),
        tokens: try APIToken.parse(tokens))
    if let url = environment.string(.managementURL) { configuration.managementURL = url }
    configuration.instancePrices = try PriceTable.load(overrides: environment.string(.instancePrices))
    configuration.consoleDirectory = environment.string(.consoleDirectory)
    configuration.serverRequestTimeout = try environment.milliseconds(.serverRequestTimeout, default: .seconds(10))
    configuration.eventStreamHeartbeat = try environment.milliseconds(.eventsHeartbeat, default: .seconds(15))
    configuration.eventFeedLinger = try environment.milliseconds(.eventsLinger, default: .seconds(30))
    // /metrics on the metrics port, like every service: swift-metrics with swift-prometheus.
    metrics = try environment.metricsServer(
        registry: bootstrapMetrics(), defaultPort: 9100, logger: Logger(label: "hangar.intake.metrics"))
    configuration.requestMetrics = true
    configuration.requestTracing = tracing != nil
} catch {
    exitWithConfigurationError(error, service: "intake")
}

let logger = Logger(label: "hangar.intake")
let connection = AMQPConnection(configuration: amqp, logger: logger)
let intakeStore = SQLStore(configuration: intakeDatabase, logger: logger)
let historyStore = SQLStore(configuration: historyDatabase, logger: logger)
// Intake's consumers: its live feed and its server replies.
let health = Health([
    .broker(connection), .consumers(connection, atLeast: 2), .store(intakeStore), .store(historyStore, name: "history store"),
    .init("history tables") { (try? await HistoryQueries(store: historyStore).pendingMigrations().pending.isEmpty) ?? false },
])
let intake: IntakeServices
do {
    intake = try IntakeServices(
        configuration: configuration, connection: connection, intakeStore: intakeStore, historyStore: historyStore, health: health,
        logger: logger)
} catch {
    exitWithConfigurationError(error, service: "intake")
}
let group = ServiceGroup(
    configuration: .init(
        services: servicesWithHealth(
            tracingServices(tracing) + [
                .init(service: connection), .init(service: intakeStore), .init(service: historyStore),
            ]
                // Intake's own parts (IntakeServices): started in order, stopped in reverse.
                + intake.services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
            metrics: metrics, health: health),
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger))
await runServiceGroup(group, service: "intake", logger: logger)
