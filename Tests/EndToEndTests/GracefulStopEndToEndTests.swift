import Foundation
import HangarContracts
import HangarHarness
import Testing

/// SIGTERM is a graceful stop: every service finishes what it holds and exits, and nothing in
/// flight is lost.
@Suite("Graceful stop end to end", .timeLimit(.minutes(5)))
struct GracefulStopEndToEndTests {
    @Test("every service stopped with SIGTERM mid-deployment exits 0 within 10 s; started again, every deployment finishes")
    func sigtermMidDeployment() async throws {
        let system = try await HangarSystem("graceful-stop")
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 1, notifier: true)
        // Steps of 1.5 s: the deployments are still running when the services are stopped, even
        // on a loaded machine (400 ms steps once finished a deployment before the test looked).
        for index in 0..<3 { try await system.createEnvironment("graceful-\(index)", target: #"{"stepDurationMs":1500}"#) }
        var submitted: [UUID] = []
        for index in 0..<3 {
            submitted.append(try await system.deploy("graceful-\(index)", body: #"{"notify":{"emails":["ops@example.com"]}}"#))
        }
        let ids = submitted
        try await eventually("a step running") {
            for id in ids where try await system.deployment(id).steps.contains(where: { $0.status == .running }) { return true }
            return false
        }

        let services = ["intake", "scheduler", "recorder", "notifier", "worker-1"]
        for service in services { system.signal(service, SIGTERM) }
        let started = ContinuousClock.now
        for service in services {
            // Already signalled: this only waits for the exit (signal 0 sends nothing).
            let status = system.stop(service, signal: 0)
            let took = ContinuousClock.now - started
            #expect(status == 0, "\(service) exited with \(status.map(String.init) ?? "a signal"):\n\(system.logs(service, lines: 20))")
            #expect(took < .seconds(10), "\(service) took \(took) to stop")
        }
        #expect(system.logs("intake").contains("intake.listening"), "intake served before it stopped")

        try await system.startAll(workers: 1, notifier: true)
        for id in ids {
            let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(90))
            #expect(done.steps.allSatisfy { $0.status == .succeeded || $0.status == .skipped })
        }
        // Each deployment's emails (started, succeeded), each once.
        let outbox = system.outboxDirectory
        @Sendable func emails() throws -> [String] {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []).filter { $0.hasSuffix(".eml") }
            return try files.map { try String(contentsOf: outbox.appendingPathComponent($0), encoding: .utf8) }
        }
        try await eventually("a succeeded email per deployment") {
            try emails().filter { $0.contains("succeeded\r\n") }.count >= ids.count
        }
        let messages = try emails()
        for id in ids {
            let mine = messages.filter { $0.contains("Message-ID: <\(id.uuidString.lowercased()).") }
            #expect(mine.count == 2, "started and succeeded, once each: \(mine.count) for \(id)")
        }
    }
}
