import Foundation
import HangarContracts
import HangarHarness
import Testing

/// Secrets never reach a log: every service at `trace` level, a known secret in every setting
/// that takes one (API tokens, the broker's and the management API's password, the SMTP
/// password, the webhook key, AWS keys), a deployment that sends an email over authenticated
/// STARTTLS and a signed webhook — and none of the secrets, plain or base64, in any log.
@Suite("Secrets stay out of the logs", .serialized, .timeLimit(.minutes(3)))
struct SecretsEndToEndTests {
    @Test("every service at trace level logs none of the secrets it was given")
    func noSecretsInLogs() async throws {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let brokerUser = "hangar-secrets-\(suffix)"
        let brokerPassword = "Broker-Pw-\(suffix)-q9Z"
        let smtpPassword = "Smtp-Pw-\(suffix)-w3X"
        let webhookSecret = "Webhook-Key-\(suffix)-0123456789abcdef"
        let awsSecret = "Aws-Secret-\(suffix)-wJalrXUtnFEMI"

        let sink = SMTPSink(starttls: true, auth: "mailer:\(smtpPassword)")
        try await sink.start()
        defer { sink.remove() }
        let receiver = WebhookReceiver(secret: webhookSecret)
        try await receiver.start()
        defer { receiver.remove() }

        let system = try await HangarSystem("secrets")
        defer {
            Task {
                await system.shutdown()
                await system.deleteBrokerUser(brokerUser)
            }
        }
        try await system.createBrokerUser(brokerUser, password: brokerPassword)
        let managementPort = URL(string: HangarSystem.managementURL)?.port ?? 15672
        system.extraEnvironment = [
            "HANGAR_LOG_LEVEL": "trace",
            "HANGAR_AMQP_URL": "amqp://\(brokerUser):\(brokerPassword)@127.0.0.1:5672/\(system.vhost)",
            "HANGAR_RABBITMQ_MANAGEMENT_URL": "http://\(brokerUser):\(brokerPassword)@127.0.0.1:\(managementPort)",
            "HANGAR_SMTP_URL": "smtp://mailer:\(smtpPassword)@127.0.0.1:\(sink.port)?starttls=required&ca=\(sink.caFile)",
            "HANGAR_WEBHOOK_SECRET": webhookSecret,
            "AWS_ACCESS_KEY_ID": "AKIAHANGARTEST\(suffix.uppercased())", "AWS_SECRET_ACCESS_KEY": awsSecret,
        ]
        try await system.startAll(notifier: true)
        try await system.createEnvironment("vault", target: #"{"stepDurationMs": 20}"#)
        let (_, queues) = try await system.request("GET", "/v1/queues", token: HangarSystem.viewerToken)  // the management API
        #expect(queues == 200)
        let (_, patched) = try await system.request(
            "PATCH", "/v1/environments/vault", body: #"{"notifications":{"events":["succeeded"],"webhooks":["\#(receiver.url())"]}}"#)
        #expect(patched == 200)
        let id = try await system.deploy("vault", body: #"{"version":"1.0","notify":{"emails":["ops@example.com"]}}"#)
        _ = try await system.wait(for: id, status: .succeeded)
        let emails = try await sink.waitForMessages(1)
        #expect(emails.first?.authenticated == true, "the email went through an authenticated session")
        let hooks = try await receiver.waitForRequests(1)
        #expect(hooks.first?.signatureValid == true)

        var forbidden: [String: String] = [:]
        let secrets = [
            "broker password": brokerPassword, "SMTP password": smtpPassword, "webhook key": webhookSecret, "AWS secret": awsSecret,
            "admin token": HangarSystem.adminToken, "deployer token": HangarSystem.deployerToken, "viewer token": HangarSystem.viewerToken,
        ]
        for (name, secret) in secrets {
            forbidden[name] = secret
            forbidden["\(name) (base64)"] = Data(secret.utf8).base64EncodedString()
        }
        forbidden["SMTP AUTH PLAIN"] = Data("\u{0}mailer\u{0}\(smtpPassword)".utf8).base64EncodedString()
        forbidden["management basic auth"] = Data("\(brokerUser):\(brokerPassword)".utf8).base64EncodedString()

        let logs = system.allLogs()
        #expect(Set(logs.keys).isSuperset(of: ["intake", "scheduler", "recorder", "notifier", "worker-1"]))
        #expect(logs.values.allSatisfy { $0.contains(" trace ") || $0.contains(" debug ") }, "the services logged at trace level")
        for (service, text) in logs.sorted(by: { $0.key < $1.key }) {
            for (name, secret) in forbidden.sorted(by: { $0.key < $1.key }) where text.contains(secret) {
                let line = text.split(separator: "\n").first { $0.contains(secret) }.map { String($0.prefix(300)) } ?? ""
                Issue.record("\(service)'s log holds the \(name): \(line.replacingOccurrences(of: secret, with: "<\(name)>"))")
            }
        }
    }
}
