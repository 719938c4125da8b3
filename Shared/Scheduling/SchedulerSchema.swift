import HangarStorage
import SQLKit

/// The scheduler's tables. Times are milliseconds since 1970 (BIGINT), JSON is TEXT.
enum SchedulerSchema {
    static let processed = ProcessedMessages(table: "scheduler_processed")
    /// Redeliveries per message id, on a classic queue (see `RedeliveryGuard`).
    static let redeliveries = DeliveryCounts(table: "scheduler_redeliveries")

    static let migrations: [Migration] = [
        Migration(id: "scheduler-1-initial") { db in
            try await db.raw(
                """
                CREATE TABLE scheduler_deployments (
                    id TEXT PRIMARY KEY,
                    environment_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    request TEXT NOT NULL,
                    mode TEXT NOT NULL,
                    sequence BIGINT NOT NULL,
                    current_step TEXT,
                    attempt BIGINT NOT NULL DEFAULT 0,
                    poll BIGINT NOT NULL DEFAULT 0,
                    dispatch_id TEXT,
                    dispatched_at BIGINT,
                    last_heard_at BIGINT,
                    outputs TEXT NOT NULL DEFAULT '{}',
                    cancel_requested BIGINT NOT NULL DEFAULT 0,
                    cancelled_by TEXT,
                    created_at BIGINT NOT NULL,
                    scheduled_at BIGINT,
                    started_at BIGINT,
                    finished_at BIGINT,
                    reason TEXT
                )
                """
            ).run()
            try await db.raw("CREATE INDEX scheduler_deployments_env ON scheduler_deployments (environment_id, status, sequence)").run()
            try await db.raw("CREATE INDEX scheduler_deployments_status ON scheduler_deployments (status)").run()
            try await db.raw(
                """
                CREATE TABLE scheduler_timers (
                    id TEXT PRIMARY KEY,
                    deployment_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    due_at BIGINT NOT NULL,
                    payload TEXT NOT NULL DEFAULT '{}'
                )
                """
            ).run()
            try await db.raw("CREATE INDEX scheduler_timers_due ON scheduler_timers (due_at)").run()
            try await db.raw("CREATE INDEX scheduler_timers_deployment ON scheduler_timers (deployment_id)").run()
            try await db.raw(
                """
                CREATE TABLE scheduler_processed (
                    message_id TEXT PRIMARY KEY,
                    processed_at BIGINT NOT NULL
                )
                """
            ).run()
            try await db.raw(
                """
                CREATE TABLE scheduler_outbox (
                    message_id TEXT PRIMARY KEY,
                    type TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """
            ).run()
            try await db.raw(
                """
                CREATE TABLE scheduler_environments (
                    id TEXT PRIMARY KEY
                )
                """
            ).run()
            try await db.raw(
                """
                CREATE TABLE scheduler_leases (
                    name TEXT PRIMARY KEY,
                    holder TEXT NOT NULL,
                    expires_at BIGINT NOT NULL
                )
                """
            ).run()
        },
        processed.fingerprintMigration(id: "scheduler-2-processed-fingerprint"),
        // The next sequence number is MAX(sequence): an index keeps that a lookup instead of
        // a scan that grew with the history.
        Migration(id: "scheduler-3-sequence-index") { db in
            try await db.raw("CREATE INDEX scheduler_deployments_sequence ON scheduler_deployments (sequence)").run()
            try await db.raw("CREATE INDEX scheduler_deployments_finished ON scheduler_deployments (finished_at)").run()
        },
        redeliveries.migration(id: "scheduler-4-redeliveries"),
        // Each step as its events told it, for the summary a finished deployment's event carries.
        Migration(id: "scheduler-5-step-summaries") { db in
            try await db.raw("ALTER TABLE scheduler_deployments ADD COLUMN steps TEXT").run()
        },
        // The reconnection quota counts an environment's requestReconnection deployments of the
        // month: a range of this index, not every row the environment has.
        Migration(id: "scheduler-6-reconnection-index") { db in
            try await db.raw("CREATE INDEX scheduler_deployments_env_mode ON scheduler_deployments (environment_id, mode, created_at)").run()
        },
        // Each deployment's W3C trace parent (its submission as the scheduler handled it), put on
        // every message published for it, also when the outbox relays one after a restart.
        Migration(id: "scheduler-7-trace-parent") { db in
            try await db.raw("ALTER TABLE scheduler_deployments ADD COLUMN trace_parent TEXT").run()
            try await db.raw("ALTER TABLE scheduler_outbox ADD COLUMN trace_parent TEXT").run()
        },
        // The timer lease's fencing token: counted up by each replica that takes the lease over,
        // checked by every timer and reconcile transaction, so a deposed holder commits nothing.
        Migration(id: "scheduler-8-lease-epoch") { db in
            try await db.raw("ALTER TABLE scheduler_leases ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0").run()
        },
        // The freeze windows, as intake's newest snapshot has them (one row), applied when a
        // scheduled deployment falls due.
        Migration(id: "scheduler-9-freezes") { db in
            try await db.raw(
                """
                CREATE TABLE scheduler_freezes (
                    name TEXT PRIMARY KEY,
                    revision BIGINT NOT NULL,
                    body TEXT NOT NULL
                )
                """
            ).run()
        },
        // Scheduled server stops, one row per server: the newest request (by its time), the
        // stop's due time (NULL once cancelled, done or given up), when to act next, and the
        // worker request in flight.
        Migration(id: "scheduler-10-server-shutdowns") { db in
            try await db.raw(
                """
                CREATE TABLE scheduler_shutdowns (
                    environment_id TEXT NOT NULL,
                    server_id TEXT NOT NULL,
                    requested_at BIGINT NOT NULL,
                    due_at BIGINT,
                    next_at BIGINT,
                    attempt BIGINT NOT NULL DEFAULT 0,
                    request_id TEXT,
                    last_error TEXT,
                    body TEXT NOT NULL,
                    updated_at BIGINT NOT NULL,
                    PRIMARY KEY (environment_id, server_id)
                )
                """
            ).run()
            try await db.raw("CREATE INDEX scheduler_shutdowns_next ON scheduler_shutdowns (next_at)").run()
            try await db.raw("CREATE INDEX scheduler_shutdowns_request ON scheduler_shutdowns (request_id)").run()
        },
        // Recurring schedules as intake's newest `schedule.set` has them (one row each, kept
        // after deletion as a tombstone of its revision), and when each fires next.
        Migration(id: "scheduler-11-recurring-schedules") { db in
            try await db.raw(
                """
                CREATE TABLE scheduler_schedules (
                    id TEXT PRIMARY KEY,
                    revision BIGINT NOT NULL,
                    body TEXT NOT NULL,
                    next_at BIGINT,
                    updated_at BIGINT NOT NULL
                )
                """
            ).run()
            try await db.raw("CREATE INDEX scheduler_schedules_next ON scheduler_schedules (next_at)").run()
        },
        // Where a deployment's approval stands (`ApprovalState`, JSON) once it has waited for
        // one; NULL for the rest.
        Migration(id: "scheduler-12-approvals") { db in
            try await db.raw("ALTER TABLE scheduler_deployments ADD COLUMN approval TEXT").run()
        },
        // Where a rollout paused by a failed health gate stands (`PauseState`, JSON); NULL for the rest.
        Migration(id: "scheduler-13-pauses") { db in
            try await db.raw("ALTER TABLE scheduler_deployments ADD COLUMN pause TEXT").run()
        },
    ]
}
