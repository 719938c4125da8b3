import AMQPClient
import Foundation
import HangarHistory
import HangarMessaging
import HangarRuntime
import HangarSettings
import HangarStorage
import Hummingbird
import Logging
import ServiceLifecycle

/// How intake listens and who may call it.
public struct IntakeConfiguration: Sendable {
    /// Listen address. Default: 127.0.0.1:8080.
    public var host: String
    /// The TCP port the API and console listen on (`HANGAR_HTTP_PORT`, 8080 by default).
    public var port: Int
    /// Bearer tokens with their roles.
    public var tokens: [APIToken]
    /// RabbitMQ's management API, for `GET /v1/queues`
    /// (`HANGAR_RABBITMQ_MANAGEMENT_URL`, default `http://guest:guest@127.0.0.1:15672`).
    public var managementURL: String = "http://guest:guest@127.0.0.1:15672"
    /// Hourly instance prices for the cost of an environment: the built-in table, with
    /// `HANGAR_INSTANCE_PRICES` laid over it (``PriceTable/load(overrides:)``).
    public var instancePrices = (try? PriceTable.builtIn.get()) ?? PriceTable(currency: "USD", defaultRegion: "us-east-1", prices: [:], sources: [])
    /// Where the console's files are (`HANGAR_CONSOLE_DIR`); default: see ``ConsoleFiles``.
    public var consoleDirectory: String?
    /// How long intake waits for a worker to answer a server request (`HANGAR_SERVER_REQUEST_TIMEOUT_MS`, 10 s).
    public var serverRequestTimeout: Duration = .seconds(10)
    /// How long an event stream may stay silent before intake writes a comment
    /// (`HANGAR_EVENTS_HEARTBEAT_MS`, 15 s).
    public var eventStreamHeartbeat: Duration = .seconds(15)
    /// How long the event feed stays bound after the last live stream closed.
    public var eventFeedLinger: Duration = .seconds(30)
    /// A name unique to this process, for its private queues (events feed, replies).
    public var instance: String =
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uppercasedString.prefix(8).lowercased())"

    /// Count HTTP requests in swift-metrics (`main` bootstrapped a registry, served on the
    /// metrics port: `/metrics` is not on the API's port, where anyone could read it).
    public var requestMetrics = false
    /// A span per HTTP request (`main` bootstrapped a tracer: see `bootstrapTracing`).
    public var requestTracing = false

    /// Reads intake's settings (`HANGAR_TOKENS`, `HANGAR_HTTP_*`, `HANGAR_RABBITMQ_MANAGEMENT_URL`,
    /// `HANGAR_INSTANCE_PRICES`, `HANGAR_CONSOLE_DIR`, `HANGAR_SERVER_REQUEST_TIMEOUT_MS`,
    /// `HANGAR_EVENTS_*`) with `settings`; `HANGAR_TOKENS` is required.
    public init(settings: SettingsReader) throws(SettingError) {
        let tokens = try settings.required(.tokens, accepts: "name:role:secret entries separated by commas (roles: viewer, deployer, admin)")
        self.init(
            host: settings.string(.httpHost, default: "127.0.0.1"), port: try settings.int(.httpPort, default: 8080, range: 1...65535),
            tokens: try APIToken.parse(tokens))
        if let url = settings.string(.managementURL) { managementURL = url }
        instancePrices = try PriceTable.load(overrides: settings.string(.instancePrices))
        consoleDirectory = settings.string(.consoleDirectory)
        serverRequestTimeout = try settings.milliseconds(.serverRequestTimeout, default: serverRequestTimeout)
        eventStreamHeartbeat = try settings.milliseconds(.eventsHeartbeat, default: eventStreamHeartbeat)
        eventFeedLinger = try settings.milliseconds(.eventsLinger, default: eventFeedLinger)
    }

    /// Creates a configuration with the listen address and the tokens; every other setting keeps its default.
    public init(host: String = "127.0.0.1", port: Int = 8080, tokens: [APIToken]) {
        self.host = host
        self.port = port
        self.tokens = tokens
    }
}

extension IntakeConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    /// The settings as logs may show them: token names and roles, never their secrets; the
    /// management URL without its password.
    public var description: String {
        var management = URLComponents(string: managementURL)
        if management?.password != nil { management?.password = "redacted" }
        return "IntakeConfiguration(\(host):\(port), tokens: \(tokens.map(\.description)), "
            + "management: \(management?.string ?? "unparseable URL"), instance: \(instance))"
    }
    /// The same as ``description``: no secret.
    public var debugDescription: String { description }
}
