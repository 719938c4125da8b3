import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import SQLKit

/// The latest status of each worker (`history_workers`), from their `worker.status` messages:
/// what `GET /v1/workers` lists. Intake reads it with a read-only store.
public struct WorkerDirectory: Sendable {
    /// The history database that holds `history_workers`: the recorder writes it, intake reads it.
    public let store: SQLStore

    /// Creates the directory over the history database in `store`.
    public init(store: SQLStore) { self.store = store }

    static let migration = Migration(id: "history-6-workers") { db in
        try await db.raw(
            """
            CREATE TABLE history_workers (
                name TEXT PRIMARY KEY,
                concurrency BIGINT NOT NULL,
                running TEXT NOT NULL,
                last_seen_at BIGINT NOT NULL
            )
            """
        ).run()
    }

    /// Keeps a status unless a newer one of that worker is kept already; a worker's last
    /// word before a graceful stop removes it.
    func apply(_ status: WorkerStatus) async throws {
        let at = status.at.epochMilliseconds
        try await store.transaction { db in
            if status.stopping {
                try await db.raw("DELETE FROM history_workers WHERE name = \(bind: status.name) AND last_seen_at <= \(bind: at)").run()
                return
            }
            let running = String(decoding: try HangarJSON.encoder.encode(status.running), as: UTF8.self)
            try await db.raw(
                """
                INSERT INTO history_workers (name, concurrency, running, last_seen_at)
                VALUES (\(bind: status.name), \(bind: Int64(status.concurrency)), \(bind: running), \(bind: at))
                ON CONFLICT (name) DO UPDATE SET concurrency = excluded.concurrency, running = excluded.running,
                    last_seen_at = excluded.last_seen_at
                WHERE history_workers.last_seen_at < excluded.last_seen_at
                """
            ).run()
        }
    }

    /// The workers heard from since `since`, by name.
    public func list(since: Date) async throws -> [WorkerSummary] {
        try await store.read { db in
            try await db.raw(
                """
                SELECT * FROM history_workers WHERE last_seen_at >= \(bind: since.epochMilliseconds) ORDER BY name
                """
            ).all().map { row in
                WorkerSummary(
                    name: try row.decode(column: "name", as: String.self),
                    concurrency: Int(try row.decode(column: "concurrency", as: Int64.self)),
                    running: try HangarJSON.decoder.decode(
                        [WorkerStatus.RunningStep].self, from: Data(try row.decode(column: "running", as: String.self).utf8)),
                    lastSeenAt: Date(epochMilliseconds: try row.decode(column: "last_seen_at", as: Int64.self)))
            }
        }
    }

    /// Forgets workers silent for a day.
    func prune(now: Date = Date()) async throws {
        let cutoff = now.addingTimeInterval(-24 * 3600).epochMilliseconds
        try await store.transaction { db in
            try await db.raw("DELETE FROM history_workers WHERE last_seen_at < \(bind: cutoff)").run()
        }
    }

    /// Consumes `hangar.workers` into the directory. A status that cannot be read is logged
    /// and dropped (the next one of that worker says the same, newer).
    func consumer(connection: AMQPConnection, logger: Logger) -> ConsumerService {
        ConsumerService(connection: connection, queue: HangarTopology.workerStatusQueue, prefetch: 64, logger: logger) { delivery in
            guard let status = try? HangarJSON.decoder.decode(WorkerStatus.self, from: Data(delivery.message.body)) else {
                logger.warning("recorder.worker_status.unreadable", metadata: ["amqp.message_id": "\(delivery.message.messageId)"])
                return .ack
            }
            try await apply(status)
            return .ack
        }
    }
}
