import Foundation
import HangarContracts
import HangarHarness
import HangarNotification
import Testing

/// The notifier against a real SMTP server (aiosmtpd, deploy/smtp/sink.py) on loopback.
@Suite("Notifier against a real SMTP server", .serialized, .timeLimit(.minutes(3)))
struct SMTPIntegrationTests {
    @Test("success and failure emails reach the right recipients with the subject and the step table")
    func successAndFailure() async throws {
        let sink = SMTPSink()
        try await sink.start()
        defer { sink.remove() }
        let transport = CurlSMTPTransport(settings: try SMTPSettings(url: "smtp://127.0.0.1:\(sink.port)?starttls=off"))
        let notifier = NotifierUnderTest(transport: transport, events: [.succeeded, .failed])
        let good = UUID()
        let bad = UUID()
        let received = try await notifier.run {
            try await notifier.apply(pipeline(id: good, notify: ["ops@example.com", "Dev@Example.com"]))
            try await notifier.apply(pipeline(id: bad, notify: ["oncall@example.com"], version: "3.0.0", failAt: .createModels))
            return try await sink.waitForMessages(3)
        }
        #expect(received.count == 3)
        let success = received.filter { $0.subject.contains("succeeded") }
        #expect(Set(success.flatMap(\.rcpt_tos)) == ["ops@example.com", "dev@example.com"])
        for email in success {
            #expect(email.mail_from == "hangar@localhost")
            #expect(email.subject == "[Hangar] Deployment of 2.4.0 to web succeeded")
            #expect(email.headers["To"]?.lowercased() == email.rcpt_tos[0])
            #expect(email.headers["From"] == "Hangar <hangar@localhost>")
            #expect(email.headers["Message-ID"]?.hasSuffix("@hangar>") == true)
            #expect(email.headers["Date"] != nil)
            let text = try #require(email.text)
            for step in StepName.allCases { #expect(text.contains(step.rawValue)) }
            #expect(text.contains("skipped") && text.contains("400 ms"))
            #expect(text.contains("Total:") && text.contains("2.0 s"))
            #expect(text.contains("Owner:") && text.contains("alice") && text.contains("generatedVersion"))
            let html = try #require(email.html)
            #expect(html.contains("<td>create_image</td><td>succeeded</td>"))
        }
        let failure = try #require(received.first { $0.subject.contains("failed") })
        #expect(failure.rcpt_tos == ["oncall@example.com"])
        #expect(failure.subject == "[Hangar] Deployment of 3.0.0 to web failed at create_models")
        let text = try #require(failure.text)
        #expect(text.contains("Failed step: create_models") && text.contains("launch template quota exceeded"))
        #expect(text.contains("create_image") && text.contains("not run"))
    }

    @Test("STARTTLS required, with AUTH, verifying the server against a CA file")
    func starttlsWithAuth() async throws {
        let sink = SMTPSink(starttls: true, auth: "hangar:s3cret")
        try await sink.start()
        defer { sink.remove() }
        let url = "smtp://hangar:s3cret@127.0.0.1:\(sink.port)?starttls=required&ca=\(sink.caFile)"
        let notifier = NotifierUnderTest(transport: CurlSMTPTransport(settings: try SMTPSettings(url: url)))
        let id = UUID()
        let received = try await notifier.run {
            try await notifier.apply([("m1", .deploymentEvent(deploymentEvent(.running, id: id, notify: ["ops@example.com"], at: t0)))])
            return try await sink.waitForMessages(1)
        }
        #expect(received.count == 1)
        #expect(received[0].tls && received[0].authenticated)
        #expect(received[0].subject == "[Hangar] Deployment of 2.4.0 to web started")

        // A wrong password is a transient failure (the settings can be fixed), nothing is sent.
        let wrong = CurlSMTPTransport(
            settings: try SMTPSettings(url: "smtp://hangar:nope@127.0.0.1:\(sink.port)?starttls=required&ca=\(sink.caFile)"))
        let result = await wrong.send(
            OutgoingEmail(envelopeFrom: "hangar@localhost", recipient: "a@b.c", data: Array("Subject: x\r\n\r\nx\r\n".utf8), key: "k", subject: "x"))
        guard case .transient(let why) = result else {
            Issue.record("expected a transient failure, got \(result)")
            return
        }
        #expect(why.contains("535"), "the server's 535 is reported: \(why)")
        // An untrusted certificate fails too.
        let untrusted = CurlSMTPTransport(settings: try SMTPSettings(url: "smtp://hangar:s3cret@127.0.0.1:\(sink.port)?starttls=required"))
        let refused = await untrusted.send(
            OutgoingEmail(envelopeFrom: "hangar@localhost", recipient: "a@b.c", data: Array("Subject: x\r\n\r\nx\r\n".utf8), key: "k", subject: "x"))
        guard case .transient = refused else {
            Issue.record("expected a transient failure, got \(refused)")
            return
        }
        #expect(sink.messages().count == 1)
    }

    @Test("a 5xx for one recipient fails that one only; a 4xx is retried")
    func perRecipient() async throws {
        let sink = SMTPSink()
        try await sink.start()
        defer { sink.remove() }
        let notifier = NotifierUnderTest(transport: CurlSMTPTransport(settings: try SMTPSettings(url: "smtp://127.0.0.1:\(sink.port)?starttls=off")))
        let id = UUID()
        let log = try await notifier.run {
            try await notifier.apply([
                (
                    "m1",
                    .deploymentEvent(
                        deploymentEvent(.running, id: id, notify: ["reject-me@example.com", "ops@example.com", "tempfail@example.com"], at: t0))
                )
            ])
            _ = try await sink.waitForMessages(1)
            // The 4xx recipient is retried (backoff from 100 ms): wait for its second attempt
            // rather than for a fixed time, which a loaded machine may not meet.
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let log = try await notifier.notifier.log(deploymentId: id)
                if (log.first { $0.recipient == "tempfail@example.com" }?.attempts ?? 0) >= 2 { return log }
                try await Task.sleep(for: .milliseconds(50))
            }
            return try await notifier.notifier.log(deploymentId: id)
        }
        #expect(sink.messages().map(\.rcpt_tos) == [["ops@example.com"]])
        let states = Dictionary(uniqueKeysWithValues: log.map { ($0.recipient, $0) })
        #expect(states["ops@example.com"]?.state == "sent")
        #expect(states["reject-me@example.com"]?.state == "failed")
        #expect(states["reject-me@example.com"]?.lastError?.contains("550") == true)
        #expect(states["tempfail@example.com"]?.state == "pending")
        #expect((states["tempfail@example.com"]?.attempts ?? 0) >= 2, "retried with backoff")
    }

