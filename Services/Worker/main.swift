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
// their providers and publishes the step events, and answers server requests. Stateless: run
// as many as needed. Settings: docs/configuration.md (those read by all services and the
// worker), read here in one place: the common ones through ServiceEnvironment, its own by
// WorkerConfiguration(settings:). The `aws` provider reads its credentials and endpoint from
// this environment (the AWS SDKs' variables, catalogued too), never from messages.
let environment = ServiceEnvironment(service: "worker")
let amqp: AMQPConfiguration
let configuration: WorkerConfiguration
let metrics: MetricsServer?
let tracing: (any Service)?
let awsEnvironment = environment.settings.environment
do {
    bootstrapLogging(level: try environment.logLevel, format: try environment.logFormat)
    tracing = try bootstrapTracing(environment)
    metrics = try environment.metricsServer(
        registry: bootstrapMetrics(), defaultPort: 9104, logger: Logger(label: "hangar.worker.metrics"))
    var worker = try WorkerConfiguration(settings: environment.settings, instance: environment.instance, dataDirectory: environment.dataDirectory)
    if let file = worker.simulatedServersFile {
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        if (try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)) == nil {
            Logger(label: "hangar.worker").warning(
                "worker.simulated_servers.memory", metadata: ["reason": "cannot create \(folder)", "hint": "set HANGAR_SIMULATED_SERVERS_FILE"])
            worker.simulatedServersFile = nil
        }
    }
    configuration = worker
    var connectionSettings = try environment.amqp()
    if environment.string(.amqpURL)?.contains("connection_name=") != true {
        connectionSettings.connectionName = "hangar-worker \(worker.name)"
    }
    amqp = connectionSettings
} catch {
    exitWithConfigurationError(error, service: "worker")
}

let logger = Logger(label: "hangar.worker")
let connection = AMQPConnection(configuration: amqp, logger: logger)
// One set of providers (simulated and aws) for the steps and for the server requests.
let providers = ProviderRegistry([
    SimulatedProvider.name: SimulatedProvider(serverStateFile: configuration.simulatedServersFile),
    // The AWS SDKs' variables (credentials, endpoint), as catalogued in HangarSettings.
    AWSProvider.name: AWSProvider(environment: awsEnvironment, logger: Logger(label: "hangar.worker.aws")),
])
// It declares all of the topology, not only the steps queue: the events it publishes need the
// scheduler's and the recorder's queues even when those services have not started yet.
let worker = WorkerService(
    connection: connection, providers: providers, name: configuration.name, concurrency: configuration.concurrency,
    prefetch: UInt16(configuration.prefetch), liveAfter: configuration.liveAfter, heartbeatInterval: configuration.heartbeatInterval,
    statusInterval: configuration.statusInterval,
    declaring: HangarTopology.all(amqp.queueType), logger: logger)
// It also answers intake's server requests (list, start, stop, restart) from hangar.servers.
let serverRequests = ServerRequestService(connection: connection, providers: providers, name: configuration.name, logger: logger)
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
    metadata: [
        "worker": "\(configuration.name)", "worker.concurrency": "\(configuration.concurrency)", "worker.prefetch": "\(configuration.prefetch)",
    ])
await runServiceGroup(group, service: "worker", logger: logger)
