import Foundation
import HangarContracts
import HangarNotification
import Testing

/// The emails of scheduled server stops: who is told, of which turns, once each.
@Suite("Notifier: scheduled server stops")
struct ShutdownEmailTests {
    @Test(
        "a stop's first failed attempt, its stop and its giving up are emailed once each to the addresses it names; being scheduled, later failures and a copy are not"
    )
    func whichTurnsEmail() async throws {
        let outbox = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-outbox-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: outbox) }
        let notifier = NotifierUnderTest(transport: OutboxTransport(directory: outbox.path, logger: testLogger))
        let environment = UUID()
        func event(
            _ status: ServerShutdownEvent.Status, attempt: Int, server: String = "i-1", notify: [String] = ["ops@example.com"]
        )
            -> ServerShutdownEvent
        {
            ServerShutdownEvent(
                status: status, environmentId: environment, environmentName: "web", serverId: server, serverName: "prep", dueAt: t0,
                requestedBy: "alice", requestedAt: t0.addingTimeInterval(-600), attempt: attempt,
                error: status == .failed || status == .dropped ? "throttled" : nil, serverStatus: status == .stopped ? "stopping" : nil,
                worker: "worker-1", notify: notify, at: t0.addingTimeInterval(Double(attempt)))
        }
        let turns = [
            event(.scheduled, attempt: 0), event(.failed, attempt: 1), event(.failed, attempt: 2), event(.stopped, attempt: 3),
            event(.dropped, attempt: 1, server: "i-2"), event(.stopped, attempt: 1, server: "i-3", notify: []),
        ]
        let log = try await notifier.run {
            try await notifier.apply(turns.map { ($0.messageId, .shutdownEvent($0)) })
            // A copy under another message id (a republish) queues nothing more.
            try await notifier.apply([("copy", .shutdownEvent(turns[3]))])
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, try await notifier.notifier.log().contains(where: { $0.state == "pending" }) {
                try await Task.sleep(for: .milliseconds(50))
            }
            return try await notifier.notifier.log()
        }
        #expect(Set(log.map(\.eventKey)) == [turns[1].messageId, turns[3].messageId, turns[4].messageId], "\(log.map(\.eventKey))")
        #expect(log.allSatisfy { $0.state == "sent" })
        let emails = try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { $0.hasSuffix(".eml") }.map {
            try String(contentsOf: outbox.appendingPathComponent($0), encoding: .utf8)
        }
        #expect(emails.count == 3)
        #expect(emails.contains { $0.contains("Subject: [Hangar] Server prep (i-1) of web is stopping as scheduled\r\n") })
        #expect(
            emails.contains { $0.contains("Subject: [Hangar] The scheduled stop of server prep (i-1) of web failed; it will be tried again\r\n") })
        #expect(emails.contains { $0.contains("Subject: [Hangar] The scheduled stop of server prep (i-2) of web was given up\r\n") })
        #expect(
            emails.allSatisfy { $0.contains("To: <ops@example.com>") && $0.contains("X-Hangar-Environment: \(environment.uuidString.lowercased())") })
    }
}
