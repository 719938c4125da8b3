import Foundation
import HangarContracts
import HangarStorage
import SQLKit

/// Scheduled server shutdowns: one per server, kept until a worker has stopped the server.
extension IntakeStore {
    /// A due shutdown claimed for firing.
    struct DueShutdown: Sendable {
        var environmentId: UUID
        var serverId: String
        var shutdown: ScheduledShutdown
    }

    /// The environment's scheduled shutdowns by server id.
    func shutdowns(environment: UUID) async throws -> [String: ScheduledShutdown] {
        let rows = try await store.read { db in
            try await db.raw(
                """
                SELECT server_id, due_at, requested_by, requested_at, failed_attempts, last_error FROM intake_server_shutdowns
                WHERE environment_id = \(bind: environment.uuidString)
                """
            ).all()
        }
        var shutdowns: [String: ScheduledShutdown] = [:]
        for row in rows { shutdowns[try row.decode(column: "server_id", as: String.self)] = try Self.shutdown(row) }
        return shutdowns
    }

    /// Schedules the server's shutdown at `at`, replacing (extending or advancing) any earlier one.
    func scheduleShutdown(environment: UUID, server: String, at: Date, by: String, now: Date = Date()) async throws -> ScheduledShutdown {
        try await store.transaction { db in
            try await db.raw(
                """
                INSERT INTO intake_server_shutdowns (environment_id, server_id, due_at, requested_by, requested_at)
                VALUES (\(bind: environment.uuidString), \(bind: server), \(bind: at.epochMilliseconds), \(bind: by), \(bind: now.epochMilliseconds))
                ON CONFLICT (environment_id, server_id) DO UPDATE SET due_at = excluded.due_at, requested_by = excluded.requested_by,
                    requested_at = excluded.requested_at, failed_attempts = 0, last_error = NULL, retry_at = 0
                """
            ).run()
        }
        return ScheduledShutdown(at: Date(epochMilliseconds: at.epochMilliseconds), requestedBy: by, requestedAt: now)
    }

    /// Removes the server's scheduled shutdown; `false` if none was scheduled.
    func cancelShutdown(environment: UUID, server: String) async throws -> Bool {
        try await store.transaction { db in
            let rows = try await db.raw(
                """
                DELETE FROM intake_server_shutdowns WHERE environment_id = \(bind: environment.uuidString) AND server_id = \(bind: server)
                RETURNING server_id
                """
            ).all()
            return !rows.isEmpty
        }
    }

    /// Claims up to `limit` shutdowns due at `now` that nobody holds: each is held back for
    /// `lease` seconds, so that another intake replica does not fire it meanwhile.
    func claimDueShutdowns(now: Date = Date(), lease: TimeInterval, limit: Int = 16) async throws -> [DueShutdown] {
        let nowMs = now.epochMilliseconds
        let until = now.addingTimeInterval(lease).epochMilliseconds
        return try await store.transaction { db in
            let candidates = try await db.raw(
                """
                SELECT environment_id, server_id FROM intake_server_shutdowns WHERE due_at <= \(bind: nowMs) AND retry_at <= \(bind: nowMs)
                ORDER BY due_at LIMIT \(bind: limit)
                """
            ).all()
            var claimed: [DueShutdown] = []
            for candidate in candidates {
                let environment = try candidate.decode(column: "environment_id", as: String.self)
                let server = try candidate.decode(column: "server_id", as: String.self)
                // Conditional on the row still being free: under PostgreSQL another replica may
                // have claimed it since the select.
                let rows = try await db.raw(
                    """
                    UPDATE intake_server_shutdowns SET retry_at = \(bind: until)
                    WHERE environment_id = \(bind: environment) AND server_id = \(bind: server) AND retry_at <= \(bind: nowMs)
                    RETURNING environment_id, server_id, due_at, requested_by, requested_at, failed_attempts, last_error
                    """
                ).all()
                guard let row = rows.first, let environmentId = UUID(uuidString: environment) else { continue }
                claimed.append(DueShutdown(environmentId: environmentId, serverId: server, shutdown: try Self.shutdown(row)))
            }
            return claimed
        }
    }

    /// Forgets a shutdown that was carried out (or cannot be), unless it was rescheduled meanwhile.
    func finishShutdown(_ due: DueShutdown) async throws {
        try await store.transaction { db in
            try await db.raw(
                """
                DELETE FROM intake_server_shutdowns WHERE environment_id = \(bind: due.environmentId.uuidString)
                    AND server_id = \(bind: due.serverId) AND due_at = \(bind: due.shutdown.at.epochMilliseconds)
                """
            ).run()
        }
    }

    /// Records a failed attempt; the shutdown is tried again `after` seconds from now (unless it
    /// was rescheduled meanwhile, which starts afresh).
    func shutdownFailed(_ due: DueShutdown, error: String, after: TimeInterval, now: Date = Date()) async throws {
        try await store.transaction { db in
            try await db.raw(
                """
                UPDATE intake_server_shutdowns SET failed_attempts = failed_attempts + 1, last_error = \(bind: error),
                    retry_at = \(bind: now.addingTimeInterval(after).epochMilliseconds)
                WHERE environment_id = \(bind: due.environmentId.uuidString) AND server_id = \(bind: due.serverId)
                    AND due_at = \(bind: due.shutdown.at.epochMilliseconds)
                """
            ).run()
        }
    }

    private static func shutdown(_ row: any SQLRow) throws -> ScheduledShutdown {
        ScheduledShutdown(
            at: Date(epochMilliseconds: try row.decode(column: "due_at", as: Int64.self)),
            requestedBy: try row.decode(column: "requested_by", as: String.self),
            requestedAt: Date(epochMilliseconds: try row.decode(column: "requested_at", as: Int64.self)),
            failedAttempts: Int(try row.decode(column: "failed_attempts", as: Int64.self)),
            lastError: try row.decode(column: "last_error", as: String?.self))
    }
}
