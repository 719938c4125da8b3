import Foundation
import HangarContracts
import HangarSettings

/// The notifier's settings, from the settings catalog (`HangarSettings`):
///
/// - `HANGAR_SMTP_URL`: `smtp://user:pass@host:port?starttls=required|optional|off&ca=/path&insecure=1&connect_timeout=10&timeout=60`
///   or `smtps://…`; unset: emails are written to the outbox folder instead.
/// - `HANGAR_SMTP_FROM`: `Hangar <hangar@localhost>` by default.
/// - `HANGAR_NOTIFIER_OUTBOX`: `<data dir>/outbox` by default.
/// - `HANGAR_NOTIFY_EVENTS`: which deployment events notify when neither the deployment nor
///   its environment chose, default `started,succeeded,failed,cancelled,scheduled` (also
///   `queued`, which only a deployment that waits behind another sends, and `rejected`).
/// - `HANGAR_WEBHOOK_SECRET`: the HMAC-SHA256 key webhooks are signed with (16 characters or
///   more); unset: a random key kept in `<data dir>/webhook-secret`.
/// - `HANGAR_WEBHOOK_TIMEOUT_S` (30): how long one webhook call may take.
/// - `HANGAR_CONSOLE_URL` (`http://127.0.0.1:8080/console/`): the console's address, for the
///   link in the email that asks approvers to decide.
/// - `HANGAR_NOTIFIER_RETRY_BASE_MS` (1000), `HANGAR_NOTIFIER_RETRY_MAX_MS` (300000),
///   `HANGAR_NOTIFIER_MAX_ATTEMPTS` (200), `HANGAR_NOTIFIER_CONCURRENCY` (4).
/// - `HANGAR_NOTIFIER_LEASE_MS` (30000): how long a sender holds the notifications it claimed;
///   renewed while they are being sent, so a sender that dies lets them fall due this soon.
/// - `HANGAR_NOTIFIER_BATCH_WINDOW_MS` (50): how long an event is held to be stored with those
///   that follow (a deployment's `running` and end, when it is quick), in one
///   transaction instead of one each; 0: each batch as it comes.
public struct NotifierConfiguration: Sendable {
    /// The SMTP server emails go through, from `HANGAR_SMTP_URL`; nil when unset, and emails are then written to `outboxDirectory`.
    public var smtp: SMTPSettings?
    /// The folder emails are written to when no SMTP server is set (`HANGAR_NOTIFIER_OUTBOX`, `<data dir>/outbox` by default).
    public var outboxDirectory: String
    /// The display name in the emails' `From` header, from `HANGAR_SMTP_FROM`; nil for a bare address.
    public var fromName: String?
    /// The sender address, from `HANGAR_SMTP_FROM`: the `From` header and the SMTP envelope sender.
    public var fromAddress: String
    /// The deployment statuses that notify when neither the deployment nor its environment chose (`HANGAR_NOTIFY_EVENTS`).
    public var events: Set<DeploymentStatus>
    /// The backoff after transient send failures and the attempt limit (`HANGAR_NOTIFIER_RETRY_BASE_MS`,
    /// `HANGAR_NOTIFIER_RETRY_MAX_MS`, `HANGAR_NOTIFIER_MAX_ATTEMPTS`).
    public var retry: RetryPolicy
    /// Emails and webhooks in flight at once.
    public var concurrency: Int
    /// How long a claim on due notifications lasts (renewed while they are sent).
    public var lease: Duration = .seconds(30)
    /// The key webhooks are signed with.
    public var webhookSecret: [UInt8]
    /// How long one webhook call may take, in seconds (`HANGAR_WEBHOOK_TIMEOUT_S`, 30 by default).
    public var webhookTimeoutSeconds: Int
    /// How long an event is held to be stored with those that follow (`HANGAR_NOTIFIER_BATCH_WINDOW_MS`); `.zero`: none is held.
    public var batchWindow: Duration = .milliseconds(50)
    /// The console's address for links in emails (`HANGAR_CONSOLE_URL`).
    public var consoleURL: String? = "http://127.0.0.1:8080/console/"

    /// The value of `HANGAR_NOTIFY_EVENTS` when it is unset.
    public static let defaultEvents = "started,succeeded,failed,cancelled,scheduled"

    /// Creates a configuration from explicit values, for tests. The lease stays 30 seconds and the default webhook key is a fixed
    /// test key: the service reads its settings with ``init(settings:dataDirectory:)``.
    public init(
        smtp: SMTPSettings?, outboxDirectory: String, fromName: String? = "Hangar", fromAddress: String = "hangar@localhost",
        events: Set<DeploymentStatus> = [.running, .succeeded, .failed, .cancelled, .scheduled], retry: RetryPolicy = RetryPolicy(),
        concurrency: Int = 4, webhookSecret: [UInt8] = Array("hangar-test-webhook-secret".utf8), webhookTimeoutSeconds: Int = 30
    ) {
        self.smtp = smtp
        self.outboxDirectory = outboxDirectory
        self.fromName = fromName
        self.fromAddress = fromAddress
        self.events = events
        self.retry = retry
        self.concurrency = concurrency
        self.webhookSecret = webhookSecret
        self.webhookTimeoutSeconds = webhookTimeoutSeconds
    }

