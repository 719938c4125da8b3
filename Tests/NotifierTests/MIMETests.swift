import Foundation
import HangarContracts
import HangarNotification
import Testing

/// Splits a rendered message into its header lines (unfolded) and decodes its base64 parts.
struct ParsedMessage {
    var headers: [(String, String)] = []
    var parts: [String: String] = [:]

    init(_ bytes: [UInt8]) throws {
        let text = String(decoding: bytes, as: UTF8.self)
        let sections = text.components(separatedBy: "\r\n\r\n")
        var lines: [String] = []
        for line in sections[0].components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), !lines.isEmpty { lines[lines.count - 1] += line } else { lines.append(line) }
        }
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw TestFailure("not a header line: \(line)") }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
        }
        for type in ["text/plain", "text/html"] {
            guard let start = text.range(of: "Content-Type: \(type); charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n") else { continue }
            let rest = text[start.upperBound...]
            let body = rest[..<(rest.range(of: "\r\n--")?.lowerBound ?? rest.endIndex)]
            guard let data = Data(base64Encoded: body.replacingOccurrences(of: "\r\n", with: "")) else { throw TestFailure("bad base64 in \(type)") }
            parts[type] = String(decoding: data, as: UTF8.self)
        }
    }

    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
}

@Suite("MIME rendering and header safety")
struct MIMETests {
    let composer = NotificationComposer(fromName: "Hangar", fromAddress: "hangar@localhost")

    func steps(failing: StepName? = nil) -> [NotifiedStep] {
        var clock = t0
        return StepName.allCases.compactMap { name -> NotifiedStep? in
            if let failing, name.position > failing.position { return nil }
            defer { clock = clock.addingTimeInterval(0.4) }
            return NotifiedStep(
                name: name, status: name == failing ? .failed : .succeeded, startedAt: clock, finishedAt: clock.addingTimeInterval(0.4), attempts: 1,
                error: name == failing ? "quota exceeded" : nil)
        }
    }

    @Test("multipart/alternative with text and HTML, Date, Message-ID, From and To")
    func structure() throws {
        let id = UUID()
        let event = deploymentEvent(.succeeded, id: id, notify: ["ops@example.com"], at: t0.addingTimeInterval(2.4))
        let email = composer.compose(event, steps: steps(), startedAt: t0, recipient: "ops@example.com", now: t0)
        let parsed = try ParsedMessage(email.rendered())
        #expect(parsed.header("From") == "\"Hangar\" <hangar@localhost>")
        #expect(parsed.header("To") == "<ops@example.com>")
        #expect(parsed.header("Subject") == "[Hangar] Deployment of 2.4.0 to web succeeded")
        #expect(parsed.header("Date") == "Wed, 18 Nov 2026 11:06:40 +0000")
        let messageId = try #require(parsed.header("Message-ID"))
        #expect(messageId.hasPrefix("<\(id.uuidString.lowercased()).succeeded.") && messageId.hasSuffix("@hangar>"))
        #expect(parsed.header("MIME-Version") == "1.0")
        #expect(parsed.header("Content-Type")?.hasPrefix("multipart/alternative; boundary=") == true)
        let text = try #require(parsed.parts["text/plain"])
        #expect(text.contains("create_image") && text.contains("400 ms") && text.contains("Total:"))
        #expect(text.contains("2.4 s"), "total duration")
        #expect(text.contains("Owner:") && text.contains("alice"))
        let html = try #require(parsed.parts["text/html"])
        #expect(html.contains("<td>create_image</td><td>succeeded</td>"))
        // The same event and recipient give the same Message-ID; another recipient another.
        let again = composer.compose(event, steps: steps(), startedAt: t0, recipient: "ops@example.com", now: t0.addingTimeInterval(9))
        let other = composer.compose(event, steps: steps(), startedAt: t0, recipient: "dev@example.com", now: t0)
        #expect(again.messageId == email.messageId && other.messageId != email.messageId)
        // Every line is CRLF-terminated and at most 998 characters.
        let raw = String(decoding: email.rendered(), as: UTF8.self)
        #expect(!raw.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(raw.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 998 })
    }

    @Test("a failure names the failed step and its error, and what ran before")
    func failure() throws {
        let event = deploymentEvent(
            .failed, id: UUID(), notify: ["ops@example.com"], at: t0.addingTimeInterval(1.6), reason: "quota exceeded", failedStep: .createModels)
        let email = composer.compose(event, steps: steps(failing: .createModels), startedAt: t0, recipient: "ops@example.com", now: t0)
        let parsed = try ParsedMessage(email.rendered())
        #expect(parsed.header("Subject") == "[Hangar] Deployment of 2.4.0 to web failed at create_models")
        let text = try #require(parsed.parts["text/plain"])
        #expect(text.contains("Failed step: create_models"))
        #expect(text.contains("Error:") && text.contains("quota exceeded"))
        #expect(text.contains("create_image") && text.contains("replace_instances") && text.contains("not run"))
    }

