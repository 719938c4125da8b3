import Foundation
import HangarContracts
import HangarStorage
import Logging
import SQLKit

/// The notifier's state: applies events (its step table, and the emails they call for, in
/// the same transaction as the message's deduplication) and hands due emails to the sender.
public struct NotifierStore: Sendable {
    /// The notifier's database: its step table, outboxes, sent logs and processed message ids.
    public let store: SQLStore
    /// Writes the emails the events call for.
    public let composer: NotificationComposer
    /// The statuses that notify when neither the deployment nor its environment chose (`HANGAR_NOTIFY_EVENTS`).
    public let events: Set<DeploymentStatus>
    private let logger: Logger

    /// Creates the notifier's store over `store`; ``migrate()`` creates its tables.
    public init(store: SQLStore, composer: NotificationComposer, events: Set<DeploymentStatus>, logger: Logger) {
        self.store = store
        self.composer = composer
        self.events = events
        self.logger = logger
    }

    /// Creates or updates the notifier's tables (``NotifierSchema/migrations``).
    public func migrate() async throws {
        try await store.migrate(NotifierSchema.migrations)
    }

    /// Applies messages in one transaction; each message id once. Returns how many emails
    /// were queued.
    @discardableResult
    public func apply(_ batch: [(messageId: String, message: HangarMessage)], now: Date = Date()) async throws -> Int {
        let composer = composer
        let events = events
        let logger = logger
        return try await store.transaction { db in
            var queued = 0
            for (messageId, message) in batch {
                guard
                    try await NotifierSchema.processed.markProcessed(
                        messageId, fingerprint: message.fingerprint, at: now.epochMilliseconds, db: db, logger: logger)
                else { continue }
                switch message {
                case .stepEvent(let event): try await Self.apply(event, db: db)
                case .deploymentEvent(let event):
                    try await Self.apply(event, db: db)
                    // The approvers are asked whatever the deployment's notification choices.
                    let approvers = event.status == .awaitingApproval ? event.approval?.approvers ?? [] : []
                    // The deployment's (or its environment's) choice, else the notifier's default.
                    // A deployment a health gate rolled back or paused notifies whoever `failed` notifies.
                    var notifying = event.notifyEvents.map { Set($0) } ?? events
                    if notifying.contains(.failed) { notifying.formUnion([.rolledBack, .paused]) }
                    let webhooks = event.webhooks ?? []
                    let notifies = notifying.contains(event.status) && (!event.notify.isEmpty || !webhooks.isEmpty)
                    guard notifies || !approvers.isEmpty else { continue }
                    let seen = try await Self.seen(event, db: db)
                    if !approvers.isEmpty {
                        queued += try await Self.queueEmails(
                            for: event, to: approvers, keySuffix: ".approvers", seen: seen, composer: composer, now: now, db: db, logger: logger)
                    }
                    guard notifies else { continue }
                    if !event.notify.isEmpty {
                        queued += try await Self.queueEmails(for: event, seen: seen, composer: composer, now: now, db: db, logger: logger)
                    }
                    if !webhooks.isEmpty {
                        queued += try await Self.queueWebhooks(for: event, seen: seen, urls: webhooks, now: now, db: db)
                    }
                case .shutdownEvent(let event):
                    guard NotificationComposer.notifies(event), !event.notify.isEmpty else { continue }
                    queued += try await Self.queueEmails(
                        key: event.messageId, subjectId: event.environmentId, eventType: event.messageType, to: event.notify, now: now, db: db,
                        logger: logger
                    ) { composer.compose(event, recipient: $0, now: now) }
                default: continue
                }
            }
            return queued
        }
    }

    // MARK: The step table

    static func apply(_ event: StepEvent, db: any SQLDatabase) async throws {
        let id = event.deploymentId.lowercasedString
        let step = try await loadSteps(id, db: db).first { $0.name == event.step } ?? NotifiedStep(name: event.step, status: .pending)
        try await save(step.applying(event), deploymentId: id, db: db)
    }

