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
        #expect(
            messages.allSatisfy { $0.contains("Content-Type: multipart/alternative") && $0.contains("Message-ID: <\(id.uuidString.lowercased()).") })
        // The step table comes inside the finished deployment's event: every step with its status.
        let summary = try #require(succeeded.first.flatMap(Self.plainText))
        for step in StepName.allCases { #expect(summary.contains(step.rawValue), "\(step.rawValue) in the table") }
        #expect(!summary.contains("not run") && summary.contains("create_image            succeeded"), "\(summary)")
    }

    /// The decoded text/plain part of an email (base64).
    static func plainText(_ email: String) -> String? {
        guard let part = email.range(of: "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n") else { return nil }
        let base64 = email[part.upperBound...].prefix { $0 != "-" }.filter { !$0.isWhitespace }
        return Data(base64Encoded: String(base64)).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("the notifier takes the scheduler's event batches only; the bindings of older versions are removed when it starts")
    func eventBatchesOnly() async throws {
        let system = try await HangarSystem("notifier-bindings")
        defer { Task { await system.shutdown() } }
        try await system.startAll(notifier: true)
        func keys() async throws -> Set<String> {
            let (data, _) = try await system.broker("GET", "/api/queues/\(system.encodedVhost)/hangar.notifier/bindings")
            let bindings = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            return Set(bindings.filter { ($0["source"] as? String) == "hangar.events" }.compactMap { $0["routing_key"] as? String })
        }
        #expect(try await keys() == ["events.batch.#"])
        // A broker set up by older notifiers still routes step, deployment and server stop events here.
        for key in ["step.*", "deployment.*", "server.shutdown.*"] {
            try await system.broker(
                "POST", "/api/bindings/\(system.encodedVhost)/e/hangar.events/q/hangar.notifier", body: ["routing_key": key])
        }
        #expect(try await keys() == ["events.batch.#", "step.*", "deployment.*", "server.shutdown.*"])
        system.stop("notifier", signal: SIGTERM)
        try system.start(.notifier)
        let deadline = ContinuousClock.now + .seconds(20)
        while try await keys() != ["events.batch.#"], ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await keys() == ["events.batch.#"])
    }

    @Test("events chosen per environment and per deployment; the environment's webhook gets signed POSTs of those events")
    func choicesAndWebhooks() async throws {
        let secret = "e2e-webhook-secret-0123456789"
        let receiver = WebhookReceiver(secret: secret)
        try await receiver.start()
        defer { receiver.remove() }
        let system = try await HangarSystem("notify-choice", extraEnvironment: ["HANGAR_WEBHOOK_SECRET": secret])
        defer { Task { await system.shutdown() } }
        try await system.startAll(notifier: true)
        try await system.createEnvironment("web", target: #"{"stepDurationMs": 10}"#)
        // The environment: only successes notify, and they go to the webhook too.
        let (patched, patchStatus) = try await system.request(
            "PATCH", "/v1/environments/web", body: #"{"notifications":{"events":["succeeded"],"webhooks":["\#(receiver.url())"]}}"#)
        #expect(patchStatus == 200, "\(String(decoding: patched, as: UTF8.self))")
        let (bad, badStatus) = try await system.request(
            "PATCH", "/v1/environments/web", body: #"{"notifications":{"events":["finished"],"webhooks":["ftp://x"]}}"#)
        #expect(badStatus == 422)
        let problem = String(decoding: bad, as: UTF8.self)
        #expect(problem.contains("notifications.events[0]") && problem.contains("notifications.webhooks[0]"), "\(problem)")

        // The environment's choice: one succeeded email, one webhook.
        let first = try await system.deploy("web", body: #"{"version":"1.0","notify":{"emails":["ops@example.com"]}}"#)
        _ = try await system.wait(for: first, status: .succeeded)
        // The deployment's own choice overrides it: only the start notifies.
        let second = try await system.deploy("web", body: #"{"version":"2.0","notify":{"emails":["ops@example.com"],"events":["started"]}}"#)
        _ = try await system.wait(for: second, status: .succeeded)

        let hooks = try await receiver.waitForRequests(2)
        let deadline = ContinuousClock.now + .seconds(30)
        var subjects: [String] = []
        while ContinuousClock.now < deadline {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: system.outboxDirectory.path)) ?? []).filter { $0.hasSuffix(".eml") }
            subjects = try files.map { try String(contentsOf: system.outboxDirectory.appendingPathComponent($0), encoding: .utf8) }
                .compactMap { $0.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject: ") } }.sorted()
            if subjects.count >= 2 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .milliseconds(500))  // time for a wrong extra notification to show
        #expect(subjects == ["Subject: [Hangar] Deployment of 1.0 to web succeeded", "Subject: [Hangar] Deployment of 2.0 to web started"])
        let received = receiver.requests()
        #expect(received.count == 2, "\(system.logs("notifier"))")
        #expect(hooks.allSatisfy { $0.signatureValid })
        let events = Set(
            received.map { "\(($0.json["deployment"] as? [String: Any])?["version"] as? String ?? "?") \($0.header("X-Hangar-Event") ?? "?")" })
        #expect(events == ["1.0 deployment.succeeded", "2.0 deployment.started"])
    }
}
