import AMQPClient
import Foundation
import HangarSettings
import HangarStorage
import Logging
import ServiceLifecycle

/// A service's settings: the common ones (broker, database, logging, data folder, instance)
/// and, through ``settings``, the service's own, all from the catalog (``Setting/all``) read
/// with swift-configuration (``SettingsReader``). A bad value is a ``SettingError``.
public struct ServiceEnvironment: Sendable {
    /// The reader of every setting.
    public let settings: SettingsReader
    /// The service's short name: `scheduler`, `recorder`, `intake`, `worker`, `notifier`.
    public let service: String

    /// Reads the process environment (or `variables`, in a test) for the service named `service`.
    public init(service: String, variables: [String: String]? = nil) {
        self.service = service
        self.settings = variables.map(SettingsReader.init(variables:)) ?? SettingsReader()
    }

    /// The setting's value; `nil` when it is unset or empty.
    public func string(_ setting: Setting) -> String? { settings.string(setting) }

    /// The setting's value, or `value` when it is unset or empty.
    public func string(_ setting: Setting, default value: String) -> String { settings.string(setting, default: value) }

    /// The setting as a whole number in `range`, or `value` when unset.
    public func int(_ setting: Setting, default value: Int, range: ClosedRange<Int> = 0...Int.max) throws(SettingError) -> Int {
        try settings.int(setting, default: value, range: range)
    }

    /// The setting as milliseconds, or `value` when unset.
    public func milliseconds(_ setting: Setting, default value: Duration) throws(SettingError) -> Duration {
        try settings.milliseconds(setting, default: value)
    }

    /// `HANGAR_LOG_LEVEL`: trace, debug, info, notice, warning, error or critical, in any case; `info` when unset.
    public var logLevel: Logger.Level {
        get throws(SettingError) {
            let levels: [Logger.Level] = [.trace, .debug, .info, .notice, .warning, .error, .critical]
            return try settings.choice(.logLevel, levels.map { ($0.rawValue, $0) }, default: .info)
        }
    }

    /// `HANGAR_DATA_DIR`: where SQLite databases (`<dir>/<service>.sqlite`) and other local files go.
    /// Default: `.hangar/data` in the current directory.
    public var dataDirectory: String {
        string(.dataDirectory, default: FileManager.default.currentDirectoryPath + "/.hangar/data")
    }

    /// The AMQP connection settings (`HANGAR_AMQP_URL`, `HANGAR_AMQP_HEARTBEAT`,
    /// `HANGAR_QUEUE_TYPE`), named after the service and this process.
    public func amqp() throws -> AMQPConfiguration {
        var configuration = try AMQPConfiguration(
            url: string(.amqpURL, default: "amqp://guest:guest@127.0.0.1:5672/"),
            connectionName: "hangar-\(service)-\(ProcessInfo.processInfo.processIdentifier)")
        if string(.amqpHeartbeat) != nil {
            configuration.heartbeat = .seconds(try int(.amqpHeartbeat, default: 10, range: 0...Int(UInt16.max)))
        }
        configuration.queueType = try settings.choice(.queueType, [("classic", .classic), ("quorum", .quorum)], default: .classic)
        return configuration
    }

    /// The database of `owner` (this service's own by default): PostgreSQL when a URL is
    /// set (one schema per service, named `<HANGAR_DATABASE_SCHEMA_PREFIX><owner>`), otherwise
    /// `<data dir>/<owner>.sqlite`, with `PRAGMA synchronous` from `HANGAR_SQLITE_SYNCHRONOUS`
    /// (`normal`, the default, or `full`).
    public func database(owner: String? = nil, readOnly: Bool = false) throws -> DatabaseConfiguration {
        let owner = owner ?? service
        let prefix = string(.databaseSchemaPrefix, default: "")
        let url =
            Setting.databaseURL(of: owner).flatMap(string)
            ?? string(.databaseURL).map { url in
                guard url.hasPrefix("postgres"), !url.contains("schema=") else { return url }
                return url + (url.contains("?") ? "&" : "?") + "schema=\(prefix)\(owner)"
            }
        var configuration = try DatabaseConfiguration.from(url: url, defaultSQLitePath: "\(dataDirectory)/\(owner).sqlite")
        configuration.readOnly = readOnly
        // SQLite's durability on a power loss (docs/durability.md); a URL's `?synchronous=` wins.
        if case .sqlite(var sqlite) = configuration.backend, url?.contains("synchronous=") != true, string(.sqliteSynchronous) != nil {
            sqlite.synchronous = try settings.choice(
                .sqliteSynchronous, [("normal", SQLiteSynchronous.normal), ("full", .full)], default: sqlite.synchronous)
            configuration.backend = .sqlite(sqlite)
        }
        return configuration
    }

    /// A name for this replica: `HANGAR_INSTANCE`, or host name and process id.
    public var instance: String {
        string(.instance, default: "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)")
    }
}

/// Bootstraps swift-log once for a service's `main`, at `level`, writing to standard error
/// as text or as one JSON object per line.
public func bootstrapLogging(level: Logger.Level, format: LogFormat = .text) {
    switch format {
    case .text:
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    case .json:
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
    }
}

extension ServiceEnvironment {
    /// `HANGAR_LOG_FORMAT`: `text` (the default) or `json`.
    public var logFormat: LogFormat {
        get throws(SettingError) { try settings.choice(.logFormat, [("text", .text), ("json", .json)], default: .text) }
    }
}

/// Runs a service's group until it ends. An error that ends it is logged
/// (`hangar.<service>.failed`, critical) and the process exits with status 1, instead of
/// trapping at the top level with a crash trace.
public func runServiceGroup(_ group: ServiceGroup, service: String, logger: Logger) async {
    do {
        try await group.run()
    } catch {
        logger.critical("hangar.\(service).failed", metadata: ["error": "\(error)"])
        exit(1)
    }
}

/// Prints `error` and exits with status 2: for configuration errors at startup.
public func exitWithConfigurationError(_ error: any Error, service: String) -> Never {
    FileHandle.standardError.write(Data("hangar-\(service): configuration error: \(error)\n".utf8))
    exit(2)
}
