import AMQPClient
import HangarRuntime
import HangarScheduling
import HangarSettings
import HangarStorage
import Logging
import ServiceLifecycle

// hangar-scheduler: the deployment state machine, timers and reconciler.
// Settings: docs/configuration.md (those read by all services and the scheduler), read here in
// one place: the common ones through ServiceEnvironment, its own by SchedulerConfiguration(settings:).
let environment = ServiceEnvironment(service: "scheduler")
let amqp: AMQPConfiguration
let database: DatabaseConfiguration
let configuration: SchedulerConfiguration
let metrics: MetricsServer?
let tracing: (any Service)?
do {
    bootstrapLogging(level: try environment.logLevel, format: try environment.logFormat)
    tracing = try bootstrapTracing(environment)
    metrics = try environment.metricsServer(
        registry: bootstrapMetrics(), defaultPort: 9101, logger: Logger(label: "hangar.scheduler.metrics"))
    amqp = try environment.amqp()
    database = try environment.database()
    configuration = try SchedulerConfiguration(settings: environment.settings)
} catch {
    exitWithConfigurationError(error, service: "scheduler")
}

let logger = Logger(label: "hangar.scheduler")
let connection = AMQPConnection(configuration: amqp, logger: logger)
let store = SQLStore(configuration: database, logger: logger)
let scheduler = SchedulerServices(
    connection: connection, store: store, configuration: configuration, instance: environment.instance, logger: logger)
let health = Health([.broker(connection), .consumers(connection, atLeast: 1), .store(store)])
let group = ServiceGroup(
    configuration: .init(
        services: servicesWithHealth(
            tracingServices(tracing) + [
                .init(service: connection), .init(service: store),
            ]
                // The scheduler's own parts (SchedulerServices): started in order, stopped in reverse.
                + scheduler.services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
            metrics: metrics, health: health),
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger))
await runServiceGroup(group, service: "scheduler", logger: logger)
