import HangarStorage
import SQLKit

/// The recorder's tables: the deployment history read by the API.
/// Times are milliseconds since 1970 (BIGINT), JSON is TEXT.
enum HistorySchema {
    static let processed = ProcessedMessages(table: "history_processed")
    /// Redeliveries per message id, on a classic queue (see `RedeliveryGuard`).
    static let redeliveries = DeliveryCounts(table: "history_redeliveries")

    static let migrations: [Migration] = [
        Migration(id: "history-1-initial") { db in
            try await db.raw(
                """
                CREATE TABLE history_deployments (
                    id TEXT PRIMARY KEY,
                    environment_id TEXT,
                    environment_name TEXT,
                    version TEXT,
                    owner TEXT,
                    status TEXT NOT NULL,
                    status_rank BIGINT NOT NULL,
                    mode TEXT,
                    options TEXT,
                    notify TEXT,
                    created_at BIGINT,
                    scheduled_at BIGINT,
                    started_at BIGINT,
                    finished_at BIGINT,
                    reason TEXT,
                    failed_step TEXT,
                    outputs TEXT,
                    updated_at BIGINT NOT NULL
                )
                """
            ).run()
            try await db.raw("CREATE INDEX history_deployments_env ON history_deployments (environment_id, created_at, id)").run()
            try await db.raw(
                """
                CREATE TABLE history_steps (
                    deployment_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    position BIGINT NOT NULL,
                    status TEXT NOT NULL,
                    started_at BIGINT,
                    finished_at BIGINT,
                    attempts BIGINT NOT NULL DEFAULT 0,
                    error TEXT,
                    worker TEXT,
                    PRIMARY KEY (deployment_id, name)
                )
                """
            ).run()
            try await db.raw(
                """
                CREATE TABLE history_details (
                    message_id TEXT PRIMARY KEY,
                    deployment_id TEXT NOT NULL,
                    step TEXT NOT NULL,
                    at BIGINT NOT NULL,
                    message TEXT NOT NULL
                )
                """
            ).run()
            try await db.raw("CREATE INDEX history_details_deployment ON history_details (deployment_id, at)").run()
            try await db.raw(
                """
                CREATE TABLE history_processed (
                    message_id TEXT PRIMARY KEY,
                    processed_at BIGINT NOT NULL
                )
                """
            ).run()
        },
        processed.fingerprintMigration(id: "history-2-processed-fingerprint"),
        redeliveries.migration(id: "history-3-redeliveries"),
        // Revisions: every batch that changes a deployment counts up its revision and its
        // environment's, so the API answers a poller whose copy is current with 304 before
        // reading the rest (`ETag`, `If-None-Match`).
        Migration(id: "history-4-revisions") { db in
            try await db.raw("ALTER TABLE history_deployments ADD COLUMN revision BIGINT NOT NULL DEFAULT 0").run()
            try await db.raw(
                """
                CREATE TABLE history_environment_revisions (
                    environment_id TEXT PRIMARY KEY,
                    revision BIGINT NOT NULL
                )
                """
            ).run()
        },
        // Dead letters, kept until an operator replays or purges them (DeadLetterKeeper).
        DeadLetterStore.migration,
        // The latest status of each worker (WorkerDirectory).
        WorkerDirectory.migration,
        // A line's attempt, and whether it is the answer that ends it: the history says at
        // reading that the answer of an attempt since replaced moved nothing, so it reads the
        // same whichever order the events were applied in. Older lines have neither (their
        // text says it already).
        Migration(id: "history-5-detail-attempts") { db in
            try await db.raw("ALTER TABLE history_details ADD COLUMN attempt BIGINT").run()
            try await db.raw("ALTER TABLE history_details ADD COLUMN answer BIGINT").run()
        },
        // Scheduled server stops: the environment's shutdown history and each server's latest state.
        ServerShutdownHistory.migration,
        // A rollback's `RollbackOf` (JSON): what it returned to and from. NULL on a release.
        Migration(id: "history-7-rollbacks") { db in
            try await db.raw("ALTER TABLE history_deployments ADD COLUMN rollback TEXT").run()
        },
        // Where an approval stands (`ApprovalState`, JSON), and when the status last moved: a
        // deployment goes from `running` to `awaiting_approval` and back (the same rank), so the
        // newer of two such events wins by its time.
        Migration(id: "history-8-approvals") { db in
            try await db.raw("ALTER TABLE history_deployments ADD COLUMN approval TEXT").run()
            try await db.raw("ALTER TABLE history_deployments ADD COLUMN status_at BIGINT").run()
        },
        // Where a rollout paused by a failed health gate stands (`PauseState`, JSON).
        Migration(id: "history-9-pauses") { db in
            try await db.raw("ALTER TABLE history_deployments ADD COLUMN pause TEXT").run()
        },
        // A line's place among its run's lines of the same millisecond (`HistoryProjector.lineOrder`):
        // workers stamp events with their true time, several in one millisecond. Older lines
        // have 0 (their workers stamped each event a millisecond after the one before).
        Migration(id: "history-10-detail-order") { db in
            try await db.raw("ALTER TABLE history_details ADD COLUMN seq BIGINT NOT NULL DEFAULT 0").run()
        },
    ]
}
