import Logging
import Metrics
import SQLKit

/// Deduplication of consumed messages: a table of the message ids a service has applied,
/// each with the fingerprint of what the message said (see `HangarMessage.fingerprint`).
///
/// A message id seen before is skipped. When its fingerprint differs, two different events
/// share one id: that is a bug upstream (a re-run's outcome numbered like an earlier run's
/// detail line once stalled deployments), so it is logged as an error
/// (`hangar.dedup.collision`) and counted in `hangar_duplicate_collisions_total{table}`
/// rather than dropped silently.
public struct ProcessedMessages: Sendable {
    /// The table: `message_id TEXT PRIMARY KEY, processed_at BIGINT, fingerprint TEXT`.
    public let table: String

    /// Uses `table`, which the service's own migration creates; ``fingerprintMigration(id:)`` adds the
    /// `fingerprint` column to an older one.
    public init(table: String) {
        self.table = table
    }

    /// The migration that adds the `fingerprint` column to an existing table.
    public func fingerprintMigration(id: String) -> Migration {
        let table = table
        return Migration(id: id) { db in
            try await db.raw("ALTER TABLE \(unsafeRaw: table) ADD COLUMN fingerprint TEXT").run()
        }
    }

    /// Records `messageId` inside the caller's transaction; returns `false` when it was
    /// applied before (and reports it if it said something else then).
    public func markProcessed(
        _ messageId: String, fingerprint: String, at milliseconds: Int64, db: any SQLDatabase, logger: Logger
    ) async throws -> Bool {
        let inserted = try await db.raw(
            """
            INSERT INTO \(unsafeRaw: table) (message_id, processed_at, fingerprint)
            VALUES (\(bind: messageId), \(bind: milliseconds), \(bind: fingerprint))
            ON CONFLICT (message_id) DO NOTHING RETURNING message_id
            """
        ).all()
        if !inserted.isEmpty { return true }
        let row = try await db.raw("SELECT fingerprint FROM \(unsafeRaw: table) WHERE message_id = \(bind: messageId)").first()
        let stored = try row?.decode(column: "fingerprint", as: String?.self)
        if let stored, stored != fingerprint {
            logger.error(
                "hangar.dedup.collision",
                metadata: [
                    "amqp.message_id": "\(messageId)", "dedup.table": "\(table)", "dedup.stored_fingerprint": "\(stored)",
                    "dedup.fingerprint": "\(fingerprint)",
                ])
            Counter(label: "hangar_duplicate_collisions_total", dimensions: [("table", table)]).increment()
        }
        return false
    }
}
