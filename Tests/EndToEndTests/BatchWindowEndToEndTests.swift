import Foundation
import HangarContracts
import HangarHarness
import HangarStorage
import SQLKit
import Testing

/// The recorder holds step events (and a deployment's `queued` and `running`) for its batch
/// window, unacked: a recorder killed while it holds them gets them again from the broker.
/// The scheduler holds the event batches of such events before it sends them, their rows in
/// its outbox: a scheduler killed while it holds them leaves them to the relay.
@Suite("Batch window end to end", .serialized, .timeLimit(.minutes(3)))
struct BatchWindowEndToEndTests {
    @Test("the recorder SIGKILLed while its window holds a running deployment's events: after a restart the history has each once")
    func recorderKilledWhileHolding() async throws {
        let system = try await HangarSystem("batch-window")
        defer { Task { await system.shutdown() } }
        // The scheduler sends each transaction's batch as it commits: the recorder holds them.
        try system.start(.scheduler, environment: ["HANGAR_SCHEDULER_EVENT_BATCH_WINDOW_MS": "0"])
        // A window of ten minutes: nothing that can wait is written before the kill.
        try system.start(.recorder, environment: ["HANGAR_RECORDER_BATCH_WINDOW_MS": "600000"])
        try system.start(.worker, name: "worker-1")
        try system.start(.intake)
        try await system.waitUntilReady()
        try await system.createEnvironment("held", target: #"{"durations":{"create_image":10000}}"#)
        let id = try await system.deploy("held")

        // The worker reports create_image running (its start goes out live after 250 ms); the
        // recorder has received validate's and stop_preparation_server's outcomes and holds them.
        try await waitForQueue(system, "hangar.recorder", unacked: 4)
        let before = try await system.deployment(id)
        #expect(
            before.steps.allSatisfy { $0.status == .pending },
            "the window holds the events: no step written yet (\(before.steps.map { "\($0.name.rawValue)=\($0.status.rawValue)" }))\n\(system.logs("recorder", lines: 10))"
        )

        system.stop("recorder", signal: SIGKILL)
        try system.start(.recorder, name: "recorder-2")
        try await waitForCreateImageRunning(system, id, else: "the restarted recorder did not write the held events")
        try await expectEachStepOnce(system, id)
    }

