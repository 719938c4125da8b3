import Foundation
import HangarContracts
import HangarHarness
import Testing

/// Two schedulers: the one holding the timer lease SIGKILLed while a deployment waits on the
/// (simulated) cloud, whose checks only timers dispatch. The standby takes the timers over
/// within the lease (2 s) and a quarter on SQLite; on PostgreSQL within a quarter lease, as the
/// server frees the advisory lock with the dead holder's connection. The deployment goes on and
/// succeeds.
@Suite("Scheduler failover", .serialized, .timeLimit(.minutes(3)))
struct SchedulerFailoverEndToEndTests {
    @Test(
        "the timer lease's holder SIGKILLed while a deployment waits on the cloud: the standby's checks resume within seconds",
        arguments: ["sqlite", "postgres"])
    func standbyTakesOverTimers(database: String) async throws {
        var environment: [String: String] = [:]
        if database == "postgres" {
            environment["HANGAR_DATABASE_URL"] =
                ProcessInfo.processInfo.environment["HANGAR_TEST_POSTGRES_URL"] ?? "postgres://hangar:hangar@127.0.0.1:5432/hangar_test"
            environment["HANGAR_DATABASE_SCHEMA_PREFIX"] = "failover_\(UUID().uuidString.prefix(8).lowercased())_"
        }
        let system = try await HangarSystem("scheduler-failover-\(database)", extraEnvironment: environment)
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try system.start(.scheduler, name: "scheduler-2", environment: ["HANGAR_INSTANCE": "scheduler-2"])
        // create_image waits on the image: 12 checks, 1 s apart, each dispatched by a timer.
        try await system.createEnvironment("waits", target: #"{"polls":{"create_image":12},"pollIntervalMs":1000}"#)

        let id = try await system.deploy("waits")
        let deadline = ContinuousClock.now + .seconds(30)
        while try await (system.deployment(id).steps.first { $0.name == .createImage }?.detail.count ?? 0) < 3 {
            guard ContinuousClock.now < deadline else { throw E2EFailure("create_image never got to its third check") }
            try await Task.sleep(for: .milliseconds(100))
        }
        // The holder is the one that said it took the lease (and is not the other).
        let holder = system.logs("scheduler-2", lines: 10_000).contains("scheduler.lease.taken") ? "scheduler-2" : "scheduler"
        system.stop(holder, signal: SIGKILL)
        let killedAt = Date()

        let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(60))
        let checks = try #require(done.steps.first { $0.name == .createImage }).detail.map(\.at).filter { $0 > killedAt }
        var longest = (checks.first ?? Date()).timeIntervalSince(killedAt)
        for (earlier, later) in zip(checks, checks.dropFirst()) { longest = max(longest, later.timeIntervalSince(earlier)) }
        print("scheduler failover on \(database): the longest wait for a check after killing \(holder): \(String(format: "%.2f", longest)) s")
        #expect(!checks.isEmpty, "checks after the kill")
        // A check is due every second; the standby takes over within 2.5 s of the kill (the old
        // 10 s lease made this gap 10 s or more).
        #expect(longest < 6, "the longest wait for a check after killing \(holder): \(longest) s")
    }
}
