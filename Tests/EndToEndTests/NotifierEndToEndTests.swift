import Foundation
import HangarContracts
import HangarHarness
import Testing

/// The notifier as a process among the others, with its embedded default: no SMTP server,
/// each email an .eml file in the outbox folder.
@Suite("Notifier end to end", .serialized, .timeLimit(.minutes(3)))
struct NotifierEndToEndTests {
    @Test("a deployment with notify emails leaves a started and a succeeded email in the outbox")
    func outbox() async throws {
        let system = try await HangarSystem("notifier")
        defer { Task { await system.shutdown() } }
        try await system.startAll(notifier: true)
        try await system.createEnvironment("web", target: #"{"stepDurationMs": 20}"#)

        let id = try await system.deploy("web", body: #"{"version":"2.4.0","notify":{"emails":["ops@example.com","dev@example.com"]}}"#)
        _ = try await system.wait(for: id, status: .succeeded)

        let deadline = ContinuousClock.now + .seconds(30)
        var files: [String] = []
        while ContinuousClock.now < deadline {
            files = ((try? FileManager.default.contentsOfDirectory(atPath: system.outboxDirectory.path)) ?? []).filter { $0.hasSuffix(".eml") }
            if files.count >= 4 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(files.count == 4, "started and succeeded for two recipients: \(files)\n\(system.logs("notifier"))")
        let messages = try files.map { try String(contentsOf: system.outboxDirectory.appendingPathComponent($0), encoding: .utf8) }
        let succeeded = messages.filter { $0.contains("Subject: [Hangar] Deployment of 2.4.0 to web succeeded\r\n") }
        #expect(succeeded.count == 2)
        let recipients = succeeded.map { message in
            message.components(separatedBy: "\r\n").first { $0.hasPrefix("To: ") } ?? ""
        }
        #expect(Set(recipients) == ["To: <ops@example.com>", "To: <dev@example.com>"])
        #expect(messages.filter { $0.contains("Subject: [Hangar] Deployment of 2.4.0 to web started\r\n") }.count == 2)
        #expect(messages.allSatisfy { $0.contains("Content-Type: multipart/alternative") && $0.contains("Message-ID: <\(id.uuidString.lowercased()).") })
    }
}
