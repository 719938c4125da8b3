import Foundation
import HangarContracts
import HangarHarness
import HangarNotification
import Testing

/// Webhooks against a real HTTP server on loopback (deploy/webhook/receiver.py), which checks
/// the signatures with its own HMAC implementation.
@Suite("Notifier webhooks against a real HTTP receiver", .serialized, .timeLimit(.minutes(3)))
struct WebhookTests {
    static let secret = "hangar-webhook-test-secret-0123456789"

    @Test("a signed JSON POST per event; 503s retried until delivered once; a redelivered event posts nothing more")
    func retriedUntilDelivered() async throws {
        let receiver = WebhookReceiver(secret: Self.secret, statuses: [503, 503])
        try await receiver.start()
        defer { receiver.remove() }
        let notifier = Self.notifier()
        let id = UUID()
        let url = receiver.url()
        let succeeded = deploymentEvent(.succeeded, id: id, notify: [], at: t0.addingTimeInterval(2), notifyEvents: [.succeeded], webhooks: [url])
        let messages = pipeline(id: id, notify: []) + [("\(id)-succeeded-webhook", .deploymentEvent(succeeded))]
        let (received, log) = try await notifier.run {
            try await notifier.apply(messages)
            // The same event again, under another message id: no second webhook.
            try await notifier.apply([("\(id)-succeeded-again", .deploymentEvent(succeeded))])
            _ = try await receiver.waitForRequests(3)
            let log = try await Self.settledLog(notifier, id)
            return (receiver.requests(), log)
        }
        #expect(received.map(\.status) == [503, 503, 200])
        #expect(log.count == 1)
        #expect(log.first?.state == "sent" && log.first?.attempts == 3 && log.first?.recipient == url)
        for request in received {
            #expect(request.signatureValid, "signature checked by the receiver's own HMAC")
            #expect(request.header("Content-Type") == "application/json")
            #expect(request.header("X-Hangar-Event") == "deployment.succeeded")
            #expect(request.header("X-Hangar-Delivery") == "\(id.uuidString.lowercased()).succeeded")
        }
        let body = try #require(received.last?.json)
        #expect(body["type"] as? String == "deployment.succeeded")
        let deployment = try #require(body["deployment"] as? [String: Any])
        #expect(deployment["id"] as? String == id.uuidString.lowercased())
        #expect(deployment["status"] as? String == "succeeded")
        #expect(deployment["environment"] as? String == "web")
        let steps = try #require(deployment["steps"] as? [[String: Any]])
        #expect(steps.map { $0["name"] as? String } == StepName.allCases.map(\.rawValue))
        #expect(steps.first { $0["name"] as? String == "create_image" }?["durationMs"] as? Int == 400)
        #expect(deployment["durationMs"] as? Int == 2000)
    }

    @Test("a 410 fails that webhook for good without stopping another; events not chosen post nothing")
    func permanentFailureAndChoice() async throws {
        let receiver = WebhookReceiver(secret: Self.secret)
        try await receiver.start()
        defer { receiver.remove() }
        let notifier = Self.notifier()
        let id = UUID()
        let hooks = [receiver.url("/gone"), receiver.url("/ok")]
        let (received, log) = try await notifier.run {
            try await notifier.apply([
                // Only failures were chosen: the start posts nothing.
                ("m1", .deploymentEvent(deploymentEvent(.running, id: id, notify: [], at: t0, notifyEvents: [.failed], webhooks: hooks))),
                (
                    "m2",
                    .deploymentEvent(
                        deploymentEvent(
                            .failed, id: id, notify: [], at: t0.addingTimeInterval(1), reason: "quota", failedStep: .createModels,
                            notifyEvents: [.failed], webhooks: hooks))
                ),
            ])
            _ = try await receiver.waitForRequests(2)
            let log = try await Self.settledLog(notifier, id)
            return (receiver.requests(), log)
        }
        #expect(received.count == 2, "one try each: a 410 is not retried")
        #expect(Set(received.map(\.path)) == ["/gone", "/ok"])
        #expect(received.allSatisfy { $0.header("X-Hangar-Event") == "deployment.failed" })
        let states = Dictionary(uniqueKeysWithValues: log.map { ($0.recipient, $0.state) })
        #expect(states == [hooks[0]: "failed", hooks[1]: "sent"])
        #expect(log.first { $0.recipient == hooks[0] }?.lastError == "HTTP 410")
    }

