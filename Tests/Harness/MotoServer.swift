import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A moto server (a local AWS emulator, `deploy/moto/start.sh`) on a free loopback port, for the
/// AWS provider's tests. moto keeps its state in memory: each suite starts its own.
public final class MotoServer: @unchecked Sendable {
    public let port: Int
    private let process: HelperProcess

    /// The URL to give as `HANGAR_AWS_ENDPOINT_URL`.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// What a worker (or a client) needs to talk to it: the endpoint and dummy credentials.
    public var environment: [String: String] {
        ["HANGAR_AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"]
    }

    static var startScript: String { HangarSystem.repositoryRoot.appendingPathComponent("deploy/moto/start.sh").path }

    /// Starts it and waits until it answers.
    public init(timeout: Duration = .seconds(120)) async throws {
        (port, process) = try await HelperProcess.onFreePort { port in
            try await HelperProcess(
                "moto-\(port)", executable: "/bin/bash", arguments: [Self.startScript, "--port", String(port)], timeout: timeout
            ) {
                guard let (_, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/moto-api/")!)
                else { return false }
                return (response as? HTTPURLResponse)?.statusCode == 200
            }
        }
    }

    /// The ids `deploy/moto/seed.py` made, as an environment's target settings (plus facts).
    /// Seeds the environment's resources (`deploy/moto/seed.py`); `targetGroup`: the group
    /// registers its instances with a load balancer target group (`targetGroupArn`).
    public func seed(name: String = "test", instances: Int = 3, versions: Int = 3, targetGroup: Bool = false) throws -> [String: String] {
        let python = HangarSystem.repositoryRoot.appendingPathComponent(".hangar/moto-venv/bin/python").path
        let venvPython = ProcessInfo.processInfo.environment["HANGAR_MOTO_VENV"].map { "\($0)/bin/python" } ?? python
        let seed = Process()
        seed.executableURL = URL(fileURLWithPath: venvPython)
        seed.arguments =
            [
                HangarSystem.repositoryRoot.appendingPathComponent("deploy/moto/seed.py").path, "--endpoint", endpoint, "--name", name,
                "--instances", String(instances), "--versions", String(versions),
            ] + (targetGroup ? ["--target-group"] : [])
        let output = Pipe()
        seed.standardOutput = output
        try seed.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        seed.waitUntilExit()
        guard seed.terminationStatus == 0, let object = try JSONSerialization.jsonObject(with: data) as? [String: String] else {
            throw E2EFailure("seeding moto failed (\(seed.terminationStatus)): \(String(decoding: data, as: UTF8.self))")
        }
        return object
    }

    /// Stops the server.
    public func stop() { process.stop() }

}

/// `deploy/moto/proxy.py` in front of a ``MotoServer``: delays every call (so that a worker
/// killed every few seconds dies mid-call), and with `instanceRefresh` answers the Auto
/// Scaling instance refresh calls moto lacks (their bookkeeping only; see the script); Run
/// Command invocations on `unreachableInstances` answer `Failed`; a target deregistered from a
/// load balancer target group is `draining` for its first `drainingChecks` health checks; the
/// first `gatewayErrors` calls get a gateway's HTML 503 from the proxy itself.
public final class MotoProxy: @unchecked Sendable {
    public let port: Int
    private let process: HelperProcess

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// What a worker needs to talk to the cloud through the proxy.
    public var environment: [String: String] {
        ["HANGAR_AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"]
    }

    public init(
        upstream: MotoServer, delayMilliseconds: Int = 0, instanceRefresh: Bool = false, refreshChecks: Int = 3, refreshRollback: Bool = false,
        unreachableInstances: [String] = [], drainingChecks: Int = 0, gatewayErrors: Int = 0, timeout: Duration = .seconds(30)
    ) async throws {
        (port, process) = try await HelperProcess.onFreePort { port in
            var arguments: [String] = [
                HangarSystem.repositoryRoot.appendingPathComponent("deploy/moto/proxy.py").path, "--port", String(port),
                "--upstream", upstream.endpoint, "--delay-ms", String(delayMilliseconds), "--refresh-checks", String(refreshChecks),
            ]
            if instanceRefresh { arguments.append("--instance-refresh") }
            if refreshRollback { arguments.append("--refresh-rollback") }
            for instance in unreachableInstances { arguments += ["--unreachable-instance", instance] }
            arguments += ["--draining-checks", String(drainingChecks), "--gateway-errors", String(gatewayErrors)]
            return try await HelperProcess("moto-proxy-\(port)", executable: "/usr/bin/python3", arguments: arguments, timeout: timeout) {
                (try? await Self.refreshes(at: "http://127.0.0.1:\(port)")) != nil
            }
        }
    }

    /// The instance refreshes started through the proxy: their ids and statuses.
    public func refreshes() async throws -> [(id: String, status: String)] {
        try await Self.refreshes(at: endpoint)
    }

    /// The preferences (`Preferences.` left out of their names) each refresh was started with, oldest last.
    public func refreshPreferences() async throws -> [[String: String]] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "\(endpoint)/hangar-proxy/refreshes")!)
        let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return list.map { $0["Preferences"] as? [String: String] ?? [:] }
    }

    private static func refreshes(at endpoint: String) async throws -> [(id: String, status: String)] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "\(endpoint)/hangar-proxy/refreshes")!)
        let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return list.map { ($0["InstanceRefreshId"] as? String ?? "", $0["Status"] as? String ?? "") }
    }

    public func stop() { process.stop() }
}
