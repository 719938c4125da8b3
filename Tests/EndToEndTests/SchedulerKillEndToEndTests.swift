import Foundation
import HangarContracts
import HangarHarness
import Testing

/// The scheduler SIGKILLed twice in the middle of a burst: between its commit and the acks, a
/// transaction's messages are handed to the broker at once and confirmed in the background, and
/// what a kill leaves unconfirmed is relayed from its outbox. Every deployment still succeeds
/// once, its history has every step as the workers reported it (through the scheduler's event
/// batches), and its one `succeeded` email is sent once.
///
/// `HANGAR_TEST_SCHEDULER_KILL_DEPLOYMENTS` sets the burst (default 200; the issue's full test
/// is 1,000).
@Suite("Scheduler killed mid-burst", .serialized, .timeLimit(.minutes(10)))
struct SchedulerKillEndToEndTests {
    static let total = ProcessInfo.processInfo.environment["HANGAR_TEST_SCHEDULER_KILL_DEPLOYMENTS"].flatMap(Int.init) ?? 200

    @Test("a burst with the scheduler SIGKILLed twice mid-run: every deployment succeeds once, each succeeded email once")
    func killedMidBurst() async throws {
        let sink = SMTPSink()
        try await sink.start()
        defer { sink.remove() }
        let system = try await HangarSystem(
            "scheduler-kill", extraEnvironment: ["HANGAR_SMTP_URL": "smtp://127.0.0.1:\(sink.port)?starttls=off"])
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 2, notifier: true)
        let environments = 20
        for index in 0..<environments { try await system.createEnvironment("burst-\(index)", target: #"{"stepDurationMs": 20}"#) }
        let body = #"{"notify":{"emails":["ann@example.com"],"events":["succeeded"]}}"#

        var ids: [UUID] = []
        var succeededAtKill: [Int] = []
        func killScheduler() async throws {
            succeededAtKill.append(Set(sink.messages().compactMap { $0.headers["Message-ID"] }).count)
            system.stop("scheduler", signal: SIGKILL)
            try await Task.sleep(for: .milliseconds(300))
            try system.start(.scheduler)
        }
        for index in 0..<Self.total {
            ids.append(try await system.deploy("burst-\(index % environments)", body: body))
            if index == Self.total / 2 { try await killScheduler() }
        }
        try await killScheduler()

        for id in ids {
            let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(240))
            #expect(done.steps.allSatisfy { $0.status == .succeeded || $0.status == .skipped }, "\(id)")
            // The workers' step events reached the history through the scheduler's event batches
            // (only they name the worker): none was lost with a killed scheduler's transaction.
            #expect(done.steps.count == 6 && done.steps.allSatisfy { $0.worker != nil && $0.startedAt != nil }, "\(id): \(done.steps)")
        }
        // The notifier keeps what it sent; a second `succeeded` (a relayed event it saw before)
        // would be a second email. Wait a little for late ones.
        let deadline = ContinuousClock.now + .seconds(60)
        while Set(sink.messages().compactMap { $0.headers["Message-ID"] }).count < Self.total, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        try await Task.sleep(for: .seconds(3))
        let received = sink.messages()
        let messageIds = received.compactMap { $0.headers["Message-ID"] }
        print("scheduler kill test: \(Self.total) deployments, succeeded emails seen at the kills: \(succeededAtKill), \(received.count) emails")
        #expect(succeededAtKill.allSatisfy { $0 < Self.total }, "each kill came before the burst was done: \(succeededAtKill)")
        #expect(Set(messageIds).count == Self.total, "one email for each deployment's success")
        #expect(received.count == Self.total, "none sent twice")
        for id in ids {
            let emails = received.filter { $0.text?.contains(id.uuidString.lowercased()) == true }
            #expect(emails.count == 1, "deployment \(id): \(emails.count) emails")
        }
    }
}
