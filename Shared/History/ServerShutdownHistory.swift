import Foundation
import HangarContracts
import HangarStorage
import SQLKit

/// The scheduled server stops as the recorder keeps them from the scheduler's
/// `server.shutdown.*` events: every event of an environment (its shutdown history), and the
/// latest state of each server's stop (which intake shows on the server).
enum ServerShutdownHistory {
    static let migration = Migration(id: "history-6-server-shutdowns") { db in
        try await db.raw(
            """
            CREATE TABLE history_server_events (
                message_id TEXT PRIMARY KEY,
                environment_id TEXT NOT NULL,
                at BIGINT NOT NULL,
                body TEXT NOT NULL
            )
            """
        ).run()
        try await db.raw("CREATE INDEX history_server_events_env ON history_server_events (environment_id, at)").run()
        try await db.raw(
            """
            CREATE TABLE history_server_shutdowns (
                environment_id TEXT NOT NULL,
                server_id TEXT NOT NULL,
                requested_at BIGINT NOT NULL,
                status TEXT NOT NULL,
                status_rank BIGINT NOT NULL,
                attempt BIGINT NOT NULL,
                last_error TEXT,
                PRIMARY KEY (environment_id, server_id)
            )
            """
        ).run()
    }

    /// Within one schedule (one request time), the order its events can only move forward in.
    static func rank(_ status: ServerShutdownEvent.Status) -> Int64 {
        switch status {
        case .scheduled: 0
        case .failed: 1
        case .cancelled, .stopped, .dropped: 2
        }
    }

    /// Keeps the event (once per schedule, turn and attempt: ``ServerShutdownEvent/messageId``,
    /// whatever id it came under) and moves the server's latest state forward: a later request
    /// wins, and within one request a later turn (a higher rank, or a later attempt).
    static func apply(_ event: ServerShutdownEvent, db: any SQLDatabase) async throws {
        let environment = event.environmentId.lowercasedString
        try await db.raw(
            """
            INSERT INTO history_server_events (message_id, environment_id, at, body)
            VALUES (\(bind: event.messageId), \(bind: environment), \(bind: event.at.epochMilliseconds),
                \(bind: String(decoding: try HangarJSON.encoder.encode(event), as: UTF8.self)))
            ON CONFLICT (message_id) DO NOTHING
            """
        ).run()
        try await db.raw(
            """
            INSERT INTO history_server_shutdowns (environment_id, server_id, requested_at, status, status_rank, attempt, last_error)
            VALUES (\(bind: environment), \(bind: event.serverId), \(bind: event.requestedAt.epochMilliseconds), \(bind: event.status.rawValue),
                \(bind: rank(event.status)), \(bind: Int64(event.attempt)), \(bind: event.error))
            ON CONFLICT (environment_id, server_id) DO UPDATE SET requested_at = excluded.requested_at, status = excluded.status,
                status_rank = excluded.status_rank, attempt = excluded.attempt, last_error = excluded.last_error
            WHERE history_server_shutdowns.requested_at < excluded.requested_at
                OR (history_server_shutdowns.requested_at = excluded.requested_at
                    AND (history_server_shutdowns.status_rank < excluded.status_rank
                        OR (history_server_shutdowns.status_rank = excluded.status_rank AND history_server_shutdowns.attempt <= excluded.attempt)))
            """
        ).run()
    }
}

/// The latest state of a server's scheduled stop, as the recorder has it.
public struct ServerShutdownState: Sendable, Equatable {
    /// When the request it is about was taken.
    public var requestedAt: Date
    /// The latest turn.
    public var status: ServerShutdownEvent.Status
    /// Attempts made.
    public var attempt: Int
    /// The error of the last failed attempt.
    public var lastError: String?
}

extension HistoryQueries {
    /// The latest state of each server's scheduled stop in `environment`, by server id.
    public func shutdownStates(environment: UUID) async throws -> [String: ServerShutdownState] {
        let rows = try await store.read { db in
            try await db.raw(
                """
                SELECT server_id, requested_at, status, attempt, last_error FROM history_server_shutdowns
                WHERE environment_id = \(bind: environment.lowercasedString)
                """
            ).all()
        }
        var states: [String: ServerShutdownState] = [:]
        for row in rows {
            guard let status = ServerShutdownEvent.Status(rawValue: try row.string("status")) else { continue }
            states[try row.string("server_id")] = ServerShutdownState(
                requestedAt: Date(epochMilliseconds: try row.int64("requested_at")), status: status,
                attempt: Int(try row.int64("attempt")), lastError: try row.text("last_error"))
        }
        return states
    }

    /// The environment's scheduled-stop events, newest first, at most `limit`.
    public func shutdownEvents(environment: UUID, limit: Int = 100) async throws -> [ServerShutdownEvent] {
        let rows = try await store.read { db in
            try await db.raw(
                """
                SELECT body FROM history_server_events WHERE environment_id = \(bind: environment.lowercasedString)
                ORDER BY at DESC, message_id DESC LIMIT \(literal: limit)
                """
            ).all()
        }
        return try rows.map {
            try HangarJSON.decoder.decode(ServerShutdownEvent.self, from: Data(try $0.string("body").utf8))
        }
    }
}
