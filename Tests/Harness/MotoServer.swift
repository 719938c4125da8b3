import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A moto server (a local AWS emulator, `deploy/moto/start.sh`) on a free loopback port, for the
/// AWS provider's tests. moto keeps its state in memory: each suite starts its own.
public final class MotoServer: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let log: URL

    /// The URL to give as `HANGAR_AWS_ENDPOINT_URL`.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// What a worker (or a client) needs to talk to it: the endpoint and dummy credentials.
    public var environment: [String: String] {
        ["HANGAR_AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"]
    }

    static var startScript: String { HangarSystem.repositoryRoot.appendingPathComponent("deploy/moto/start.sh").path }

    /// Starts it and waits until it answers.
    public init(timeout: Duration = .seconds(120)) async throws {
        port = HangarSystem.freePort()
        log = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-moto-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Self.startScript, "--port", String(port)]
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while true {
            if let (_, response) = try? await URLSession.shared.data(from: URL(string: "\(endpoint)/moto-api/")!),
                (response as? HTTPURLResponse)?.statusCode == 200
            {
                return
            }
            guard process.isRunning, ContinuousClock.now < deadline else {
                stop()
                throw E2EFailure("moto did not start on port \(port): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The ids `deploy/moto/seed.py` made, as an environment's target settings (plus facts).
    public func seed(name: String = "test", instances: Int = 3, versions: Int = 3) throws -> [String: String] {
        let python = HangarSystem.repositoryRoot.appendingPathComponent(".hangar/moto-venv/bin/python").path
        let venvPython = ProcessInfo.processInfo.environment["HANGAR_MOTO_VENV"].map { "\($0)/bin/python" } ?? python
        let seed = Process()
        seed.executableURL = URL(fileURLWithPath: venvPython)
        seed.arguments = [
            HangarSystem.repositoryRoot.appendingPathComponent("deploy/moto/seed.py").path, "--endpoint", endpoint, "--name", name,
            "--instances", String(instances), "--versions", String(versions),
        ]
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
    /// moto exits on SIGTERM only once its open keep-alive connections close: SIGKILL after 2 s.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<20 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// `deploy/moto/proxy.py` in front of a ``MotoServer``: delays every call (so that a worker
/// killed every few seconds dies mid-call), and with `instanceRefresh` answers the Auto
/// Scaling instance refresh calls moto lacks (their bookkeeping only; see the script).
public final class MotoProxy: @unchecked Sendable {
    public let port: Int
    private let process: Process
    private let log: URL

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// What a worker needs to talk to the cloud through the proxy.
    public var environment: [String: String] {
        ["HANGAR_AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"]
    }

    public init(
        upstream: MotoServer, delayMilliseconds: Int = 0, instanceRefresh: Bool = false, refreshChecks: Int = 3,
        timeout: Duration = .seconds(30)
    ) async throws {
        port = HangarSystem.freePort()
        log = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-moto-proxy-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            HangarSystem.repositoryRoot.appendingPathComponent("deploy/moto/proxy.py").path, "--port", String(port),
            "--upstream", upstream.endpoint, "--delay-ms", String(delayMilliseconds), "--refresh-checks", String(refreshChecks),
        ] + (instanceRefresh ? ["--instance-refresh"] : [])
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while true {
            if (try? await refreshes()) != nil { return }
            guard process.isRunning, ContinuousClock.now < deadline else {
                stop()
                throw E2EFailure("the moto proxy did not start on port \(port): \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The instance refreshes started through the proxy: their ids and statuses.
    public func refreshes() async throws -> [(id: String, status: String)] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "\(endpoint)/hangar-proxy/refreshes")!)
        let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return list.map { ($0["InstanceRefreshId"] as? String ?? "", $0["Status"] as? String ?? "") }
    }

    /// Stops it: SIGTERM, and SIGKILL if it is still there after 2 s.
    public func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<20 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}