    static func apply(_ event: DeploymentEvent, db: any SQLDatabase) async throws {
        let id = event.deploymentId.lowercasedString
        let at = event.at.epochMilliseconds
        try await db.raw(
            """
            INSERT INTO notifier_deployments (id, started_at, updated_at) VALUES (\(bind: id), \(bind: event.status == .running ? at : nil), \(bind: at))
            ON CONFLICT (id) DO UPDATE SET started_at = COALESCE(notifier_deployments.started_at, excluded.started_at), updated_at = excluded.updated_at
            """
        ).run()
        // Steps left open when a deployment ends: the failed one fails, the rest are cancelled.
        guard event.status.isTerminal else { return }
        for step in try await loadSteps(id, db: db) {
            let closed = step.closed(by: event.status, failedStep: event.failedStep, reason: event.reason, at: event.at)
            if closed != step { try await save(closed, deploymentId: id, db: db) }
        }
    }

    static func loadSteps(_ deploymentId: String, db: any SQLDatabase) async throws -> [NotifiedStep] {
        let rows = try await db.raw(
            """
            SELECT name, status, started_at, finished_at, attempts, error FROM notifier_steps WHERE deployment_id = \(bind: deploymentId)
            """
        ).all()
        return try rows.compactMap { row in
            guard let name = StepName(rawValue: try row.decode(column: "name", as: String.self)),
                let status = StepStatus(rawValue: try row.decode(column: "status", as: String.self))
            else { return nil }
            return NotifiedStep(
                name: name, status: status, startedAt: try row.decode(column: "started_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
                finishedAt: try row.decode(column: "finished_at", as: Int64?.self).map(Date.init(epochMilliseconds:)),
                attempts: Int(try row.decode(column: "attempts", as: Int64.self)), error: try row.decode(column: "error", as: String?.self))
        }.sorted { $0.name.position < $1.name.position }
    }

    static func save(_ step: NotifiedStep, deploymentId: String, db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO notifier_steps (deployment_id, name, status, started_at, finished_at, attempts, error)
            VALUES (\(bind: deploymentId), \(bind: step.name.rawValue), \(bind: step.status.rawValue), \(bind: step.startedAt?.epochMilliseconds),
                \(bind: step.finishedAt?.epochMilliseconds), \(bind: Int64(step.attempts)), \(bind: step.error))
            ON CONFLICT (deployment_id, name) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
                finished_at = excluded.finished_at, attempts = excluded.attempts, error = excluded.error
            """
        ).run()
    }

    /// What the notifier saw of a deployment: its steps and when it started.
    struct Seen {
        var steps: [NotifiedStep]
        var startedAt: Date?
    }

    /// The steps are the scheduler's, when the event carries them (a finished deployment's);
    /// otherwise the notifier's own table.
    static func seen(_ event: DeploymentEvent, db: any SQLDatabase) async throws -> Seen {
        let id = event.deploymentId.lowercasedString
        let startedAt = try await db.raw("SELECT started_at FROM notifier_deployments WHERE id = \(bind: id)").first()
            .flatMap { try $0.decode(column: "started_at", as: Int64?.self) }.map(Date.init(epochMilliseconds:))
        let steps: [NotifiedStep]
        if let carried = event.steps { steps = carried } else { steps = try await loadSteps(id, db: db) }
        return Seen(steps: steps, startedAt: startedAt)
    }

    // MARK: Emails

    /// Queues the email for `event` to `recipients` (its `notify` list unless given), under its
    /// event key with `keySuffix` (the approvers' copy has its own).
    static func queueEmails(
        for event: DeploymentEvent, to recipients: [String]? = nil, keySuffix: String = "", seen deployment: Seen,
        composer: NotificationComposer, now: Date, db: any SQLDatabase, logger: Logger
    ) async throws -> Int {
        try await queueEmails(
            key: NotificationComposer.eventKey(event) + keySuffix, subjectId: event.deploymentId, eventType: event.messageType,
            to: recipients ?? event.notify, now: now, db: db, logger: logger
        ) { recipient in
            composer.compose(event, steps: deployment.steps, startedAt: deployment.startedAt, recipient: recipient, now: now)
        }
    }

    /// Queues an email per distinct recipient of `addresses` under `key` (once per key and
    /// recipient); an address that is not one is recorded as failed. `subjectId` is the
    /// deployment (or, for a server stop, the environment) it is about.
    static func queueEmails(
        key: String, subjectId: UUID, eventType: String, to addresses: [String], now: Date, db: any SQLDatabase, logger: Logger,
        compose: (String) -> EmailMessage
    ) async throws -> Int {
        let id = subjectId.lowercasedString
        var queued = 0
        var seen: Set<String> = []
        for raw in addresses {
            let address = HeaderSafety.address(raw)
            let recipient = (address ?? HeaderSafety.singleLine(raw)).lowercased()
            guard seen.insert(recipient).inserted else { continue }
            let email = compose(address ?? recipient)
            let state = address == nil ? "failed" : "pending"
            let inserted = try await db.raw(
                """
                INSERT INTO notifier_emails (event_key, recipient, deployment_id, event_type, subject, message, state, attempts,
                    next_attempt_at, last_error, created_at, finished_at)
                VALUES (\(bind: key), \(bind: recipient), \(bind: id), \(bind: eventType), \(bind: email.subject),
                    \(bind: String(decoding: email.rendered(), as: UTF8.self)), \(bind: state), 0, \(bind: now.epochMilliseconds),
                    \(bind: address == nil ? "not a valid email address" : nil), \(bind: now.epochMilliseconds),
                    \(bind: address == nil ? now.epochMilliseconds : nil))
                ON CONFLICT (event_key, recipient) DO NOTHING RETURNING event_key
                """
            ).all()
            guard !inserted.isEmpty else { continue }
            if address == nil {
                logger.warning("notifier.email.invalid_recipient", metadata: ["hangar.deployment_id": "\(id)", "recipient": "\(recipient)"])
            } else {
                queued += 1
            }
        }
        return queued
    }

    static func queueWebhooks(
        for event: DeploymentEvent, seen deployment: Seen, urls: [String], now: Date, db: any SQLDatabase
    ) async throws -> Int {
        let id = event.deploymentId.lowercasedString
        let payload = WebhookPayload(event: event, steps: deployment.steps, startedAt: deployment.startedAt)
        let body = String(decoding: try payload.encoded(), as: UTF8.self)
        var queued = 0
        for url in Set(urls).sorted() {
            let inserted = try await db.raw(
                """
                INSERT INTO notifier_webhooks (event_key, url, deployment_id, event_type, body, state, attempts, next_attempt_at, created_at)
                VALUES (\(bind: payload.id), \(bind: url), \(bind: id), \(bind: payload.type), \(bind: body), 'pending', 0,
                    \(bind: now.epochMilliseconds), \(bind: now.epochMilliseconds))
                ON CONFLICT (event_key, url) DO NOTHING RETURNING event_key
                """
            ).all()
            queued += inserted.count
        }
        return queued
    }

    /// A notification claimed for sending: an email to one recipient or a webhook to one URL.
    public struct DueDelivery: Sendable {
        /// What to send: the rendered email or the webhook call.
        public enum Payload: Sendable {
            case email(OutgoingEmail)
            case webhook(OutgoingWebhook)
        }

        /// Whether this is an email or a webhook call; also picks the table its outcome is recorded in.
        public var channel: NotificationChannel
        /// The event the notification is for, `<deployment id>.<status>`; with `target` it identifies the row.
        public var eventKey: String
        /// The recipient's address or the webhook's URL.
        public var target: String
        /// How many sends were tried before this one.
        public var attempts: Int
        /// The email or webhook to send.
        public var payload: Payload

        /// For logs: what it is about.
        public var subject: String {
            switch payload {
            case .email(let email): email.subject
            case .webhook(let webhook): webhook.eventType
            }
        }
    }

    /// Claims up to `limit` due emails and up to `limit` due webhooks for `lease` (another
    /// sender does not take them meanwhile; a sender that dies lets them fall due again).
    public func claimDue(limit: Int, lease: Duration, fromAddress: String, now: Date = Date()) async throws -> [DueDelivery] {
        let nowMs = now.epochMilliseconds
        let leaseEnd = nowMs + lease.components.seconds * 1000 + lease.components.attoseconds / 1_000_000_000_000_000
        return try await store.transaction { db in
            var claimed: [DueDelivery] = []
            for channel in NotificationChannel.allCases {
                let (table, target) = (channel.table, channel.targetColumn)
                let rows = try await db.raw(
                    """
                    SELECT * FROM \(unsafeRaw: table)
                    WHERE state = 'pending' AND next_attempt_at <= \(bind: nowMs) ORDER BY next_attempt_at LIMIT \(bind: Int64(limit))
                    """
                ).all()
                for row in rows {
                    let key = try row.decode(column: "event_key", as: String.self)
                    let destination = try row.decode(column: target, as: String.self)
                    let due = try row.decode(column: "next_attempt_at", as: Int64.self)
                    let updated = try await db.raw(
                        """
                        UPDATE \(unsafeRaw: table) SET next_attempt_at = \(bind: leaseEnd)
                        WHERE event_key = \(bind: key) AND \(unsafeRaw: target) = \(bind: destination) AND state = 'pending'
                            AND next_attempt_at = \(bind: due)
                        RETURNING event_key
                        """
                    ).all()
                    guard !updated.isEmpty else { continue }
                    let payload: DueDelivery.Payload
                    switch channel {
                    case .email:
                        payload = .email(
                            OutgoingEmail(
                                envelopeFrom: fromAddress, recipient: destination,
                                data: Array(try row.decode(column: "message", as: String.self).utf8),
                                key: "\(key).\(destination)", subject: try row.decode(column: "subject", as: String.self)))
                    case .webhook:
                        payload = .webhook(
                            OutgoingWebhook(
                                url: destination, body: Array(try row.decode(column: "body", as: String.self).utf8), deliveryId: key,
                                eventType: try row.decode(column: "event_type", as: String.self)))
                    }
                    claimed.append(
                        DueDelivery(
                            channel: channel, eventKey: key, target: destination,
                            attempts: Int(try row.decode(column: "attempts", as: Int64.self)), payload: payload))
                }
            }
            return claimed
        }
    }

    /// Extends the claim on deliveries still being sent until `until` (those recorded since
    /// are no longer pending and stay as they are).
    public func renew(_ deliveries: [DueDelivery], until: Date) async throws {
        guard !deliveries.isEmpty else { return }
        try await store.transaction { db in
            for delivery in deliveries {
                let (table, target) = (delivery.channel.table, delivery.channel.targetColumn)
                try await db.raw(
                    """
                    UPDATE \(unsafeRaw: table) SET next_attempt_at = \(bind: until.epochMilliseconds)
                    WHERE event_key = \(bind: delivery.eventKey) AND \(unsafeRaw: target) = \(bind: delivery.target) AND state = 'pending'
                    """
                ).run()
            }
        }
    }

    /// Records a send's outcome: sent, failed for good, or due again at `retryAt`.
    public func record(_ delivery: DueDelivery, result: SendResult, retryAt: Date?, now: Date = Date()) async throws {
        let attempts = Int64(delivery.attempts + 1)
        let nowMs = now.epochMilliseconds
        let (table, target) = (delivery.channel.table, delivery.channel.targetColumn)
        try await store.transaction { db in
            switch result {
            case .delivered:
                try await db.raw(
                    """
                    UPDATE \(unsafeRaw: table) SET state = 'sent', attempts = \(bind: attempts), finished_at = \(bind: nowMs), last_error = NULL
                    WHERE event_key = \(bind: delivery.eventKey) AND \(unsafeRaw: target) = \(bind: delivery.target)
                    """
                ).run()
            case .permanent(let error), .transient(let error):
                if let retryAt {
                    try await db.raw(
                        """
                        UPDATE \(unsafeRaw: table) SET attempts = \(bind: attempts), next_attempt_at = \(bind: retryAt.epochMilliseconds),
                            last_error = \(bind: error)
                        WHERE event_key = \(bind: delivery.eventKey) AND \(unsafeRaw: target) = \(bind: delivery.target) AND state = 'pending'
                        """
                    ).run()
                } else {
                    try await db.raw(
                        """
                        UPDATE \(unsafeRaw: table) SET state = 'failed', attempts = \(bind: attempts), finished_at = \(bind: nowMs),
                            last_error = \(bind: error)
                        WHERE event_key = \(bind: delivery.eventKey) AND \(unsafeRaw: target) = \(bind: delivery.target)
                        """
                    ).run()
                }
            }
        }
    }

    /// How many emails and webhook calls are not yet delivered nor failed for good, per channel.
    public func pendingCounts() async throws -> [NotificationChannel: Int] {
        try await store.read { db in
            var counts: [NotificationChannel: Int] = [:]
            for channel in NotificationChannel.allCases {
                let row = try await db.raw("SELECT COUNT(*) AS count FROM \(unsafeRaw: channel.table) WHERE state = 'pending'").first()
                counts[channel] = Int(try row?.decode(column: "count", as: Int64.self) ?? 0)
            }
            return counts
        }
    }

    /// When the next pending email or webhook falls due, if any.
    public func nextDue() async throws -> Date? {
        try await store.read { db in
            var earliest: Int64?
            for channel in NotificationChannel.allCases {
                let due = try await db.raw("SELECT MIN(next_attempt_at) AS due FROM \(unsafeRaw: channel.table) WHERE state = 'pending'").first()
                    .flatMap { try $0.decode(column: "due", as: Int64?.self) }
                if let due { earliest = min(earliest ?? due, due) }
            }
            return earliest.map(Date.init(epochMilliseconds:))
        }
    }

    /// Forgets processed message ids older than `processedAge` (a broker redelivers only
    /// what is still queued, long before that), and sent or failed emails and step tables of
    /// deployments untouched for `historyAge`.
    public func prune(processedAge: TimeInterval = 7 * 24 * 3600, historyAge: TimeInterval = 30 * 24 * 3600) async throws {
        let processedCutoff = Date().addingTimeInterval(-processedAge).epochMilliseconds
        let historyCutoff = Date().addingTimeInterval(-historyAge).epochMilliseconds
        try await store.transaction { db in
            try await db.raw("DELETE FROM notifier_processed WHERE processed_at < \(bind: processedCutoff)").run()
            for channel in NotificationChannel.allCases {
                try await db.raw("DELETE FROM \(unsafeRaw: channel.table) WHERE state <> 'pending' AND finished_at < \(bind: historyCutoff)").run()
            }
            try await db.raw(
                """
                DELETE FROM notifier_steps WHERE deployment_id IN (SELECT id FROM notifier_deployments WHERE updated_at < \(bind: historyCutoff))
                """
            ).run()
            try await db.raw("DELETE FROM notifier_deployments WHERE updated_at < \(bind: historyCutoff)").run()
        }
    }

    /// One row of the sent log.
    public struct LogEntry: Sendable, Equatable {
        /// The event the notification is for, `<deployment id>.<status>`.
        public var eventKey: String
        /// The recipient's address, or the webhook's URL.
        public var recipient: String
        /// Where it stands: `pending`, `sent` or `failed`.
        public var state: String
        /// How many sends were tried.
        public var attempts: Int
        /// Why the last try failed; nil before any failure and once sent.
        public var lastError: String?
    }

    /// The sent log of a deployment (or all of it) on `channel`, for operators and tests.
    public func log(deploymentId: UUID? = nil, channel: NotificationChannel = .email) async throws -> [LogEntry] {
        let (table, target) = (channel.table, channel.targetColumn)
        return try await store.read { db in
            let rows: [any SQLRow]
            if let deploymentId {
                rows = try await db.raw(
                    """
                    SELECT event_key, \(unsafeRaw: target) AS target, state, attempts, last_error FROM \(unsafeRaw: table)
                    WHERE deployment_id = \(bind: deploymentId.lowercasedString) ORDER BY created_at, event_key, \(unsafeRaw: target)
                    """
                ).all()
            } else {
                rows = try await db.raw(
                    """
                    SELECT event_key, \(unsafeRaw: target) AS target, state, attempts, last_error FROM \(unsafeRaw: table)
                    ORDER BY created_at, event_key, \(unsafeRaw: target)
                    """
                ).all()
            }
            return try rows.map { row in
                LogEntry(
                    eventKey: try row.decode(column: "event_key", as: String.self), recipient: try row.decode(column: "target", as: String.self),
                    state: try row.decode(column: "state", as: String.self), attempts: Int(try row.decode(column: "attempts", as: Int64.self)),
                    lastError: try row.decode(column: "last_error", as: String?.self))
            }
        }
    }
}

/// Where a notification goes: the table that is its outbox and sent log, and its target column.
public enum NotificationChannel: String, Sendable, CaseIterable {
    case email
    case webhook

    var table: String { self == .email ? "notifier_emails" : "notifier_webhooks" }
    var targetColumn: String { self == .email ? "recipient" : "url" }
}