    @Test("the server down for a while, then back: every email arrives, once")
    func serverDownThenBack() async throws {
        let sink = SMTPSink()
        defer { sink.remove() }
        let transport = CurlSMTPTransport(settings: try SMTPSettings(url: "smtp://127.0.0.1:\(sink.port)?starttls=off&connect_timeout=2"))
        let notifier = NotifierUnderTest(transport: transport)
        let ids = (0..<3).map { _ in UUID() }
        let (received, log) = try await notifier.run {
            for id in ids {
                try await notifier.apply([
                    ("\(id)-r", .deploymentEvent(deploymentEvent(.running, id: id, notify: ["a@example.com", "b@example.com"], at: t0)))
                ])
            }
            // Every email tried at least once while the server is down (polled, not timed).
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                let log = try await notifier.notifier.log()
                if log.count == 6 && log.allSatisfy({ $0.attempts >= 1 }) { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let before = try await notifier.notifier.log()
            #expect(before.count == 6 && before.allSatisfy { $0.state == "pending" && $0.attempts >= 1 }, "\(before)")
            try await sink.start()
            _ = try await sink.waitForMessages(6)
            // Each is recorded as sent once the server accepted it (polled: a busy machine is slow).
            let recorded = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < recorded, try await !notifier.notifier.log().allSatisfy({ $0.state == "sent" }) {
                try await Task.sleep(for: .milliseconds(50))
            }
            return (sink.messages(), try await notifier.notifier.log())
        }
        #expect(received.count == 6)
        let pairs = received.map { "\($0.rcpt_tos.joined()) \($0.headers["X-Hangar-Deployment"] ?? "")" }
        #expect(Set(pairs).count == 6, "each recipient once per deployment")
        #expect(log.allSatisfy { $0.state == "sent" })
    }

    @Test("the same event delivered twice (or republished under another id) gives one email")
    func duplicates() async throws {
        let sink = SMTPSink()
        try await sink.start()
        defer { sink.remove() }
        let notifier = NotifierUnderTest(transport: CurlSMTPTransport(settings: try SMTPSettings(url: "smtp://127.0.0.1:\(sink.port)?starttls=off")))
        let id = UUID()
        let event = HangarMessage.deploymentEvent(
            deploymentEvent(.cancelled, id: id, notify: ["ops@example.com"], at: t0, reason: "cancelled by alice"))
        let received = try await notifier.run {
            try await notifier.apply([("m1", event)])
            try await notifier.apply([("m1", event), ("m1", event)])
            try await notifier.apply([("m1-again", event)])
            _ = try await sink.waitForMessages(1)
            try await Task.sleep(for: .milliseconds(800))
            return sink.messages()
        }
        #expect(received.count == 1)
        #expect(received.first?.subject == "[Hangar] Deployment of 2.4.0 to web was cancelled")
        #expect(received.first?.text?.contains("cancelled by alice") == true)
    }

    @Test("CR/LF in a version label adds no header at the server")
    func headerInjection() async throws {
        let sink = SMTPSink()
        try await sink.start()
        defer { sink.remove() }
        let notifier = NotifierUnderTest(transport: CurlSMTPTransport(settings: try SMTPSettings(url: "smtp://127.0.0.1:\(sink.port)?starttls=off")))
        let id = UUID()
        let version = "1.0\r\nBcc: intruder@example.com\r\nX-Injected: yes"
        let received = try await notifier.run {
            try await notifier.apply([
                ("m1", .deploymentEvent(deploymentEvent(.scheduled, id: id, version: version, notify: ["ops@example.com"], at: t0)))
            ])
            _ = try await sink.waitForMessages(1)
            try await Task.sleep(for: .milliseconds(500))
            return sink.messages()
        }
        #expect(received.count == 1)
        let email = try #require(received.first)
        #expect(email.rcpt_tos == ["ops@example.com"])
        #expect(!email.header_names.contains { ["bcc", "x-injected"].contains($0.lowercased()) }, "\(email.header_names)")
        #expect(email.header_names.filter { $0.lowercased() == "subject" }.count == 1)
        #expect(email.subject.hasPrefix("[Hangar] Deployment of 1.0 Bcc: intruder@example.com X-Injected: yes to web scheduled for"))
    }
}
