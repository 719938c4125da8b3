import HangarSettings
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle

/// Bootstraps swift-metrics with a Prometheus registry. Call once, from a service's `main`.
public func bootstrapMetrics() -> PrometheusCollectorRegistry {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    return registry
}

/// Serves `GET /metrics` (Prometheus text format) and, given a ``Health``, `GET /health/live`
/// and `GET /health/ready` on a port of its own. Metrics are not worth stopping a service
/// for: when the port cannot be bound it logs an error and the service runs on without them.
public struct MetricsServer: Service {
    private let registry: PrometheusCollectorRegistry
    private let host: String
    private let port: Int
    private let logger: Logger
    /// Set by the service's `main` before the group runs (the checks need its connection and store).
    public var health: Health?

    /// A server for `registry` on `host`:`port` (loopback by default; port 0 picks a free one), also serving `health`'s routes
    /// when given. Nothing listens until ``run()``.
    public init(registry: PrometheusCollectorRegistry, host: String = "127.0.0.1", port: Int, logger: Logger, health: Health? = nil) {
        self.registry = registry
        self.host = host
        self.port = port
        self.logger = logger
        self.health = health
    }

    /// Serves until graceful shutdown. If the server fails (for example the port is taken), it logs
    /// `hangar.metrics.unavailable` and waits for shutdown instead of ending the service group.
    public func run() async throws {
        let router = Router()
        router.get("/metrics") { [registry] _, _ in Self.response(registry) }
        health?.addRoutes(to: router)
        let logger = logger
        let application = Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                logger.info("hangar.metrics.listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
            },
            logger: logger)
        do {
            try await application.run()
        } catch {
            logger.error("hangar.metrics.unavailable", metadata: ["port": "\(port)", "error": "\(error)"])
            try? await gracefulShutdown()
        }
    }

    /// The registry's metrics as a Prometheus text answer, with the help texts of ``MetricHelp``.
    public static func response(_ registry: PrometheusCollectorRegistry) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: MetricHelp.annotate(registry.emitToBuffer()))))
    }
}

extension ServiceEnvironment {
    /// The metrics endpoint from `HANGAR_METRICS_PORT` (`off` disables it; 0 picks a free
    /// port), `defaultPort` when unset.
    public func metricsServer(registry: PrometheusCollectorRegistry, defaultPort: Int, logger: Logger) throws -> MetricsServer? {
        if string(.metricsPort)?.lowercased() == "off" { return nil }
        let port = try int(.metricsPort, default: defaultPort, range: 0...65535)
        return MetricsServer(registry: registry, host: string(.metricsHost, default: "127.0.0.1"), port: port, logger: logger)
    }
}
