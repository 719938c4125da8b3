import AMQPClient
import HangarHistory
import HangarIntake
import HangarRuntime
import HangarSettings
import HangarStorage
import Logging
import ServiceLifecycle

// hangar-intake: the HTTP API v1 and the console; /metrics on its own port.
// Settings: docs/configuration.md (those read by all services and intake), read here in one
// place: the common ones through ServiceEnvironment, its own by IntakeConfiguration(settings:).
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
    configuration = try IntakeConfiguration(settings: environment.settings)
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
