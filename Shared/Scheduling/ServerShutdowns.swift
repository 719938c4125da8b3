import Foundation
import HangarContracts
import HangarMessaging
import Logging
import SQLKit

/// A scheduled server stop as the scheduler keeps it (`scheduler_shutdowns`, one row per server).
struct ShutdownRecord: Sendable {
    /// The newest request for the server: its time decides which of two requests wins.
    var command: ScheduleServerShutdown
    /// When the server is to be stopped; `nil` once nothing is scheduled (cancelled, done or given up).
    var dueAt: Date?
    /// When the scheduler acts next: the due time, a retry, or the deadline of the request in flight.
    var nextAt: Date?
    /// Attempts made so far.
    var attempt: Int
    /// The worker request in flight, if any; a reply to another is stale.
    var requestId: UUID?
    /// The error of the last failed attempt.
    var lastError: String?
}

/// Scheduled server stops: the scheduler keeps them and fires them with its timers (under the
/// timer lease, so once with several replicas), asks a worker to stop the server through its
/// outbox (the reply comes to the scheduler's queue), tries again after a growing delay when
/// no worker answers or the provider fails, and publishes every turn as a
/// ``ServerShutdownEvent``. Each function runs inside one transaction.
struct ShutdownTransitions {
    let tx: SchedulerTransaction
    let configuration: SchedulerConfiguration
    let logger: Logger

    /// Takes a request unless a later one for the server was taken already.
    func schedule(_ command: ScheduleServerShutdown) async throws {
        let current = try await tx.shutdown(environment: command.environmentId, server: command.serverId)
        if let current, current.command.requestedAt >= command.requestedAt {
            logger.info(
                "scheduler.shutdown.stale_request",
                metadata: ["environment.id": "\(command.environmentId)", "server": "\(command.serverId)"])
            return
        }
        guard let at = command.at else {
            // A cancel names the server by its id only: keep the name the schedule had.
            var cancel = command
            if let current { cancel.serverName = current.command.serverName }
            try await tx.save(ShutdownRecord(command: cancel, dueAt: nil, nextAt: nil, attempt: 0))
            // Cancelling what was never scheduled (or is done) says nothing.
            if let current, current.dueAt != nil {
                try await emit(.cancelled, command: cancel, dueAt: current.dueAt, attempt: current.attempt)
            }
            return
        }
        try await tx.save(ShutdownRecord(command: command, dueAt: at, nextAt: at, attempt: 0))
        tx.noteTimer(at)
        try await emit(.scheduled, command: command, dueAt: at, attempt: 0)
    }

    /// Acts on the stops whose time came (due, a retry, or a request that went unanswered); returns how many.
    func fireDue(limit: Int) async throws -> Int {
        let due = try await tx.dueShutdowns(limit: limit)
        for var record in due {
            if record.requestId != nil {
                try await failed(&record, error: "no worker answered within \(Int(replyDeadline.seconds)) s", worker: nil)
            } else {
                try await ask(&record)
            }
        }
        return due.count
    }

    /// A worker's answer: the server stopped, the stop given up, or a failure tried again later.
    func reply(_ reply: ServerReply) async throws {
        guard var record = try await tx.shutdown(request: reply.requestId) else {
            // The answer to an attempt already given up on, or to a schedule since replaced.
            logger.info("scheduler.shutdown.stale_reply", metadata: ["request.id": "\(reply.requestId)", "worker": "\(reply.worker)"])
            return
        }
        if reply.failure == .failed {
            return try await failed(&record, error: reply.error ?? "the provider failed", worker: reply.worker)
        }
        // Stopped, or given up (the server is gone, or its provider cannot stop it): nothing more scheduled.
        let stopped = reply.failure == nil
        let dueAt = record.dueAt
        record.dueAt = nil
        record.nextAt = nil
        record.requestId = nil
        if !stopped { record.lastError = reply.error }
        try await tx.save(record)
        try await emit(
            stopped ? .stopped : .dropped, command: record.command, dueAt: dueAt, attempt: record.attempt,
            error: stopped ? nil : reply.error ?? "the provider cannot stop this server",
            serverStatus: stopped ? reply.servers.first?.status : nil, worker: reply.worker)
    }

    /// How long a worker has to answer: the request's own time limit, plus the time a worker
    /// may spend on the provider once it took the request (20 s) and a margin.
    var replyDeadline: Duration { configuration.serverRequestTimeout + .seconds(30) }

    /// Asks a worker to stop the server.
    private func ask(_ record: inout ShutdownRecord) async throws {
        let requestId = UUID()
        let command = record.command
        record.attempt += 1
        record.requestId = requestId
        record.nextAt = tx.now.addingTimeInterval(replyDeadline.seconds)
        try await tx.save(record)
        let request = ServerRequest(
            requestId: requestId, environmentId: command.environmentId, environmentName: command.environmentName, target: command.target,
            action: .stop, serverId: command.serverId, requestedBy: "scheduled shutdown by \(command.requestedBy)",
            expiresAt: tx.now.addingTimeInterval(configuration.serverRequestTimeout.seconds), replyQueue: HangarTopology.scheduler.queue)
        try await tx.publish(.serverRequest(request), messageId: "shutdown-request-\(requestId.lowercasedString)", traceParent: nil)
        logger.info(
            "scheduler.shutdown.asked",
            metadata: [
                "environment": "\(command.environmentName)", "server": "\(command.serverId)", "attempt": "\(record.attempt)",
                "request.id": "\(requestId)",
            ])
    }