    @Test(
        "the scheduler SIGKILLed while it holds event batches: the relay sends them, the history has each step once, and the start is emailed once"
    )
    func schedulerKilledWhileHolding() async throws {
        let system = try await startHoldingScheduler("batch-hold")
        defer { Task { await system.shutdown() } }
        try system.start(.notifier)
        try await system.createEnvironment("held", target: #"{"durations":{"create_image":10000}}"#)
        let id = try await system.deploy("held", body: #"{"version":"1.0","notify":{"emails":["ops@example.com"],"events":["started","succeeded"]}}"#)

        try await waitForHeldBatches(system, id)
        // The notifier reads the deployment's events in the scheduler's batches only: the start is held with them.
        #expect(try subjects(system).isEmpty, "no email while the scheduler holds the start")

        system.stop("scheduler", signal: SIGKILL)
        try system.start(.scheduler, name: "scheduler-2", environment: Self.holding)
        try await waitForCreateImageRunning(system, id, else: "the restarted scheduler did not relay the held batches")
        try await expectEachStepOnce(system, id)
        _ = try await system.wait(for: id, status: .succeeded, timeout: .seconds(60))
        let expected = ["Subject: [Hangar] Deployment of 1.0 to held started", "Subject: [Hangar] Deployment of 1.0 to held succeeded"]
        try await eventually("the start's and the end's emails", timeout: .seconds(30)) { try subjects(system).count >= 2 }
        try await Task.sleep(for: .milliseconds(500))  // time for a second copy to show
        #expect(try subjects(system) == expected)
    }

    /// The subjects of the emails the notifier wrote to its outbox folder, sorted.
    private func subjects(_ system: HangarSystem) throws -> [String] {
        let folder = system.outboxDirectory
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".eml") }
        return try files.map { try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
            .compactMap { $0.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject: ") } }.sorted()
    }

    @Test("a standby takes over from a scheduler SIGKILLed holding event batches: it sends them first; succeeded shows every step")
    func standbyTakesOverHeldBatches() async throws {
        let system = try await startHoldingScheduler("batch-standby")
        defer { Task { await system.shutdown() } }
        // The standby registers second: the queue is the first one's until it dies.
        try system.start(.scheduler, name: "scheduler-2", environment: Self.holding.merging(["HANGAR_INSTANCE": "scheduler-2"]) { $1 })
        let registered = ContinuousClock.now + .seconds(30)
        while try await system.consumers("hangar.scheduler") < 2 {
            guard ContinuousClock.now < registered else { throw E2EFailure("the standby did not register on hangar.scheduler") }
            try await Task.sleep(for: .milliseconds(100))
        }
        // create_image ends 1.5 s after it starts: the deployment ends on the standby before the
        // held batches are 2 s old, when the standby's relay would send them with other rows.
        try await system.createEnvironment("held", target: #"{"durations":{"create_image":1500}}"#)
        let id = try await system.deploy("held")
        try await waitForHeldBatches(system, id)

        system.stop("scheduler", signal: SIGKILL)
        let deadline = ContinuousClock.now + .seconds(30)
        var seen = try await system.deployment(id)
        while !seen.status.isTerminal {
            guard ContinuousClock.now < deadline else { throw E2EFailure("the standby did not finish the deployment: \(seen.status.rawValue)") }
            try await Task.sleep(for: .milliseconds(5))
            seen = try await system.deployment(id)
        }
        #expect(seen.status == .succeeded)
        #expect(
            seen.steps.allSatisfy { $0.startedAt != nil && $0.worker != nil },
            "the history shows succeeded before the held steps: \(seen.steps.map { "\($0.name.rawValue)=\($0.status.rawValue) worker \($0.worker ?? "-")" })"
        )
        try await expectEachStepOnce(system, id)
    }

    /// A hold of ten minutes: no event that can wait leaves the scheduler before the kill.
    private static let holding = ["HANGAR_SCHEDULER_EVENT_BATCH_WINDOW_MS": "600000"]

    /// A system whose scheduler holds event batches (``holding``), whose recorder writes each
    /// at once, with a worker and intake, ready.
    private func startHoldingScheduler(_ name: String) async throws -> HangarSystem {
        let system = try await HangarSystem(name)
        do {
            try system.start(.scheduler, environment: Self.holding)
            try system.start(.recorder, environment: ["HANGAR_RECORDER_BATCH_WINDOW_MS": "0"])
            try system.start(.worker, name: "worker-1")
            try system.start(.intake)
            try await system.waitUntilReady()
            return system
        } catch {
            await system.shutdown()
            throw error
        }
    }

    /// Waits until the scheduler holds four event batches of `id` (the start, validate's and
    /// stop_preparation_server's outcomes, create_image's start, which goes out live after
    /// 250 ms: a batch each), then checks that the history shows no step yet.
    private func waitForHeldBatches(_ system: HangarSystem, _ id: UUID) async throws {
        let outbox = SQLStore(
            configuration: .sqlite(path: system.dataDirectory.appendingPathComponent("scheduler.sqlite").path, readOnly: true))
        let storeTask = Task { await outbox.run() }
        defer { storeTask.cancel() }
        let held = ContinuousClock.now + .seconds(30)
        while try await outbox.read({ db in
            try await db.raw("SELECT COUNT(*) AS held FROM scheduler_outbox WHERE type = 'events.batch'").first()?
                .decode(column: "held", as: Int.self) ?? 0
        }) < 4 {
            guard ContinuousClock.now < held else {
                throw E2EFailure("the scheduler did not hold four batches\n\(system.logs("scheduler", lines: 20))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        let before = try await system.deployment(id)
        #expect(
            before.steps.allSatisfy { $0.status == .pending },
            "the scheduler holds the events: no step in the history yet (\(before.steps.map { "\($0.name.rawValue)=\($0.status.rawValue)" }))"
        )
    }

    /// Waits until the history shows `id`'s create_image running; throws `failure` when it does
    /// not within 30 s.
    private func waitForCreateImageRunning(_ system: HangarSystem, _ id: UUID, else failure: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let details = try await system.deployment(id)
            if details.steps.first(where: { $0.name == .createImage })?.status == .running { return }
            guard ContinuousClock.now < deadline, !details.status.isTerminal else {
                throw E2EFailure("\(failure): \(details.status.rawValue)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits for `id` to succeed; then every step is in its history once, with its worker and
    /// times, and no detail line twice.
    private func expectEachStepOnce(_ system: HangarSystem, _ id: UUID) async throws {
        let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(60))
        #expect(done.steps.count == 6 && done.steps.allSatisfy { $0.status == .succeeded || $0.status == .skipped })
        #expect(done.steps.allSatisfy { $0.startedAt != nil && $0.finishedAt != nil && $0.worker != nil })
        for step in done.steps {
            let lines = step.detail.map { "\($0.at.timeIntervalSince1970) \($0.message)" }
            #expect(Set(lines).count == lines.count, "\(step.name.rawValue): a detail line written twice")
        }
    }

    /// Waits until `queue` has at least `unacked` deliveries its consumer has not acked.
    private func waitForQueue(_ system: HangarSystem, _ queue: String, unacked: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        var last = -1
        while ContinuousClock.now < deadline {
            last = try await system.unackedMessages(queue)
            if last >= unacked { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw E2EFailure("\(queue): \(last) unacked, expected \(unacked)")
    }
}
