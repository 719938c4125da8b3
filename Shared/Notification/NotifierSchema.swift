import HangarStorage
import SQLKit

/// The notifier's own tables. Times are milliseconds since 1970.
///
/// - `notifier_processed`: message ids already applied (deduplication of redeliveries).
/// - `notifier_deployments`, `notifier_steps`: what the notifier saw of each deployment's
///   steps, for the summary emails (its own copy: services own their data, and the
///   recorder may lag).
/// - `notifier_emails`: the outbox and the sent log in one, one row per event and
///   recipient (primary key): `pending` until sent, then `sent` or `failed`.
enum NotifierSchema {
    static let processed = ProcessedMessages(table: "notifier_processed")
    /// Redeliveries per message id, on a classic queue (see `RedeliveryGuard`).
    static let redeliveries = DeliveryCounts(table: "notifier_redeliveries")

    static let migrations: [Migration] = [
        Migration(id: "notifier-1-initial") { db in
            try await db.raw("CREATE TABLE notifier_processed (message_id TEXT PRIMARY KEY, processed_at BIGINT NOT NULL)").run()
            try await db.raw(
                """
                CREATE TABLE notifier_deployments (id TEXT PRIMARY KEY, started_at BIGINT, updated_at BIGINT NOT NULL)
                """
            ).run()
            try await db.raw(
                """
                CREATE TABLE notifier_steps (
                    deployment_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    status TEXT NOT NULL,
                    started_at BIGINT,
                    finished_at BIGINT,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    error TEXT,
                    PRIMARY KEY (deployment_id, name)
                )
                """
            ).run()
            try await db.raw(
                """
                CREATE TABLE notifier_emails (
                    event_key TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    deployment_id TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    message TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    next_attempt_at BIGINT NOT NULL,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    finished_at BIGINT,
                    PRIMARY KEY (event_key, recipient)
                )
                """
            ).run()
            try await db.raw("CREATE INDEX notifier_emails_due ON notifier_emails (state, next_attempt_at)").run()
            try await db.raw("CREATE INDEX notifier_emails_deployment ON notifier_emails (deployment_id)").run()
        },
        // `notifier_webhooks`: the same for webhooks, one row per event and URL.
        Migration(id: "notifier-2-webhooks") { db in
            try await db.raw(
                """
                CREATE TABLE notifier_webhooks (
                    event_key TEXT NOT NULL,
                    url TEXT NOT NULL,
                    deployment_id TEXT NOT NULL,
                    event_type TEXT NOT NULL,
                    body TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    next_attempt_at BIGINT NOT NULL,
                    last_error TEXT,
                    created_at BIGINT NOT NULL,
                    finished_at BIGINT,
                    PRIMARY KEY (event_key, url)
                )
                """
            ).run()
            try await db.raw("CREATE INDEX notifier_webhooks_due ON notifier_webhooks (state, next_attempt_at)").run()
            try await db.raw("CREATE INDEX notifier_webhooks_deployment ON notifier_webhooks (deployment_id)").run()
        },
        processed.fingerprintMigration(id: "notifier-3-processed-fingerprint"),
        redeliveries.migration(id: "notifier-4-redeliveries"),
    ]
}
