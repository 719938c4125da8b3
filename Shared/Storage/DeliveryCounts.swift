import Foundation
import SQLKit

/// A durable count of redeliveries per message id, for a consumer of a classic queue (which
/// has no delivery limit of its own) to dead-letter a poison message (see
/// `RedeliveryGuard.counted`). Only redeliveries are written, so a message delivered once
/// costs nothing here. Rows older than a week are removed as new ones are written.
public struct DeliveryCounts: Sendable {
    /// The table: `message_id TEXT PRIMARY KEY, redeliveries INTEGER, first_at BIGINT`.
    public let table: String

    /// Uses `table`, which ``migration(id:)`` creates.
    public init(table: String) {
        self.table = table
    }

    /// The migration that creates the table.
    public func migration(id: String) -> Migration {
        let table = table
        return Migration(id: id) { db in
            try await db.raw(
                """
                CREATE TABLE \(unsafeRaw: table) (
                    message_id TEXT PRIMARY KEY,
                    redeliveries INTEGER NOT NULL,
                    first_at BIGINT NOT NULL
                )
                """
            ).run()
        }
    }

    /// Adds one redelivery to each of `messageIds` in one transaction of `store`; returns each
    /// id's count so far (this one included). `now` is milliseconds since 1970.
    public func recordRedeliveries(
        of messageIds: [String], in store: SQLStore,
        atMilliseconds now: Int64 = Int64((Date().timeIntervalSince1970 * 1000).rounded())
    ) async throws -> [String: Int] {
        let table = table
        return try await store.transaction { db in
            try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE first_at < \(bind: now - 7 * 24 * 3_600_000)").run()
            var counts: [String: Int] = [:]
            for id in messageIds {
                let row = try await db.raw(
                    """
                    INSERT INTO \(unsafeRaw: table) (message_id, redeliveries, first_at) VALUES (\(bind: id), 1, \(bind: now))
                    ON CONFLICT (message_id) DO UPDATE SET redeliveries = \(unsafeRaw: table).redeliveries + 1
                    RETURNING redeliveries
                    """
                ).first()
                counts[id] = try row?.decode(column: "redeliveries", as: Int.self) ?? 1
            }
            return counts
        }
    }
}
