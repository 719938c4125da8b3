import AMQPClient
import Foundation
import Logging

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real broker the integration tests use: the project-local node that
/// `deploy/rabbitmq/start.sh` runs, or whatever `HANGAR_TEST_AMQP_URL` names.
enum TestBroker {
    static let environment = ProcessInfo.processInfo.environment
    static let amqpURL = environment["HANGAR_TEST_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/"
    static let managementURL = environment["HANGAR_TEST_MANAGEMENT_URL"] ?? "http://127.0.0.1:15672"
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = environment["HANGAR_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }

    /// A unique name for a queue or exchange of one test.
    static func unique(_ prefix: String) -> String {
        "test.\(prefix).\(UUID().uuidString.prefix(8).lowercased())"
    }

    static func configuration(name: String, heartbeat: Duration = .seconds(10)) throws -> AMQPConfiguration {
        var configuration = try AMQPConfiguration(url: amqpURL, connectionName: name)
        configuration.heartbeat = heartbeat
        configuration.reconnect = .init(initial: .milliseconds(50), maximum: .seconds(1))
        return configuration
    }

    /// A connected connection with a unique name.
    static func connect(_ prefix: String, heartbeat: Duration = .seconds(10)) async throws -> AMQPConnection {
        let connection = AMQPConnection(configuration: try configuration(name: unique(prefix), heartbeat: heartbeat), logger: logger)
        try await connection.waitUntilConnected(timeout: .seconds(15))
        return connection
    }

    // MARK: Management API

    static func management(_ method: String, _ path: String) async throws -> (Data, Int) {
        var request = URLRequest(url: URL(string: managementURL + path)!)
        request.httpMethod = method
        let credentials = Data("guest:guest".utf8).base64EncodedString()
        request.setValue("Basic \(credentials)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    /// Names (as the management API knows them) of the open connections whose
    /// client-provided name is `connectionName`.
    static func connections(named connectionName: String) async throws -> [String] {
        let (data, _) = try await management("GET", "/api/connections?columns=name,client_properties")
        let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return list.compactMap { entry in
            let properties = entry["client_properties"] as? [String: Any]
            guard properties?["connection_name"] as? String == connectionName else { return nil }
            return entry["name"] as? String
        }
    }

    /// Force-closes the connection named `connectionName`, as an operator would from the
    /// management UI. Waits until the management API lists it (stats lag a little).
    static func forceClose(connectionNamed connectionName: String) async throws {
        var names: [String] = []
        for _ in 0..<100 {
            names = try await connections(named: connectionName)
            if !names.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard !names.isEmpty else { throw TestFailure("connection \(connectionName) not listed by the management API") }
        for name in names {
            let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
            let (_, status) = try await management("DELETE", "/api/connections/\(encoded)")
            guard (200..<300).contains(status) else { throw TestFailure("DELETE connection answered \(status)") }
        }
    }

    /// Ready and unacknowledged message counts of a queue, from the management API.
    static func queueCounts(_ queue: String) async throws -> (ready: Int, unacked: Int) {
        let encoded = queue.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? queue
        let (data, status) = try await management("GET", "/api/queues/%2F/\(encoded)")
        guard status == 200 else { throw TestFailure("GET queue \(queue) answered \(status)") }
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        return (object["messages_ready"] as? Int ?? -1, object["messages_unacknowledged"] as? Int ?? -1)
    }

    /// Restarts the broker's application (all client connections drop) with the project script.
    static func restart() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryRoot.appendingPathComponent("deploy/rabbitmq/restart.sh").path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("restart.sh exited \(process.terminationStatus)") }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Collects values from concurrent tasks.
actor Collector<Value: Sendable & Hashable> {
    private(set) var values: [Value] = []
    func add(_ value: Value) { values.append(value) }
    var count: Int { values.count }
    var unique: Set<Value> { Set(values) }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(
    timeout: Duration = .seconds(20), _ what: String, _ condition: @Sendable () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestFailure("timed out waiting for: \(what)")
}