    @Test("a redirect is the answer, not followed (permanent); a URL that is not http or https is refused without a call")
    func redirectsAndSchemes() async throws {
        let receiver = WebhookReceiver(secret: Self.secret)
        try await receiver.start()
        defer { receiver.remove() }
        let transport = HTTPWebhookTransport(secret: Array(Self.secret.utf8), timeoutSeconds: 5)
        let body = Array(#"{"event":"deployment.succeeded"}"#.utf8)
        let moved = await transport.post(.init(url: receiver.url("/moved"), body: body, deliveryId: "d-1", eventType: "deployment.succeeded"))
        #expect(moved == .permanent("HTTP 307"))
        let ftp = await transport.post(.init(url: "ftp://127.0.0.1:\(receiver.port)/ok", body: body, deliveryId: "d-2", eventType: "x"))
        #expect(ftp == .permanent("not an http or https URL"))
        let refused = await transport.post(
            .init(url: "http://127.0.0.1:\(HangarSystem.freePort())/ok", body: body, deliveryId: "d-3", eventType: "x"))
        guard case .transient = refused else { throw TestFailure("a refused connection is transient: \(refused)") }
        try await Task.sleep(for: .milliseconds(300))
        let received = receiver.requests()
        #expect(received.map(\.path) == ["/moved"], "one call, to the first URL only")
        #expect(received.first?.signatureValid == true)
        #expect(received.first?.header("X-Hangar-Delivery") == "d-1")
    }

    /// A notifier whose emails go nowhere and whose webhooks are signed with ``secret``.
    static func notifier() -> NotifierUnderTest {
        NotifierUnderTest(
            transport: OutboxTransport(directory: NSTemporaryDirectory() + "unused-\(UUID())", logger: testLogger),
            webhooks: HTTPWebhookTransport(secret: Array(secret.utf8), timeoutSeconds: 5))
    }

    /// The deployment's webhook log once nothing is pending, after time for a wrong extra delivery to show.
    static func settledLog(_ notifier: NotifierUnderTest, _ id: UUID) async throws -> [NotifierStore.LogEntry] {
        let deadline = ContinuousClock.now + .seconds(10)
        var log = try await notifier.notifier.log(deploymentId: id, channel: .webhook)
        while ContinuousClock.now < deadline, log.contains(where: { $0.state == "pending" }) {
            try await Task.sleep(for: .milliseconds(50))
            log = try await notifier.notifier.log(deploymentId: id, channel: .webhook)
        }
        try await Task.sleep(for: .milliseconds(600))
        return log
    }

    @Test("the signature is HMAC-SHA256 over timestamp, dot and body, and checks out only with the same key")
    func signature() {
        let signer = WebhookSignature(secret: Array("key".utf8))
        let body = Array("The quick brown fox jumps over the lazy dog".utf8)
        // HMAC-SHA256("key", "1.The quick brown fox…") as computed by Python's hmac module.
        let value = signer.signature(body: body, timestamp: 1)
        #expect(value == "sha256=3ff4d3cc115b639a16dc5b217aa5c89be41d1e4b54efc356d63d0cd2a65b30f1")
        #expect(signer.isValid(value, body: body, timestamp: 1))
        #expect(!signer.isValid(value, body: body, timestamp: 2))
        #expect(!WebhookSignature(secret: Array("other".utf8)).isValid(value, body: body, timestamp: 1))
    }
}
