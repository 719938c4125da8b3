import AMQPClient
import Foundation
import HangarHistory
import HangarMessaging
import HangarStorage
import Hummingbird
import Logging
import ServiceLifecycle

/// How intake listens and who may call it.
public struct IntakeConfiguration: Sendable {
    /// Listen address. Default: 127.0.0.1:8080.
    public var host: String
    public var port: Int
    /// Bearer tokens with their roles.
    public var tokens: [APIToken]

    public init(host: String = "127.0.0.1", port: Int = 8080, tokens: [APIToken]) {
        self.host = host
        self.port = port
        self.tokens = tokens
    }
}

/// Intake: the HTTP API (and, later, the console). Owns the environment catalog and the
/// accepted submissions; reads the recorder's history store.
public struct IntakeService: Service {
    private let configuration: IntakeConfiguration
    private let connection: AMQPConnection
    private let intakeStore: SQLStore
    private let historyStore: SQLStore
    private let logger: Logger

    public init(configuration: IntakeConfiguration, connection: AMQPConnection, intakeStore: SQLStore, historyStore: SQLStore, logger: Logger) {
        self.configuration = configuration
        self.connection = connection
        self.intakeStore = intakeStore
        self.historyStore = historyStore
        self.logger = logger
    }

    public func run() async throws {
        let intake = IntakeStore(store: intakeStore)
        try await intake.migrate()
        // The recorder owns these tables; creating them here too lets intake start first.
        try await HistoryProjector(store: historyStore).migrate()
        try await connection.declare(HangarTopology.all)
        let api = IntakeAPI(
            intake: intake, history: HistoryQueries(store: historyStore),
            bus: MessageBus(connection: connection, appId: "hangar-intake"),
            auth: Authenticator(tokens: configuration.tokens), logger: logger)
        let router = Router()
        api.addRoutes(to: router)
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "hangar-intake"),
            logger: logger)
        logger.info("intake.listening", metadata: ["http.address": "\(configuration.host):\(configuration.port)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.run() }
            group.addTask { await cancelWhenGracefulShutdown { await relay(api: api, intake: intake) } }
            try await group.waitForAll()
        }
    }

    /// Publishes accepted submissions whose publish failed (broker down at the time).
    private func relay(api: IntakeAPI, intake: IntakeStore) async {
        while !Task.isCancelled {
            do {
                for request in try await intake.unpublished(olderThan: 2) {
                    await api.publish(request)
                }
            } catch {
                logger.warning("intake.relay.failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
