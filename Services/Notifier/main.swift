import AMQPClient
import HangarNotification
import HangarRuntime
import HangarSettings
import HangarStorage
import Logging
import ServiceLifecycle

// hangar-notifier: emails and signed webhooks about deployments (started, succeeded, failed, cancelled, scheduled).
// Settings: HANGAR_METRICS_PORT (/metrics and /health/live, /health/ready, default 9103; off to disable), HANGAR_AMQP_URL, HANGAR_DATABASE_URL / HANGAR_NOTIFIER_DATABASE_URL, HANGAR_DATA_DIR, HANGAR_LOG_LEVEL,
// HANGAR_SMTP_URL, HANGAR_SMTP_FROM, HANGAR_NOTIFIER_OUTBOX, HANGAR_NOTIFY_EVENTS, HANGAR_NOTIFIER_RETRY_BASE_MS,
// HANGAR_NOTIFIER_RETRY_MAX_MS, HANGAR_NOTIFIER_MAX_ATTEMPTS, HANGAR_NOTIFIER_CONCURRENCY, HANGAR_WEBHOOK_SECRET,
// HANGAR_WEBHOOK_TIMEOUT_S (see NotifierConfiguration).
let environment = ServiceEnvironment(service: "notifier")
let amqp: AMQPConfiguration
let database: DatabaseConfiguration
let configuration: NotifierConfiguration
let metrics: MetricsServer?
let tracing: (any Service)?
do {
    bootstrapLogging(level: try environment.logLevel, format: try environment.logFormat)
    tracing = try bootstrapTracing(environment)
    metrics = try environment.metricsServer(
        registry: bootstrapMetrics(), defaultPort: 9103, logger: Logger(label: "hangar.notifier.metrics"))
    amqp = try environment.amqp()
    database = try environment.database()
    configuration = try NotifierConfiguration(settings: environment.settings, dataDirectory: environment.dataDirectory)
} catch {
    exitWithConfigurationError(error, service: "notifier")
}

let logger = Logger(label: "hangar.notifier")
let connection = AMQPConnection(configuration: amqp, logger: logger)
let store = SQLStore(configuration: database, logger: logger)
let transport = NotifierService.transport(for: configuration, logger: logger)
let notifier = NotifierService(
    connection: connection, store: store, configuration: configuration, transport: transport,
    webhooks: NotifierService.webhookTransport(for: configuration), logger: logger)
let health = Health([.broker(connection), .consumers(connection, atLeast: 1), .store(store)])
let group = ServiceGroup(
    configuration: .init(
        services: servicesWithHealth(
            tracingServices(tracing) + [
                .init(service: connection), .init(service: store), .init(service: notifier, successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            metrics: metrics, health: health),
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger))
await runServiceGroup(group, service: "notifier", logger: logger)