    /// Reads the settings (see the type's list) with `settings`. `dataDirectory` holds the
    /// default outbox and the generated webhook key. Throws a ``SettingError`` for a value that
    /// cannot be used.
    public init(settings: SettingsReader, dataDirectory: String) throws(SettingError) {
        smtp = try settings.string(.smtpURL).map { url throws(SettingError) in try SMTPSettings(url: url) }
        outboxDirectory = settings.string(.notifierOutbox) ?? "\(dataDirectory)/outbox"
        let from = try Self.parseFrom(settings.string(.smtpFrom) ?? "Hangar <hangar@localhost>")
        fromName = from.name
        fromAddress = from.address
        events = try Self.parseEvents(settings.string(.notifyEvents) ?? Self.defaultEvents)
        retry = RetryPolicy(
            base: .milliseconds(try settings.int(.notifierRetryBase, default: 1000, range: 1...3_600_000)),
            max: .milliseconds(try settings.int(.notifierRetryMax, default: 300_000, range: 1...86_400_000)),
            maxAttempts: try settings.int(.notifierMaxAttempts, default: 200, range: 1...100_000))
        concurrency = try settings.int(.notifierConcurrency, default: 4, range: 1...64)
        lease = .milliseconds(try settings.int(.notifierLease, default: 30_000, range: 300...3_600_000))
        webhookSecret = try WebhookSecret.load(value: settings.string(.webhookSecret), file: "\(dataDirectory)/webhook-secret")
        webhookTimeoutSeconds = try settings.int(.webhookTimeout, default: 30, range: 1...600)
        consoleURL = settings.string(.consoleURL) ?? "http://127.0.0.1:8080/console/"
        batchWindow = try settings.milliseconds(.notifierBatchWindow, default: .milliseconds(50))
    }

    /// `Name <address>` or a bare address.
    public static func parseFrom(_ text: String) throws(SettingError) -> (name: String?, address: String) {
        let text = HeaderSafety.singleLine(text)
        if let open = text.lastIndex(of: "<"), text.hasSuffix(">") {
            let address = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            var name = String(text[..<open]).trimmingSpaces()
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            guard let valid = HeaderSafety.address(address) else {
                throw SettingError(.smtpFrom, accepts: "'Name <address>' with a valid address", got: text)
            }
            return (name.isEmpty ? nil : name, valid)
        }
        guard let valid = HeaderSafety.address(text) else {
            throw SettingError(.smtpFrom, accepts: "'Name <address>' or an address", got: text)
        }
        return (nil, valid)
    }

    /// `started` is the `running` status; the others are status names.
    public static func parseEvents(_ text: String) throws(SettingError) -> Set<DeploymentStatus> {
        var events: Set<DeploymentStatus> = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !name.isEmpty {
            if name == "started" || name == "running" {
                events.insert(.running)
            } else if let status = DeploymentStatus(rawValue: name) {
                events.insert(status)
            } else {
                throw SettingError(
                    .notifyEvents, accepts: "event names among started, succeeded, failed, cancelled, scheduled, queued, rejected, awaiting_approval",
                    got: text)
            }
        }
        return events
    }
}

/// Capped exponential backoff with jitter for transient send failures.
public struct RetryPolicy: Sendable, Equatable {
    /// The wait after the first failure, doubled after each further one (`HANGAR_NOTIFIER_RETRY_BASE_MS`; 1 second by default).
    public var base: Duration
    /// The cap on the wait, before the ±20 % jitter (`HANGAR_NOTIFIER_RETRY_MAX_MS`; 5 minutes by default).
    public var max: Duration
    /// Transient failures after which an email is given up (recorded as failed).
    public var maxAttempts: Int

    /// Creates a policy; the defaults are the notifier's defaults.
    public init(base: Duration = .seconds(1), max: Duration = .seconds(300), maxAttempts: Int = 200) {
        self.base = base
        self.max = max
        self.maxAttempts = maxAttempts
    }

    /// The wait after the `attempt`th failure (1-based): base·2^(attempt−1), capped, ±20 %.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let baseMs = Double(base.components.seconds) * 1000 + Double(base.components.attoseconds) / 1e15
        let maxMs = Double(max.components.seconds) * 1000 + Double(max.components.attoseconds) / 1e15
        let raw = Swift.min(maxMs, baseMs * pow(2, Double(Swift.min(attempt - 1, 30))))
        return .milliseconds(Int64(raw * Double.random(in: 0.8...1.2)))
    }
}
