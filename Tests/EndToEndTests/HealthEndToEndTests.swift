import Foundation
import HangarContracts
import HangarHarness
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `/health/live` and `/health/ready` on every service's metrics port (and intake's API port).
@Suite("Health end to end", .serialized, .timeLimit(.minutes(5)))
struct HealthEndToEndTests {
    static let services = ["intake", "scheduler", "recorder", "notifier", "worker-1"]

    @Test("every service is live and ready; not ready while the broker refuses it, ready again after; not ready while it drains on SIGTERM")
    func health() async throws {
        let system = try await HangarSystem("health")
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 1, notifier: true)

        for service in Self.services {
            try await eventually("\(service) ready") { try await probe(system, service, "ready").status == 200 }
            #expect(try await probe(system, service, "live").status == 200)
        }
        #expect(try await system.request("GET", "/health/ready", token: nil).1 == 200, "intake's API port too")

        // The broker refuses this system: its user loses the virtual host and the connections
        // are closed (again while the broker's list, refreshed every few seconds, shows any).
        try await system.broker("DELETE", "/api/permissions/\(system.encodedVhost)/guest")
        try await eventually("every service not ready without the broker") {
            try await closeConnections(system)
            for service in Self.services {
                let (status, body) = try await probe(system, service, "ready")
                guard status == 503, body.contains("broker") else { return false }
            }
            return true
        }
        for service in Self.services {
            #expect(try await probe(system, service, "live").status == 200, "\(service) is still live")
        }
        try await system.broker(
            "PUT", "/api/permissions/\(system.encodedVhost)/guest", body: ["configure": ".*", "write": ".*", "read": ".*"])
        for service in Self.services {
            try await eventually("\(service) ready again", timeout: .seconds(90)) { try await probe(system, service, "ready").status == 200 }
        }

        // A worker stopping gracefully finishes its running step first, and is not ready meanwhile.
        try await system.createEnvironment("slow", target: #"{"stepDurationMs":4000}"#)
        let id = try await system.deploy("slow")
        try await eventually("a step running") {
            try await system.deployment(id).steps.contains { $0.status == .running }
        }
        system.signal("worker-1", SIGTERM)
        try await eventually("the worker not ready while it drains") {
            let (status, body) = try await probe(system, "worker-1", "ready")
            return status == 503 && body.contains("draining")
        }
        #expect(try await probe(system, "worker-1", "live").status == 200, "live while draining")
    }

    @Test("intake started before the recorder leaves the history tables alone, is not ready until the recorder has migrated them, then serves")
    func intakeWaitsForTheRecorder() async throws {
        let system = try await HangarSystem("history-tables")
        defer { Task { await system.shutdown() } }
        try system.start(.scheduler)
        try system.start(.worker, name: "worker-1")
        // Waiting, intake still stops at once on SIGTERM.
        try system.start(.intake, name: "early-intake")
        try await eventually("intake waits for the recorder's tables") {
            system.logs("early-intake", lines: 400).contains("intake.history_tables.waiting")
        }
        let stopping = ContinuousClock.now
        system.signal("early-intake", SIGTERM)
        let exit = system.stop("early-intake", signal: 0)
        #expect(exit == 0, "a waiting intake exits 0 on SIGTERM:\n\(system.logs("early-intake", lines: 20))")
        #expect(ContinuousClock.now - stopping < .seconds(10))

        try system.start(.intake)
        try await eventually("intake waits for the recorder's tables") {
            system.logs("intake", lines: 400).contains("intake.history_tables.waiting")
        }
        let (status, body) = try await probe(system, "intake", "ready")
        #expect(status == 503 && body.contains("history tables"), "readiness names what it waits for: \(status) \(body)")
        if let (_, code) = try? await system.request("GET", "/health/ready", token: nil) {
            Issue.record("the API is not served yet, but answered \(code)")
        }
        let historyFile = system.dataDirectory.appendingPathComponent("recorder.sqlite").path
        #expect(!FileManager.default.fileExists(atPath: historyFile), "intake opens the recorder's store read-only: it made no file")

        try system.start(.recorder)
        try await system.waitUntilReady()
        #expect(system.logs("intake", lines: 400).contains("intake.history_tables.ready"))
        #expect(try await probe(system, "intake", "ready").status == 200)
        try await system.createEnvironment("tables")
        let id = try await system.deploy("tables")
        _ = try await system.wait(for: id, status: .succeeded, timeout: .seconds(60))
    }

    /// `GET /health/<what>` on a service's metrics port: status and body (0 when it does not answer).
    private func probe(_ system: HangarSystem, _ service: String, _ what: String) async throws -> (status: Int, body: String) {
        guard let metrics = system.metricsURL(service) else { throw E2EFailure("\(service) has no metrics port") }
        var request = URLRequest(url: URL(string: metrics.replacingOccurrences(of: "/metrics", with: "/health/\(what)"))!)
        request.timeoutInterval = 5
        guard let (data, response) = try? await URLSession.shared.data(for: request) else { return (0, "") }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Closes every connection of the system's virtual host from the broker's side.
    private func closeConnections(_ system: HangarSystem) async throws {
        let (data, _) = try await system.broker("GET", "/api/vhosts/\(system.encodedVhost)/connections")
        let connections = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        for name in connections.compactMap({ $0["name"] as? String }) {
            let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
            try await system.broker("DELETE", "/api/connections/\(encoded)")
        }
    }
}
