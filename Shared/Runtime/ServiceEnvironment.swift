import AMQPClient
import Foundation
import HangarStorage
import Logging
import ServiceLifecycle

/// Reads a service's settings from environment variables, with clear errors.
///
/// Common variables: `HANGAR_AMQP_URL`, `HANGAR_LOG_LEVEL` (trace…critical, default info),
/// `HANGAR_LOG_FORMAT` (text or json),
/// `HANGAR_DATA_DIR` (default `./.hangar/data`), `HANGAR_DATABASE_URL` or
/// `HANGAR_<SERVICE>_DATABASE_URL` (a `postgres://` URL; default: SQLite in the data folder).
public struct ServiceEnvironment: Sendable {
    /// The environment variables read: the process's by default, or a dictionary a test gives.
    public let variables: [String: String]
    /// The service's short name: `scheduler`, `recorder`, `intake`, `worker`.
    public let service: String

    /// Reads `variables` (the process environment by default) for the service named `service`.
    public init(service: String, variables: [String: String] = ProcessInfo.processInfo.environment) {
        self.service = service
        self.variables = variables
    }

    /// The variable's value; `nil` when it is unset or empty.
    public func string(_ name: String) -> String? {
        variables[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The variable's value, or `value` when it is unset or empty.
    public func string(_ name: String, default value: String) -> String {
        string(name) ?? value
    }

    /// The variable as a whole number, or `value` when it is unset or empty. Throws ``ConfigurationError``
    /// when it is not a number or lies outside `range`.
    public func int(_ name: String, default value: Int, range: ClosedRange<Int> = 0...Int.max) throws -> Int {
        guard let text = string(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw ConfigurationError("\(name) must be a whole number in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return number
    }

    /// Milliseconds as a `Duration`.
    public func milliseconds(_ name: String, default value: Duration) throws -> Duration {
        guard string(name) != nil else { return value }
        return .milliseconds(try int(name, default: 0, range: 0...Int(Int32.max)))
    }

    /// `HANGAR_LOG_LEVEL`: trace, debug, info, notice, warning, error or critical, in any case; `info` when
    /// unset. Throws ``ConfigurationError`` for another value.
    public var logLevel: Logger.Level {
        get throws {
            let text = string("HANGAR_LOG_LEVEL", default: "info")
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw ConfigurationError("HANGAR_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical; got '\(text)'")
            }
            return level
        }
    }

    /// `HANGAR_DATA_DIR`: where SQLite databases (`<dir>/<service>.sqlite`) and other local files go.
    /// Default: `.hangar/data` in the current directory.
    public var dataDirectory: String {
        string("HANGAR_DATA_DIR", default: FileManager.default.currentDirectoryPath + "/.hangar/data")
    }

    /// The AMQP connection settings, named after the service and this process.
    public func amqp() throws -> AMQPConfiguration {
        try AMQPConfiguration.fromEnvironment(variables, connectionName: "hangar-\(service)-\(ProcessInfo.processInfo.processIdentifier)")
    }

    /// The database of `owner` (this service's own by default): PostgreSQL when a URL is
    /// set (one schema per service, named `<HANGAR_DATABASE_SCHEMA_PREFIX><owner>`), otherwise
    /// `<data dir>/<owner>.sqlite`, with `PRAGMA synchronous` from `HANGAR_SQLITE_SYNCHRONOUS`
    /// (`normal`, the default, or `full`).
    public func database(owner: String? = nil, readOnly: Bool = false) throws -> DatabaseConfiguration {
        let owner = owner ?? service
        let prefix = string("HANGAR_DATABASE_SCHEMA_PREFIX", default: "")
        let url =
            string("HANGAR_\(owner.uppercased())_DATABASE_URL")
            ?? string("HANGAR_DATABASE_URL").map { url in
                guard url.hasPrefix("postgres"), !url.contains("schema=") else { return url }
                return url + (url.contains("?") ? "&" : "?") + "schema=\(prefix)\(owner)"
            }
        var configuration = try DatabaseConfiguration.from(url: url, defaultSQLitePath: "\(dataDirectory)/\(owner).sqlite")
        configuration.readOnly = readOnly
        // SQLite's durability on a power loss (docs/durability.md); a URL's `?synchronous=` wins.
        if case .sqlite(var sqlite) = configuration.backend, url?.contains("synchronous=") != true,
            let text = string("HANGAR_SQLITE_SYNCHRONOUS")
        {
            guard let level = SQLiteSynchronous(rawValue: text.uppercased()), level == .normal || level == .full else {
                throw ConfigurationError("HANGAR_SQLITE_SYNCHRONOUS must be normal or full, got '\(text)'")
            }
            sqlite.synchronous = level
            configuration.backend = .sqlite(sqlite)
        }
        return configuration
    }

    /// A name for this replica: `HANGAR_INSTANCE`, or host name and process id.
    public var instance: String {
        string("HANGAR_INSTANCE", default: "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)")
    }
}

/// A setting is missing or invalid.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// What is wrong, naming the variable and the value found.
    public var description: String
    /// An error that says `description`.
    public init(_ description: String) { self.description = description }
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
        get throws {
            let text = string("HANGAR_LOG_FORMAT", default: "text").lowercased()
            guard let format = LogFormat(rawValue: text) else {
                throw ConfigurationError("HANGAR_LOG_FORMAT must be text or json; got '\(text)'")
            }
            return format
        }
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