    @Test("a rollback says so in its subject and names what it returned to and from; its webhook carries kind and rollback")
    func rollback() throws {
        var event = deploymentEvent(.succeeded, id: UUID(), version: "1.0", notify: ["ops@example.com"], at: t0.addingTimeInterval(2))
        let from = UUID()
        event.rollback = RollbackOf(
            deploymentId: UUID(), version: "1.0", modelVersion: "4", imageId: "ami-1", fromDeploymentId: from, fromVersion: "2.0",
            fromModelVersion: "5")
        let parsed = try ParsedMessage(composer.compose(event, steps: steps(), startedAt: t0, recipient: "ops@example.com", now: t0).rendered())
        #expect(parsed.header("Subject") == "[Hangar] Rollback of web to 1.0 succeeded")
        let text = try #require(parsed.parts["text/plain"])
        #expect(text.contains("Rollback:") && text.contains("to version 1.0") && text.contains("model 4"))
        #expect(text.contains("Rolled back from:") && text.contains("version 2.0 (deployment \(from.uuidString.lowercased()), model 5)"))
        let payload = WebhookPayload(event: event, steps: [], startedAt: t0)
        #expect(payload.deployment.kind == "rollback" && payload.deployment.rollback == event.rollback)
        #expect(
            WebhookPayload(event: deploymentEvent(.running, id: UUID(), notify: [], at: t0), steps: [], startedAt: nil).deployment.kind == "release")
    }

    @Test("a deferral past a freeze window is an email of its own, saying to when and why")
    func deferral() throws {
        let id = UUID()
        let scheduled = deploymentEvent(.scheduled, id: id, notify: ["ops@example.com"], at: t0)
        var deferred = deploymentEvent(
            .scheduled, id: id, notify: ["ops@example.com"], at: t0.addingTimeInterval(3600),
            reason: "deferred from 2026-11-18T19:33:20.000Z to 2026-11-18T21:33:20.000Z by the freeze 'year-end' (0193)")
        deferred.scheduledAt = t0.addingTimeInterval(7200)
        #expect(NotificationComposer.eventKey(scheduled) == "\(id.uuidString.lowercased()).scheduled", "the first one's key as before")
        #expect(NotificationComposer.eventKey(deferred) != NotificationComposer.eventKey(scheduled), "not taken for the same email")
        let email = composer.compose(deferred, steps: [], startedAt: nil, recipient: "ops@example.com", now: t0)
        let parsed = try ParsedMessage(email.rendered())
        #expect(parsed.header("Subject")?.hasPrefix("[Hangar] Deployment of 2.4.0 to web deferred to ") == true, "\(parsed.header("Subject") ?? "-")")
        let text = try #require(parsed.parts["text/plain"])
        #expect(text.contains("Reason:") && text.contains("the freeze 'year-end'"))
    }

    @Test("non-ASCII subjects become RFC 2047 encoded words that decode back")
    func encodedWords() throws {
        let event = deploymentEvent(.running, id: UUID(), version: "version été ✈️ 2", environment: "entrepôt", notify: ["a@b.c"], at: t0)
        let email = composer.compose(event, steps: [], startedAt: t0, recipient: "a@b.c", now: t0)
        let raw = String(decoding: email.rendered(), as: UTF8.self)
        #expect(raw.unicodeScalars.allSatisfy { $0.isASCII }, "the whole message is 7-bit")
        let subject = try #require(ParsedMessage(email.rendered()).header("Subject"))
        let words = subject.split(separator: " ").map(String.init)
        #expect(words.allSatisfy { $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") && $0.count <= 75 })
        let decoded = words.map { word in
            String(decoding: Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))!, as: UTF8.self)
        }.joined()
        #expect(decoded == "[Hangar] Deployment of version été ✈️ 2 to entrepôt started")
    }

    @Test("CR/LF in a version, an environment name or a From name adds no header")
    func headerInjection() throws {
        let event = deploymentEvent(
            .succeeded, id: UUID(), version: "1.0\r\nBcc: intruder@example.com\r\n\r\n<b>body</b>", environment: "web\nX-Evil: 1",
            notify: ["ops@example.com"], at: t0)
        let evil = NotificationComposer(fromName: "Hangar\r\nReply-To: x@evil", fromAddress: "hangar@localhost")
        let email = evil.compose(event, steps: steps(), startedAt: t0, recipient: "ops@example.com", now: t0)
        let parsed = try ParsedMessage(email.rendered())
        let names = parsed.headers.map(\.0)
        #expect(
            names == [
                "From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "X-Hangar-Deployment", "X-Hangar-Event", "Auto-Submitted",
                "Content-Type",
            ])
        #expect(parsed.header("Subject") == "[Hangar] Deployment of 1.0 Bcc: intruder@example.com <b>body</b> to web X-Evil: 1 succeeded")
        #expect(parsed.header("From") == "\"Hangar Reply-To: x@evil\" <hangar@localhost>")
        #expect(HeaderSafety.singleLine("a\u{2028}b\u{85}c\u{0}d\te") == "a b c d e")
        #expect(HeaderSafety.address("ops@example.com") == "ops@example.com")
        for bad in ["ops@example.com\r\nRCPT TO:<x@y>", "a b@c", "<a@b>", "no-at", "a@b,c@d", "é@x.fr"] {
            #expect(HeaderSafety.address(bad) == nil, "\(bad)")
        }
        // And the HTML part escapes it.
        let html = try #require(parsed.parts["text/html"])
        #expect(html.contains("&lt;b&gt;body&lt;/b&gt;") && !html.contains("<b>body</b>"))
    }

    @Test("the outbox writes one .eml per email")
    func outbox() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-outbox-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let transport = OutboxTransport(directory: folder.path, logger: testLogger)
        let email = OutgoingEmail(
            envelopeFrom: "hangar@localhost", recipient: "a@b.c", data: Array("Subject: x\r\n\r\nhi\r\n".utf8), key: "k/1.a@b.c", subject: "x")
        #expect(await transport.send(email) == .delivered)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files == ["k_1.a@b.c.eml"])
    }
}
