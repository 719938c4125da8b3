import AMQPClient
import HangarRuntime
import HangarScheduling
import HangarSettings
import HangarStorage
import Logging
import ServiceLifecycle

// hangar-scheduler: the deployment state machine, timers and reconciler.
// Settings: HANGAR_METRICS_PORT (/metrics and /health/live, /health/ready, default 9101; off to disable), HANGAR_AMQP_URL, HANGAR_DATABASE_URL / HANGAR_SCHEDULER_DATABASE_URL, HANGAR_DATA_DIR,
// HANGAR_LOG_LEVEL, HANGAR_SCHEDULER_MAX_ATTEMPTS, HANGAR_SCHEDULER_RETRY_BASE_MS,
// HANGAR_SCHEDULER_STEP_TIMEOUT_MS, HANGAR_SCHEDULER_LEASE_TIMEOUT_MS, HANGAR_SCHEDULER_KEEP_FINISHED_MS,
// HANGAR_SCHEDULER_RECONCILE_INTERVAL_MS, HANGAR_SCHEDULER_TIMER_LEASE_MS (2000: a standby takes
// the timers over within this and a quarter of it after the holder died),
// HANGAR_SERVER_REQUEST_TIMEOUT_MS (10000: how long a worker has to take a scheduled server stop), HANGAR_INSTANCE.
let environment = ServiceEnvironment(service: "scheduler")
let amqp: AMQPConfiguration
let database: DatabaseConfiguration
var configuration = SchedulerConfiguration()
let metrics: MetricsServer?
let tracing: (any Service)?
do {
    bootstrapLogging(level: try environment.logLevel, format: try environment.logFormat)
    tracing = try bootstrapTracing(environment)
    metrics = try environment.metricsServer(
        registry: bootstrapMetrics(), defaultPort: 9101, logger: Logger(label: "hangar.scheduler.metrics"))
    amqp = try environment.amqp()
    database = try environment.database()
    configuration.maxAttempts = try environment.int(.schedulerMaxAttempts, default: configuration.maxAttempts, range: 1...100)
    configuration.retryBase = try environment.milliseconds(.schedulerRetryBase, default: configuration.retryBase)
    configuration.stepTimeout = try environment.milliseconds(.schedulerStepTimeout, default: configuration.stepTimeout)
    configuration.leaseTimeout = try environment.milliseconds(.schedulerLeaseTimeout, default: configuration.leaseTimeout)
    configuration.keepFinished = try environment.milliseconds(.schedulerKeepFinished, default: configuration.keepFinished)
    configuration.reconcileInterval = try environment.milliseconds(
        .schedulerReconcileInterval, default: configuration.reconcileInterval)
    configuration.timerLease = try environment.milliseconds(.schedulerTimerLease, default: configuration.timerLease)
    configuration.serverRequestTimeout = try environment.milliseconds(
        .serverRequestTimeout, default: configuration.serverRequestTimeout)
    guard configuration.timerLease >= .milliseconds(100) else {
        throw SettingError(.schedulerTimerLease, accepts: "at least 100 (milliseconds)", got: environment.string(.schedulerTimerLease))
    }
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
