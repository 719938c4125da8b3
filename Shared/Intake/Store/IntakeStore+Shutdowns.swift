import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import SQLKit

/// Scheduled server shutdowns as operators asked for them: one per server. The scheduler
/// keeps and fires them; intake keeps what was asked (to show it and to know what there is to
/// cancel) and sends each request to the scheduler through its outbox, in the transaction
/// that records it.
extension IntakeStore {
    /// The environment's scheduled shutdowns as asked, by server id (also those the scheduler
    /// has carried out since: the recorder's state tells them apart).
    func shutdowns(environment: UUID) async throws -> [String: ScheduledShutdown] {
        let rows = try await store.read { db in
            try await db.raw(
                """
                SELECT server_id, due_at, requested_by, requested_at FROM intake_server_shutdowns
                WHERE environment_id = \(bind: environment.uppercasedString)
                """
            ).all()
        }
        var shutdowns: [String: ScheduledShutdown] = [:]
        for row in rows { shutdowns[try row.decode(column: "server_id", as: String.self)] = try Self.shutdown(row) }
        return shutdowns
    }

    /// Records the server's shutdown at `command.at` (replacing any earlier one) and writes
    /// the request for the scheduler to `outbox`: the entry to publish once this returns.
    func scheduleShutdown(_ command: ScheduleServerShutdown, outbox: TransactionalOutbox) async throws -> TransactionalOutbox.Entry {
        guard let at = command.at else { preconditionFailure("a shutdown to schedule has a time") }
        return try await store.transaction { db in
            try await db.raw(
                """
                INSERT INTO intake_server_shutdowns (environment_id, server_id, due_at, requested_by, requested_at, sent)
                VALUES (\(bind: command.environmentId.uppercasedString), \(bind: command.serverId), \(bind: at.epochMilliseconds),
                    \(bind: command.requestedBy), \(bind: command.requestedAt.epochMilliseconds), 1)
                ON CONFLICT (environment_id, server_id) DO UPDATE SET due_at = excluded.due_at, requested_by = excluded.requested_by,
                    requested_at = excluded.requested_at, failed_attempts = 0, last_error = NULL, retry_at = 0, sent = 1
                """
            ).run()
            return try await outbox.write(
                .scheduleShutdown(command), messageId: command.messageId, traceParent: nil, now: command.requestedAt, in: db)
        }
    }

    /// Forgets the server's shutdown and writes the cancellation for the scheduler to
    /// `outbox` (`command.at` is `nil`); `nil` when none was scheduled.
    func cancelShutdown(_ command: ScheduleServerShutdown, outbox: TransactionalOutbox) async throws -> TransactionalOutbox.Entry? {
        try await store.transaction { db in
            let rows = try await db.raw(
                """
                DELETE FROM intake_server_shutdowns
                WHERE environment_id = \(bind: command.environmentId.uppercasedString) AND server_id = \(bind: command.serverId)
                RETURNING server_id
                """
            ).all()
            guard !rows.isEmpty else { return nil }
            return try await outbox.write(
                .scheduleShutdown(command), messageId: command.messageId, traceParent: nil, now: command.requestedAt, in: db)
        }
    }

    /// Cancels every shutdown of `environment` (released or deleted): the entries to publish.
    func cancelShutdowns(
        of environment: EnvironmentResource, by: String, outbox: TransactionalOutbox, now: Date = Date()
    ) async throws
        -> [TransactionalOutbox.Entry]
    {
        try await store.transaction { db in
            let rows = try await db.raw(
                "DELETE FROM intake_server_shutdowns WHERE environment_id = \(bind: environment.id.uppercasedString) RETURNING server_id"
            ).all()
            var entries: [TransactionalOutbox.Entry] = []
            for row in rows {
                let server = try row.decode(column: "server_id", as: String.self)
                let command = ScheduleServerShutdown(environment, serverId: server, serverName: server, at: nil, requestedBy: by, requestedAt: now)
                entries.append(
                    try await outbox.write(.scheduleShutdown(command), messageId: command.messageId, traceParent: nil, now: now, in: db))
            }
            return entries
        }
    }

    /// Sends the scheduler the shutdowns kept from before it fired them (rows not yet sent),
    /// once: the entries to publish.
    func sendUnsentShutdowns(outbox: TransactionalOutbox) async throws -> [TransactionalOutbox.Entry] {
        try await store.transaction { db in
            let rows = try await db.raw(
                """
                SELECT s.server_id, s.due_at, s.requested_by, s.requested_at, e.body FROM intake_server_shutdowns s
                JOIN intake_environments e ON e.id = s.environment_id WHERE s.sent = 0 AND e.deleted = 0
                """
            ).all()
            var entries: [TransactionalOutbox.Entry] = []
            for row in rows {
                let environment = try Self.decode(EnvironmentResource.self, try row.decode(column: "body", as: String.self))
                let server = try row.decode(column: "server_id", as: String.self)
                let shutdown = try Self.shutdown(row)
                let command = ScheduleServerShutdown(
                    environment, serverId: server, serverName: server, at: shutdown.at, requestedBy: shutdown.requestedBy,
                    requestedAt: shutdown.requestedAt)
                entries.append(
                    try await outbox.write(
                        .scheduleShutdown(command), messageId: command.messageId, traceParent: nil, now: shutdown.requestedAt, in: db))
            }
            try await db.raw("UPDATE intake_server_shutdowns SET sent = 1 WHERE sent = 0").run()
            return entries
        }
    }

    private static func shutdown(_ row: any SQLRow) throws -> ScheduledShutdown {
        ScheduledShutdown(
            at: Date(epochMilliseconds: try row.decode(column: "due_at", as: Int64.self)),
            requestedBy: try row.decode(column: "requested_by", as: String.self),
            requestedAt: Date(epochMilliseconds: try row.decode(column: "requested_at", as: Int64.self)))
    }
}

extension ScheduleServerShutdown {
    /// A request about `environment`'s server `serverId`, with the environment's provider target.
    init(
        _ environment: EnvironmentResource, serverId: String, serverName: String, at: Date?, requestedBy: String, requestedAt: Date,
        notify: [String] = []
    ) {
        self.init(
            environmentId: environment.id, environmentName: environment.name, serverId: serverId, serverName: serverName, at: at,
            requestedBy: requestedBy, requestedAt: requestedAt, notify: notify,
            target: ProviderTarget(provider: environment.provider, settings: environment.target, environmentId: environment.id))
    }
}
