import AMQPClient
import HangarStorage
import SQLKit
import ServiceLifecycle

extension Health.Check {
    /// Connected to the broker (`broker`).
    public static func broker(_ connection: AMQPConnection) -> Self {
        Self("broker") { connection.isConnected }
    }

    /// At least `count` consumers subscribed (`consumers`): none before the service has
    /// started consuming, nor while the connection is down.
    public static func consumers(_ connection: AMQPConnection, atLeast count: Int) -> Self {
        Self("consumers") { connection.isConnected && connection.consumerCount >= count }
    }

    /// The store answers a query (`store`).
    public static func store(_ store: SQLStore, name: String = "store") -> Self {
        Self(name) { (try? await store.read { db in try await db.raw("SELECT 1 AS one").run() }) != nil }
    }
}

/// A service group's services in the order that lets `/health/ready` report a drain: the
/// metrics server first (it stops last), then `services` as given, then a ``DrainWatcher``
/// (it hears the shutdown first). The metrics server serves `health`.
public func servicesWithHealth(
    _ services: [ServiceGroupConfiguration.ServiceConfiguration], metrics: MetricsServer?, health: Health
) -> [ServiceGroupConfiguration.ServiceConfiguration] {
    var metrics = metrics
    metrics?.health = health
    return (metrics.map { [.init(service: $0)] } ?? []) + services + [.init(service: DrainWatcher(health: health))]
}
