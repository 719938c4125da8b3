import AMQPClient
import HangarHistory
import HangarRuntime
import HangarSettings
import HangarStorage
import Logging
import ServiceLifecycle

// hangar-recorder: every event into the deployment history.
// Settings: HANGAR_METRICS_PORT (/metrics and /health/live, /health/ready, default 9102; off to disable), HANGAR_AMQP_URL, HANGAR_DATABASE_URL / HANGAR_RECORDER_DATABASE_URL, HANGAR_RECORDER_BATCH_WINDOW_MS, HANGAR_DATA_DIR, HANGAR_LOG_LEVEL.
let environment = ServiceEnvironment(service: "recorder")
let amqp: AMQPConfiguration
let database: DatabaseConfiguration
let batchWindow: Duration
let metrics: MetricsServer?
let tracing: (any Service)?
do {
    bootstrapLogging(level: try environment.logLevel, format: try environment.logFormat)
    tracing = try bootstrapTracing(environment)
    metrics = try environment.metricsServer(
        registry: bootstrapMetrics(), defaultPort: 9102, logger: Logger(label: "hangar.recorder.metrics"))
    amqp = try environment.amqp()
    database = try environment.database()
    batchWindow = try environment.settings.milliseconds(.recorderBatchWindow, default: .milliseconds(50))
} catch {
    exitWithConfigurationError(error, service: "recorder")
}

let logger = Logger(label: "hangar.recorder")
let connection = AMQPConnection(configuration: amqp, logger: logger)
let store = SQLStore(configuration: database, logger: logger)
let recorder = RecorderService(connection: connection, store: store, batchWindow: batchWindow, logger: logger)
let health = Health([.broker(connection), .consumers(connection, atLeast: 1), .store(store)])
let group = ServiceGroup(
    configuration: .init(
        services: servicesWithHealth(
            tracingServices(tracing) + [
                .init(service: connection), .init(service: store), .init(service: recorder, successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            metrics: metrics, health: health),
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger))
await runServiceGroup(group, service: "recorder", logger: logger)
