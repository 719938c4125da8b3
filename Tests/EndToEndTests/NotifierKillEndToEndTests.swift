import Foundation
import HangarContracts
import HangarHarness
import Testing

/// The notifier SIGKILLed every 1–3 s while a slow SMTP server (300 ms per reply) takes 200
/// emails: none is lost, every resend keeps its Message-ID, and the duplicates a crash inside
/// an SMTP session can cause (SMTP cannot be exactly-once) are counted per 1,000 emails.
@Suite("Notifier killed mid-send", .serialized, .timeLimit(.minutes(5)))
struct NotifierKillEndToEndTests {
    @Test("200 emails with the notifier SIGKILLed every 1-3 s: all arrive, resends keep their Message-ID, duplicates counted")
    func killedWhileSending() async throws {
        let sink = SMTPSink(delayMilliseconds: 300)
        try await sink.start()
        defer { sink.remove() }
        let system = try await HangarSystem(
            "notifier-kill",
            extraEnvironment: ["HANGAR_SMTP_URL": "smtp://127.0.0.1:\(sink.port)?starttls=off", "HANGAR_NOTIFIER_LEASE_MS": "3000"])
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 2, notifier: true)
        for index in 0..<10 { try await system.createEnvironment("mail-\(index)", target: #"{"stepDurationMs": 10}"#) }

        let deployments = 50  // × 2 recipients × (started, succeeded) = 200 emails
        let body = #"{"version":"1.0","notify":{"emails":["ann@example.com","bob@example.com"],"events":["started","succeeded"]}}"#
        let expected = deployments * 4

        // The kills begin with the first submission: the emails start to flow at once.
        var kills = 0
        let started = ContinuousClock.now
        let deadline = started + .seconds(240)
        var nextKill = ContinuousClock.now + .milliseconds(Int.random(in: 1000...3000))
        func killIfDue() throws {
            guard ContinuousClock.now >= nextKill else { return }
            system.stop("notifier", signal: SIGKILL)
            kills += 1
            try system.start(.notifier)
            nextKill = ContinuousClock.now + .milliseconds(Int.random(in: 1000...3000))
        }
        var ids: [UUID] = []
        for index in 0..<deployments {
            ids.append(try await system.deploy("mail-\(index % 10)", body: body))
            try killIfDue()
        }
        while Set(sink.messages().compactMap { $0.headers["Message-ID"] }).count < expected {
            guard ContinuousClock.now < deadline else {
                throw E2EFailure(
                    "only \(Set(sink.messages().compactMap { $0.headers["Message-ID"] }).count) of \(expected) emails arrived; notifier:\n\(system.logs("notifier"))"
                )
            }
            try killIfDue()
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(5))  // a lease and more: late resends show up too
        for id in ids { _ = try await system.wait(for: id, status: .succeeded) }

        let received = sink.messages()
        let messageIds = received.compactMap { $0.headers["Message-ID"] }
        #expect(messageIds.count == received.count, "every email has a Message-ID")
        #expect(Set(messageIds).count == expected, "every email arrived, and resends kept their Message-ID")
        let duplicates = received.count - Set(messageIds).count
        let perThousand = Double(duplicates) * 1000 / Double(expected)
        print(
            String(
                format: "notifier kill test: %d emails expected, %d received (%d duplicates, %.1f per 1,000), %d notifier kills, %.1f s",
                expected, received.count, duplicates, perThousand, kills, Double((ContinuousClock.now - started).components.seconds)))
        #expect(kills >= 5, "the test killed the notifier mid-run")
    }
}
