import AMQPClient
import Foundation
import HangarAWSProvider
import HangarExecution
import HangarMessaging
import HangarProviders
import HangarRuntime
import HangarSettings
import Logging
import ServiceLifecycle

// hangar-worker: runs the steps of deployments (`step.execute` from `hangar.steps`) through
// their providers and publishes the step events. Stateless: run as many as needed.
// Settings: HANGAR_METRICS_PORT (/metrics and /health/live, /health/ready, default 9104; off to disable), HANGAR_AMQP_URL, HANGAR_LOG_LEVEL, HANGAR_WORKER_NAME (default: host name and
// process id), HANGAR_WORKER_CONCURRENCY (steps at once, default 4), HANGAR_WORKER_PREFETCH
// (deliveries taken ahead, default: the concurrency), HANGAR_WORKER_LIVE_AFTER_MS (how long a
// step's start and detail lines are held before they are published live, default 250: a
// quicker step reports them inside its outcome event), HANGAR_WORKER_HEARTBEAT_MS (how often a
// running step renews its lease with the scheduler, default 3000, 0 for none; keep it well under the
// scheduler's HANGAR_SCHEDULER_LEASE_TIMEOUT_MS), HANGAR_WORKER_STATUS_MS (how often it tells
// the recorder what it runs, for GET /v1/workers, default 5000, 0 for never).
// The `aws` provider reads its credentials and endpoint from this environment, never from
// messages: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, or AWS_PROFILE of
// ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE); HANGAR_AWS_ENDPOINT_URL or AWS_ENDPOINT_URL
// sends its requests to an emulator such as moto.
// HANGAR_SIMULATED_SERVERS_FILE (default <HANGAR_DATA_DIR>/simulated-servers.json; `off`: each
// worker's memory): where the simulated provider keeps its servers' states, shared by the
// workers of one machine so that each reports what another did.
let environment = ServiceEnvironment(service: "worker")
let amqp: AMQPConfiguration
let name: String
let concurrency: Int
let prefetch: Int
let liveAfter: Duration
let heartbeatInterval: Duration?
let statusInterval: Duration?
let metrics: MetricsServer?
let tracing: (any Service)?
let simulatedServersFile: String?
let awsEnvironment = environment.settings.environment
do {
    bootstrapLogging(level: try environment.logLevel, format: try environment.logFormat)
    tracing = try bootstrapTracing(environment)
    metrics = try environment.metricsServer(
        registry: bootstrapMetrics(), defaultPort: 9104, logger: Logger(label: "hangar.worker.metrics"))
    name = environment.string(.workerName, default: environment.instance)
    concurrency = try environment.int(.workerConcurrency, default: 4, range: 1...1000)
    prefetch = try environment.int(.workerPrefetch, default: concurrency, range: 1...Int(UInt16.max))
    liveAfter = try environment.milliseconds(.workerLiveAfter, default: .milliseconds(250))
    let heartbeat = try environment.milliseconds(.workerHeartbeat, default: .seconds(3))
    heartbeatInterval = heartbeat == .zero ? nil : heartbeat  // 0: no heartbeats
    let status = try environment.milliseconds(.workerStatus, default: .seconds(5))
    statusInterval = status == .zero ? nil : status
    let serversFile = environment.string(.simulatedServersFile, default: "\(environment.dataDirectory)/simulated-servers.json")
    let serversFolder = URL(fileURLWithPath: serversFile).deletingLastPathComponent().path
    if serversFile == "off" {
        simulatedServersFile = nil
    } else if (try? FileManager.default.createDirectory(atPath: serversFolder, withIntermediateDirectories: true)) == nil {
        Logger(label: "hangar.worker").warning(
            "worker.simulated_servers.memory", metadata: ["reason": "cannot create \(serversFolder)", "hint": "set HANGAR_SIMULATED_SERVERS_FILE"])
        simulatedServersFile = nil
    } else {
        simulatedServersFile = serversFile
    }
    var configuration = try environment.amqp()
    if environment.string(.amqpURL)?.contains("connection_name=") != true {
        configuration.connectionName = "hangar-worker \(name)"
    }
    amqp = configuration
} catch {
    exitWithConfigurationError(error, service: "worker")
}

let logger = Logger(label: "hangar.worker")
let connection = AMQPConnection(configuration: amqp, logger: logger)
// One set of providers (simulated and aws) for the steps and for the server requests.
let providers = ProviderRegistry([
    SimulatedProvider.name: SimulatedProvider(serverStateFile: simulatedServersFile),
    // The AWS SDKs' variables (credentials, endpoint), as catalogued in HangarSettings.
    AWSProvider.name: AWSProvider(environment: awsEnvironment, logger: Logger(label: "hangar.worker.aws")),
])
// It declares all of the topology, not only the steps queue: the events it publishes need the
// scheduler's and the recorder's queues even when those services have not started yet.
let worker = WorkerService(
    connection: connection, providers: providers, name: name, concurrency: concurrency, prefetch: UInt16(prefetch),
    liveAfter: liveAfter, heartbeatInterval: heartbeatInterval, statusInterval: statusInterval,
    declaring: HangarTopology.all(amqp.queueType), logger: logger)
// It also answers intake's server requests (list, start, stop, restart) from hangar.servers.
let serverRequests = ServerRequestService(connection: connection, providers: providers, name: name, logger: logger)
let group = ServiceGroup(
    configuration: .init(
        services: servicesWithHealth(
            // The connection closes last of these.
            tracingServices(tracing) + [.init(service: connection), .init(service: worker), .init(service: serverRequests)],
            metrics: metrics, health: Health([.broker(connection), .consumers(connection, atLeast: 2)])),
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger))

logger.info(
    "hangar.worker.starting",
    metadata: ["worker": "\(name)", "worker.concurrency": "\(concurrency)", "worker.prefetch": "\(prefetch)"])
await runServiceGroup(group, service: "worker", logger: logger)
