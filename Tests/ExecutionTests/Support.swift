import AMQPClient
import Foundation
import HangarContracts
import HangarProviders
import Logging

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Commands and helpers shared by the tests.
enum Fixtures {
    static let environmentId = UUID(uuidString: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")!

    static func command(
        _ step: StepName, deployment: UUID = UUID(), settings: [String: JSONValue] = [:], attempt: Int = 1, poll: Int = 0,
        options: DeploymentOptions = .init(), mode: PublishMode = .optimized, reconnection: Reconnection? = nil,
        outputs: [String: String] = [:], version: String? = nil, provider: String = SimulatedProvider.name,
        dispatchId: UUID = UUID(), continuation: JSONValue? = nil
    ) -> ExecuteStep {
        ExecuteStep(
            deploymentId: deployment, environmentId: environmentId, environmentName: "web", version: version, step: step,
            attempt: attempt, dispatchId: dispatchId, target: ProviderTarget(provider: provider, settings: settings),
            options: options, mode: mode, reconnection: reconnection, outputs: outputs, continuation: continuation,
            poll: poll)
    }

    /// Outputs as the steps before `create_models` would have produced them.
    static let imageOutputs = ["imageId": "ami-0123456789abcdef0"]
    /// Outputs as the steps before `replace_instances` would have produced them.
    static let modelOutputs = ["imageId": "ami-0123456789abcdef0", "mainModelVersion": "12", "backupModelVersion": "13"]
}

/// Collects values from concurrent tasks.
actor Collector<Value: Sendable> {
    private(set) var values: [Value] = []
    func add(_ value: Value) { values.append(value) }
    var count: Int { values.count }
}

/// Runs `provider` on `command`, collecting its progress lines.
func run(_ command: ExecuteStep, on provider: any Provider = SimulatedProvider()) async throws -> (StepOutcome, [String]) {
    let lines = Collector<String>()
    let outcome = try await provider.execute(command) { await lines.add($0) }
    return (outcome, await lines.values)
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
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

/// The real broker (see `deploy/rabbitmq/start.sh`), or `HANGAR_TEST_AMQP_URL` and
/// `HANGAR_TEST_MANAGEMENT_URL`. Each integration test runs in a virtual host of its own,
/// so that its events reach no other queue bound to `hangar.events`.
enum TestBroker {
    static let environment = ProcessInfo.processInfo.environment
    static let amqpURL = environment["HANGAR_TEST_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/"
    static let managementURL = environment["HANGAR_TEST_MANAGEMENT_URL"] ?? "http://127.0.0.1:15672"

    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = environment["HANGAR_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        return logger
    }

    /// A unique name for a queue of one test.
    static func unique(_ prefix: String) -> String {
        "test.\(prefix).\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Connects to `virtualHost` (default: the URL's).
    static func connect(_ prefix: String, virtualHost: String? = nil) async throws -> AMQPConnection {
        var configuration = try AMQPConfiguration(url: amqpURL, connectionName: unique(prefix))
        if let virtualHost { configuration.virtualHost = virtualHost }
        configuration.reconnect = .init(initial: .milliseconds(50), maximum: .seconds(1))
        let connection = AMQPConnection(configuration: configuration, logger: logger)
        try await connection.waitUntilConnected(timeout: .seconds(15))
        return connection
    }

    /// Creates a virtual host for one test, with all permissions for guest.
    static func createVirtualHost(_ prefix: String) async throws -> String {
        let name = "hangar-test-\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        try await management("PUT", "/api/vhosts/\(name)")
        try await management("PUT", "/api/permissions/\(name)/guest", body: #"{"configure":".*","write":".*","read":".*"}"#)
        return name
    }

    static func deleteVirtualHost(_ name: String) async throws {
        try await management("DELETE", "/api/vhosts/\(name)")
    }

    private static func management(_ method: String, _ path: String, body: String? = nil) async throws {
        var request = URLRequest(url: URL(string: managementURL + path)!)
        request.httpMethod = method
        request.setValue("Basic \(Data("guest:guest".utf8).base64EncodedString())", forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (_, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else { throw TestFailure("\(method) \(path) answered \(status)") }
    }
}

// Literal JSON in tests: `["polls": ["create_image": 2]]`.
extension JSONValue: ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }

    public init(arrayLiteral elements: JSONValue...) {
        self = .array(elements)
    }
}
