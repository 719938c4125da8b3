import HangarMessaging
import HangarStorage
import SQLKit

/// Intake's own tables: the environment catalog, accepted submissions (its outbox and
/// idempotency keys), scheduled server shutdowns, freeze windows and the audit log. Times are milliseconds since 1970.
enum IntakeSchema {
    static let migrations: [Migration] = [
        Migration(id: "intake-1-initial") { db in
            try await db.raw(
                """
                CREATE TABLE intake_environments (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    body TEXT NOT NULL,
                    deleted BIGINT NOT NULL DEFAULT 0
                )
                """
            ).run()
            try await db.raw(
                """
                CREATE TABLE intake_submissions (
                    id TEXT PRIMARY KEY,
                    environment_id TEXT NOT NULL,
                    owner TEXT NOT NULL,
                    idempotency_key TEXT,
                    mode TEXT NOT NULL,
                    request TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    published BIGINT NOT NULL DEFAULT 0,
                    UNIQUE (owner, idempotency_key)
                )
                """
            ).run()
            try await db.raw("CREATE INDEX intake_submissions_unpublished ON intake_submissions (published, created_at)").run()
            try await db.raw("CREATE INDEX intake_submissions_env_mode ON intake_submissions (environment_id, mode, created_at)").run()
        },
        Migration(id: "intake-2-server-shutdowns") { db in
            // A server's scheduled stop; `retry_at` holds a claimed or failed one back (a lease
            // for the intake replica firing it, or the backoff after a failure).
            try await db.raw(
                """
                CREATE TABLE intake_server_shutdowns (
                    environment_id TEXT NOT NULL,
                    server_id TEXT NOT NULL,
                    due_at BIGINT NOT NULL,
                    requested_by TEXT NOT NULL,
                    requested_at BIGINT NOT NULL,
                    failed_attempts BIGINT NOT NULL DEFAULT 0,
                    last_error TEXT,
                    retry_at BIGINT NOT NULL DEFAULT 0,
                    PRIMARY KEY (environment_id, server_id)
                )
                """
            ).run()
            try await db.raw("CREATE INDEX intake_server_shutdowns_due ON intake_server_shutdowns (due_at)").run()
        },
        Migration(id: "intake-3-audit") { db in
            // Append-only: one row per write request (``AuditEntry``); `id` is a UUIDv7, so
            // its order is the order of time.
            try await db.raw(
                """
                CREATE TABLE intake_audit (
                    id TEXT PRIMARY KEY,
                    at BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    role TEXT,
                    action TEXT NOT NULL,
                    method TEXT NOT NULL,
                    path TEXT NOT NULL,
                    environment TEXT,
                    target TEXT,
                    request_id TEXT NOT NULL,
                    status BIGINT NOT NULL,
                    outcome TEXT NOT NULL,
                    summary TEXT NOT NULL
                )
                """
            ).run()
            try await db.raw("CREATE INDEX intake_audit_environment ON intake_audit (environment, id)").run()
            try await db.raw("CREATE INDEX intake_audit_actor ON intake_audit (actor, id)").run()
        },
        Migration(id: "intake-4-freezes") { db in
            // Freeze windows (``FreezeWindow``): an environment's, or every one's (NULL).
            try await db.raw(
                """
                CREATE TABLE intake_freezes (
                    id TEXT PRIMARY KEY,
                    environment_id TEXT,
                    created_at BIGINT NOT NULL,
                    body TEXT NOT NULL
                )
                """
            ).run()
            try await db.raw("CREATE INDEX intake_freezes_environment ON intake_freezes (environment_id)").run()
        },
        // Submissions are published through the messaging library's transactional outbox, as
        // the scheduler's messages are; the ones not yet confirmed move into it.
        TransactionalOutbox.migration(id: "intake-5-outbox", table: "intake_outbox"),
        Migration(id: "intake-6-unpublished-into-outbox") { db in
            try await db.raw(
                """
                INSERT INTO intake_outbox (message_id, type, body, created_at, trace_parent)
                SELECT 'submit-' || id, 'deployment.submit', request, created_at, NULL FROM intake_submissions WHERE published = 0
                """
            ).run()
            try await db.raw("UPDATE intake_submissions SET published = 1 WHERE published = 0").run()
        },
        // The freeze windows' revision, counted up with each change; the scheduler keeps the
        // snapshot (`freeze.snapshot`) of the highest one.
        Migration(id: "intake-7-freeze-revision") { db in
            try await db.raw("CREATE TABLE intake_freeze_revision (name TEXT PRIMARY KEY, revision BIGINT NOT NULL)").run()
            try await db.raw("INSERT INTO intake_freeze_revision (name, revision) VALUES ('windows', 0)").run()
        },
        // The scheduler fires scheduled shutdowns now: a row intake kept before is sent to it
        // once at start (`sent` 0); a row written since went to it through the outbox.
        // `failed_attempts`, `last_error` and `retry_at` are no longer written.
        Migration(id: "intake-8-shutdowns-sent") { db in
            try await db.raw("ALTER TABLE intake_server_shutdowns ADD COLUMN sent BIGINT NOT NULL DEFAULT 0").run()
        },
        // Recurring schedules as defined through the API (the scheduler fires them from its copy).
        Migration(id: "intake-9-schedules") { db in
            try await db.raw(
                """
                CREATE TABLE intake_schedules (
                    id TEXT PRIMARY KEY,
                    environment_id TEXT NOT NULL,
                    body TEXT NOT NULL
                )
                """
            ).run()
            try await db.raw("CREATE INDEX intake_schedules_env ON intake_schedules (environment_id)").run()
        },
    ]
}
