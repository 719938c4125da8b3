import Foundation
import HangarContracts
import HangarHistory
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A whole Hangar — intake, scheduler, recorder, workers and (when asked) the notifier as separate processes — on the
/// real broker, isolated in a RabbitMQ virtual host and a data folder of its own.
public final class HangarSystem: @unchecked Sendable {
    public enum Service: String, Sendable { case intake, scheduler, recorder, worker, notifier }

    static let environment = ProcessInfo.processInfo.environment
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// Where the service executables are: `HANGAR_BIN_DIR`, or `.build/debug`.
    public static let binDirectory = environment["HANGAR_BIN_DIR"] ?? repositoryRoot.appendingPathComponent(".build/debug").path
    public static let managementURL = environment["HANGAR_TEST_MANAGEMENT_URL"] ?? "http://127.0.0.1:15672"
    /// The broker, without a virtual host: `HANGAR_TEST_AMQP_URL`, or the local one.
    public static let amqpURL: String = {
        let url = environment["HANGAR_TEST_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/"
        guard var parts = URLComponents(string: url) else { return url }
        parts.path = "/"
        return parts.string ?? url
    }()
    public static let adminToken = "test-admin-token"
    public static let deployerToken = "test-deployer-token"
    public static let viewerToken = "test-viewer-token"

    public let name: String
    public let vhost: String
    public let dataDirectory: URL
    public let port: Int
    /// Added to (or overriding) every service's environment.
    public var extraEnvironment: [String: String]
    /// Where the service executables are.
    public var binDirectory = HangarSystem.binDirectory
    private let processes = Mutex<[String: Process]>([:])
    private let metricsPorts = Mutex<[String: Int]>([:])

    /// Where the service started as `key` serves `/metrics` (its own metrics port).
    public func metricsURL(_ key: String) -> String? {
        metricsPorts.withLock { $0[key] }.map { "http://127.0.0.1:\($0)/metrics" }
    }
    private let logDirectory: URL

    /// Creates the vhost and data folder; start services with ``start(_:name:)``.
    public init(_ name: String, extraEnvironment: [String: String] = [:]) async throws {
        self.name = name
        let suffix = UUID().uuidString.prefix(8).lowercased()
        vhost = "hangar-test-\(name)-\(suffix)\(Self.processSuffix)"
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(Self.dataFolderPrefix)\(name)-\(suffix)\(Self.processSuffix)")
        logDirectory = dataDirectory.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logDirectory, withIntermediateDirectories: true)
        port = Self.freePort()
        self.extraEnvironment = extraEnvironment
        await Self.deleteStaleLeftovers()
        try await Self.management("PUT", "/api/vhosts/\(vhost)")
        try await Self.management("PUT", "/api/permissions/\(vhost)/guest", body: #"{"configure":".*","write":".*","read":".*"}"#)
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Where the notifier writes emails when no SMTP server is configured (its default).
    public var outboxDirectory: URL { dataDirectory.appendingPathComponent("outbox") }

    private var serviceEnvironment: [String: String] {
        var variables = ProcessInfo.processInfo.environment
        variables["HANGAR_AMQP_URL"] = Self.amqpURL + vhost
        variables["HANGAR_DATA_DIR"] = dataDirectory.path
        variables["HANGAR_HTTP_PORT"] = String(port)
        variables["HANGAR_CONSOLE_URL"] = "\(baseURL)/console/"
        variables["HANGAR_TOKENS"] = "admin:admin:\(Self.adminToken),deployer:deployer:\(Self.deployerToken),viewer:viewer:\(Self.viewerToken)"
        variables["HANGAR_LOG_LEVEL"] = Self.environment["HANGAR_TEST_SERVICE_LOG_LEVEL"] ?? "info"
        variables["HANGAR_SCHEDULER_RETRY_BASE_MS"] = "200"
        variables["HANGAR_SCHEDULER_RECONCILE_INTERVAL_MS"] = "1000"
        for (key, value) in extraEnvironment { variables[key] = value }
        return variables
    }

    /// Starts a service process; `name` tells several workers apart.
    @discardableResult
    public func start(_ service: Service, name: String? = nil, environment extra: [String: String] = [:]) throws -> String {
        let key = name ?? service.rawValue
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(binDirectory)/hangar-\(service.rawValue)")
        var environment = serviceEnvironment
        if service == .worker { environment["HANGAR_WORKER_NAME"] = key }
        // Each process its own /metrics port.
        let metricsPort = Self.freePort()
        environment["HANGAR_METRICS_PORT"] = String(metricsPort)
        metricsPorts.withLock { $0[key] = metricsPort }
        for (variable, value) in extra { environment[variable] = value }
        process.environment = environment
        let log = logDirectory.appendingPathComponent("\(key).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        ChildProcesses.add(process.processIdentifier)
        processes.withLock { $0[key] = process }
        return key
    }

    /// Starts intake, scheduler, recorder, `workers` workers and, if asked, the notifier (its
    /// emails go to ``outboxDirectory`` unless `HANGAR_SMTP_URL` is set), and waits until intake is ready.
    public func startAll(workers: Int = 1, workerEnvironment: [String: String] = [:], notifier: Bool = false) async throws {
        try start(.scheduler)
        try start(.recorder)
        if notifier { try start(.notifier) }
        for index in 1...max(1, workers) { try start(.worker, name: "worker-\(index)", environment: workerEnvironment) }
        try start(.intake)
        try await waitUntilReady()
    }

    public func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = "no answer"
        while ContinuousClock.now < deadline {
            if let (body, status) = try? await request("GET", "/health/ready", token: nil) {
                if status == 200 { return }
                last = "\(status) \(String(decoding: body, as: UTF8.self))"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw E2EFailure("intake not ready after \(timeout) (last answer: \(last)); logs: \(logDirectory.path)\n\(logs("intake"))")
    }

    /// Kills a service with `signal` (SIGKILL: a crash; SIGTERM: a graceful stop) and waits for it to exit;
    /// returns its exit status (nil when it was not running, or died of a signal).
    @discardableResult
    public func stop(_ key: String, signal: Int32 = SIGKILL) -> Int32? {
        guard let process = processes.withLock({ $0.removeValue(forKey: key) }) else { return nil }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        ChildProcesses.remove(process.processIdentifier)
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    /// Sends `signal` to a service without waiting for it (SIGSTOP freezes it: its
    /// connections stay open but it answers nothing; SIGCONT resumes it).
    public func signal(_ key: String, _ signal: Int32) {
        guard let process = processes.withLock({ $0[key] }) else { return }
        kill(process.processIdentifier, signal)
    }

    /// The process id of a service started as `key`.
    public func processID(_ key: String) -> Int32? {
        processes.withLock { $0[key]?.processIdentifier }
    }

    /// The keys of the services started and not stopped, e.g. `worker-3`.
    public var running: [String] { processes.withLock { Array($0.keys) } }

    /// Every service's whole log so far, by key.
    public func allLogs() -> [String: String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: logDirectory.path)) ?? []
        return Dictionary(
            uniqueKeysWithValues: files.filter { $0.hasSuffix(".log") }.map { file in
                (String(file.dropLast(4)), (try? String(contentsOf: logDirectory.appendingPathComponent(file), encoding: .utf8)) ?? "")
            })
    }

    /// Creates a broker user (an administrator, for the management API too) with all
    /// permissions on this system's virtual host; ``shutdown()`` does not remove it: call
    /// ``deleteBrokerUser(_:)``.
    public func createBrokerUser(_ name: String, password: String) async throws {
        try await Self.management("PUT", "/api/users/\(name)", body: #"{"password":"\#(password)","tags":"administrator"}"#)
        try await Self.management(
            "PUT", "/api/permissions/\(vhost)/\(name)", body: #"{"configure":".*","write":".*","read":".*"}"#)
    }

    public func deleteBrokerUser(_ name: String) async {
        _ = try? await Self.management("DELETE", "/api/users/\(name)")
    }

    /// The tail of a service's log, for failure messages.
    public func logs(_ key: String, lines: Int = 40) -> String {
        let text = (try? String(contentsOf: logDirectory.appendingPathComponent("\(key).log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Stops everything, deletes the vhost and (unless `HANGAR_TEST_KEEP` is set) the data folder.
    public func shutdown() async {
        let all = processes.withLock { processes in
            defer { processes.removeAll() }
            return Array(processes.values)
        }
        for process in all { kill(process.processIdentifier, SIGTERM) }
        for process in all {
            process.waitUntilExit()
            ChildProcesses.remove(process.processIdentifier)
        }
        _ = try? await Self.management("DELETE", "/api/vhosts/\(vhost)")
        if Self.environment["HANGAR_TEST_KEEP"] == nil {
            try? FileManager.default.removeItem(at: dataDirectory)
        }
    }

    // MARK: The API

    @discardableResult
    public func request(
        _ method: String, _ path: String, token: String? = adminToken, body: String? = nil, headers: [String: String] = [:]
    )
        async throws -> (Data, Int)
    {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        request.timeoutInterval = 10
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        ResponseLog.shared?.record(request, response, body: data)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    /// Creates an environment on `provider` (default `simulated`) with `target` settings; returns its id.
    @discardableResult
    public func createEnvironment(
        _ name: String, provider: String = "simulated", target: String = "{}", limits: String = "{}"
    ) async throws -> String {
        let (data, status) = try await request(
            "POST", "/v1/environments",
            body: #"{"name":"\#(name)","provider":"\#(provider)","target":\#(target),"limits":\#(limits)}"#)
        guard status == 201 else { throw E2EFailure("create environment answered \(status): \(String(decoding: data, as: UTF8.self))") }
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["id"] as? String ?? ""
    }

    /// Submits a deployment; returns its id.
    public func deploy(_ environment: String, body: String = "{}", token: String = deployerToken) async throws -> UUID {
        let (data, status) = try await request("POST", "/v1/environments/\(environment)/deployments", token: token, body: body)
        guard status == 202 else { throw E2EFailure("deploy answered \(status): \(String(decoding: data, as: UTF8.self))") }
        return try HangarJSON.decoder.decode(DeploymentDetails.self, from: data).id
    }

    public func deployment(_ id: UUID) async throws -> DeploymentDetails {
        let (data, status) = try await request("GET", "/v1/deployments/\(id.uuidString.lowercased())", token: Self.viewerToken)
        guard status == 200 else { throw E2EFailure("GET deployment answered \(status): \(String(decoding: data, as: UTF8.self))") }
        return try HangarJSON.decoder.decode(DeploymentDetails.self, from: data)
    }

    /// Polls until the deployment reaches `status` (or any terminal status, which then fails the wait).
    public func wait(for id: UUID, status: DeploymentStatus, timeout: Duration = .seconds(60)) async throws -> DeploymentDetails {
        let deadline = ContinuousClock.now + timeout
        var last: DeploymentDetails?
        while ContinuousClock.now < deadline {
            let details = try await deployment(id)
            last = details
            if details.status == status { return details }
            if details.status.isTerminal {
                throw E2EFailure("deployment \(id) ended \(details.status.rawValue) (reason: \(details.reason ?? "-")), expected \(status.rawValue)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw E2EFailure(
            "deployment \(id) is \(last?.status.rawValue ?? "unknown") after \(timeout), expected \(status.rawValue)\n"
                + "scheduler:\n\(logs("scheduler", lines: 15))\nworker-1:\n\(logs("worker-1", lines: 15))")
    }

    // MARK: Helpers

    /// Calls the broker's management API as `guest`; returns the status, throwing on one that is
    /// not a success (except 404 for a `DELETE`).
    @discardableResult
    public static func management(_ method: String, _ path: String, body: String? = nil) async throws -> Int {
        var request = URLRequest(url: URL(string: managementURL + path)!)
        request.httpMethod = method
        request.setValue("Basic \(Data("guest:guest".utf8).base64EncodedString())", forHTTPHeaderField: "Authorization")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
        }
        let (_, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) || (method == "DELETE" && status == 404) else {
            throw E2EFailure("management API \(method) \(path) answered \(status)")
        }
        return status
    }

    /// A loopback TCP port no other part of this test process has been given, free when checked.
    ///
    /// Ports come from 20000–31999, below the kernel's ephemeral range (32768 and up), so a
    /// client connection cannot take one between this call and the service's bind, and from a
    /// process-wide counter, so two services of one run never get the same port (asking the
    /// kernel for port 0 and closing it handed the same port to two services in one CI run).
    public static func freePort() -> Int {
        while true {
            let port = nextPort.withLock { next in
                defer { next = next + 1 >= portRange.upperBound ? portRange.lowerBound : next + 1 }
                return next
            }
            if canListen(on: port) { return port }
        }
    }

    private static let portRange = 20000..<32000
    private static let nextPort = Mutex(Int.random(in: portRange))

    /// Whether a listening socket can be opened on 127.0.0.1:`port` right now (without
    /// SO_REUSEADDR, so a port with a connection in TIME_WAIT counts as taken).
    private static func canListen(on port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0 && listen(descriptor, 1) == 0
    }
}

public struct E2EFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