    /// An attempt failed: tried again 15 s later, doubling up to 5 minutes.
    private func failed(_ record: inout ShutdownRecord, error: String, worker: String?) async throws {
        let delay = Self.retryDelay(afterAttempt: record.attempt)
        let retryAt = tx.now.addingTimeInterval(delay)
        record.requestId = nil
        record.lastError = error
        record.nextAt = retryAt
        try await tx.save(record)
        tx.noteTimer(retryAt)
        logger.warning(
            "scheduler.shutdown.failed",
            metadata: [
                "environment": "\(record.command.environmentName)", "server": "\(record.command.serverId)", "attempt": "\(record.attempt)",
                "error": "\(error)", "retry.after_s": "\(Int(delay))",
            ])
        try await emit(.failed, command: record.command, dueAt: record.dueAt, attempt: record.attempt, error: error, retryAt: retryAt, worker: worker)
    }

    /// 15 s after the first failed attempt, doubling up to 5 minutes.
    static func retryDelay(afterAttempt attempt: Int) -> TimeInterval {
        min(15 * pow(2, Double(min(max(attempt - 1, 0), 10))), 300)
    }

    private func emit(
        _ status: ServerShutdownEvent.Status, command: ScheduleServerShutdown, dueAt: Date?, attempt: Int, error: String? = nil,
        retryAt: Date? = nil, serverStatus: String? = nil, worker: String? = nil
    ) async throws {
        let event = ServerShutdownEvent(
            status: status, environmentId: command.environmentId, environmentName: command.environmentName, serverId: command.serverId,
            serverName: command.serverName, dueAt: dueAt, requestedBy: command.requestedBy, requestedAt: command.requestedAt, attempt: attempt,
            error: error, retryAt: retryAt, serverStatus: serverStatus, worker: worker, notify: command.notify, at: tx.now)
        try await tx.publish(.shutdownEvent(event), messageId: event.messageId, traceParent: nil)
        if status != .failed {
            logger.info(
                "scheduler.shutdown.\(status.rawValue)",
                metadata: ["environment": "\(command.environmentName)", "server": "\(command.serverId)", "by": "\(command.requestedBy)"])
        }
    }
}

extension SchedulerTransaction {
    /// The server's row (locked on PostgreSQL).
    func shutdown(environment: UUID, server: String) async throws -> ShutdownRecord? {
        try await db.raw(
            """
            SELECT * FROM scheduler_shutdowns WHERE environment_id = \(bind: environment.uppercasedString) AND server_id = \(bind: server)\(unsafeRaw: forUpdate)
            """
        ).first().map(Self.shutdown)
    }

    /// The row whose request in flight is `request` (locked on PostgreSQL).
    func shutdown(request: UUID) async throws -> ShutdownRecord? {
        try await db.raw(
            "SELECT * FROM scheduler_shutdowns WHERE request_id = \(bind: request.uppercasedString)\(unsafeRaw: forUpdate)"
        ).first().map(Self.shutdown)
    }

    /// Up to `limit` rows whose next turn is due.
    func dueShutdowns(limit: Int) async throws -> [ShutdownRecord] {
        try await db.raw(
            """
            SELECT * FROM scheduler_shutdowns WHERE next_at <= \(bind: now.epochMilliseconds) ORDER BY next_at LIMIT \(literal: limit)\(unsafeRaw: forUpdate)
            """
        ).all().map(Self.shutdown)
    }

    /// Writes the server's row.
    func save(_ record: ShutdownRecord) async throws {
        let command = record.command
        try await db.raw(
            """
            INSERT INTO scheduler_shutdowns (environment_id, server_id, requested_at, due_at, next_at, attempt, request_id, last_error, body, updated_at)
            VALUES (\(bind: command.environmentId.uppercasedString), \(bind: command.serverId), \(bind: command.requestedAt.epochMilliseconds),
                \(bind: record.dueAt?.epochMilliseconds), \(bind: record.nextAt?.epochMilliseconds), \(bind: Int64(record.attempt)),
                \(bind: record.requestId?.uppercasedString), \(bind: record.lastError), \(bind: try Self.json(command)), \(bind: now.epochMilliseconds))
            ON CONFLICT (environment_id, server_id) DO UPDATE SET requested_at = excluded.requested_at, due_at = excluded.due_at,
                next_at = excluded.next_at, attempt = excluded.attempt, request_id = excluded.request_id, last_error = excluded.last_error,
                body = excluded.body, updated_at = excluded.updated_at
            """
        ).run()
    }

    static func shutdown(_ row: any SQLRow) throws -> ShutdownRecord {
        func date(_ column: String) throws -> Date? { try row.decode(column: column, as: Int64?.self).map(Date.init(epochMilliseconds:)) }
        return ShutdownRecord(
            command: try decodeJSON(ScheduleServerShutdown.self, try row.decode(column: "body", as: String.self)),
            dueAt: try date("due_at"), nextAt: try date("next_at"), attempt: Int(try row.decode(column: "attempt", as: Int64.self)),
            requestId: try row.decode(column: "request_id", as: String?.self).flatMap(UUID.init(parsing:)),
            lastError: try row.decode(column: "last_error", as: String?.self))
    }
}
