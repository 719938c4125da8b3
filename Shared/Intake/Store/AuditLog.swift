import Foundation
import HangarContracts
import HangarStorage
import SQLKit
import Synchronization

/// One write request through the API, as the audit log keeps it: who, when, what, on what,
/// with which request id, and how it ended. Never a token, a password or a request body:
/// ``summary`` holds only what the handler chose to say (changed field names, a lifecycle's
/// before → after, a deployment's id).
public struct AuditEntry: Codable, Sendable, Equatable {
    /// How the request ended, from the answer's status code.
    public enum Outcome: String, Codable, Sendable {
        /// Answered 2xx: the change was made (or found already made).
        case succeeded
        /// Answered 4xx: refused (not allowed, bad input, conflict, unknown target).
        case refused
        /// Answered 5xx: it may or may not have happened (no worker answered, the cloud failed).
        case failed
    }

    /// The entry's id, a UUID v7 of the time it was made: the log lists entries by id, newest first, and pages by it.
    @LowercaseID public var id: UUID
    /// When the request was answered and the entry made.
    public var at: Date
    /// The token's name, or `unauthenticated` when none valid was sent.
    public var actor: String
    /// The token's role (`viewer`, `deployer` or `admin`); nil when no valid token was sent.
    public var role: String?
    /// `environment.create`, `deployment.submit`, `server.stop`… (``AuditAction``).
    public var action: String
    /// The HTTP method: `POST`, `PUT`, `PATCH` or `DELETE` (reads are not audited).
    public var method: String
    /// The path as requested, without its query.
    public var path: String
    /// The environment named in the path, as given (name or id).
    public var environment: String?
    /// What else the path names: a server, a deployment, a dead letter.
    public var target: String?
    /// The client's `X-Request-Id`, else one intake made (sent back in the answer).
    public var requestId: String
    /// The HTTP status code of the answer.
    public var status: Int
    /// What the status code means: succeeded, refused or failed.
    public var outcome: Outcome
    /// The lines the handler noted (``AuditNotes``), in order; empty when it noted nothing.
    public var summary: [String]
}

/// What a handler adds to the audit entry of the request it serves (bound by
/// ``AuditMiddleware`` for the duration of the request).
public final class AuditNotes: Sendable {
    @TaskLocal static var current: AuditNotes?

    private let lines = Mutex<[String]>([])

    /// Adds a line to the current request's audit entry; outside a write request, nothing.
    static func note(_ line: String) {
        current?.lines.withLock { $0.append(line) }
    }

    var all: [String] { lines.withLock { $0 } }
}

extension IntakeStore {
    func appendAudit(_ entry: AuditEntry) async throws {
        try await store.transaction { db in
            try await db.raw(
                """
                INSERT INTO intake_audit (id, at, actor, role, action, method, path, environment, target, request_id, status, outcome, summary)
                VALUES (\(bind: entry.id.lowercasedString), \(bind: entry.at.epochMilliseconds), \(bind: entry.actor), \(bind: entry.role),
                    \(bind: entry.action), \(bind: entry.method), \(bind: entry.path), \(bind: entry.environment), \(bind: entry.target),
                    \(bind: entry.requestId), \(bind: Int64(entry.status)), \(bind: entry.outcome.rawValue), \(bind: try Self.encode(entry.summary)))
                """
            ).run()
        }
    }

    /// Keeps an entry another service sent (``AuditRecord``): once, however often it comes.
    func keepAudit(_ record: AuditRecord) async throws {
        try await store.transaction { db in
            try await db.raw(
                """
                INSERT INTO intake_audit (id, at, actor, role, action, method, path, environment, target, request_id, status, outcome, summary)
                VALUES (\(bind: record.id.lowercasedString), \(bind: record.at.epochMilliseconds), \(bind: record.actor), NULL,
                    \(bind: record.action), \(bind: record.method), \(bind: record.path), \(bind: record.environment), \(bind: record.target),
                    \(bind: record.requestId), \(bind: Int64(record.status)), \(bind: AuditEntry.Outcome.succeeded.rawValue),
                    \(bind: try Self.encode(record.summary)))
                ON CONFLICT (id) DO NOTHING
                """
            ).run()
        }
    }

    /// What an audit query may filter on.
    struct AuditFilter: Sendable {
        var actor: String?
        var environment: String?
        var action: String?
        var since: Date?
        var until: Date?
        /// Entries older than this one (the previous page's last id).
        var before: UUID?
        var limit = 50
    }

    /// Newest first.
    func audit(_ filter: AuditFilter) async throws -> [AuditEntry] {
        let rows = try await store.read { db in
            var query = SQLQueryString("SELECT * FROM intake_audit WHERE 1 = 1")
            if let actor = filter.actor {
                query.appendInterpolation(unsafeRaw: " AND actor = ")
                query.appendInterpolation(bind: actor)
            }
            if let environment = filter.environment {
                query.appendInterpolation(unsafeRaw: " AND environment = ")
                query.appendInterpolation(bind: environment)
            }
            if let action = filter.action {
                query.appendInterpolation(unsafeRaw: " AND action = ")
                query.appendInterpolation(bind: action)
            }
            if let since = filter.since {
                query.appendInterpolation(unsafeRaw: " AND at >= ")
                query.appendInterpolation(bind: since.epochMilliseconds)
            }
            if let until = filter.until {
                query.appendInterpolation(unsafeRaw: " AND at < ")
                query.appendInterpolation(bind: until.epochMilliseconds)
            }
            if let before = filter.before {
                query.appendInterpolation(unsafeRaw: " AND id < ")
                query.appendInterpolation(bind: before.lowercasedString)
            }
            query.appendInterpolation(unsafeRaw: " ORDER BY id DESC LIMIT \(max(1, min(filter.limit, 500)))")
            return try await db.raw(query).all()
        }
        return try rows.map { row in
            AuditEntry(
                id: UUID(parsing: try row.decode(column: "id", as: String.self)) ?? UUID(),
                at: Date(epochMilliseconds: try row.decode(column: "at", as: Int64.self)),
                actor: try row.decode(column: "actor", as: String.self), role: try row.decode(column: "role", as: String?.self),
                action: try row.decode(column: "action", as: String.self), method: try row.decode(column: "method", as: String.self),
                path: try row.decode(column: "path", as: String.self), environment: try row.decode(column: "environment", as: String?.self),
                target: try row.decode(column: "target", as: String?.self), requestId: try row.decode(column: "request_id", as: String.self),
                status: Int(try row.decode(column: "status", as: Int64.self)),
                outcome: AuditEntry.Outcome(rawValue: try row.decode(column: "outcome", as: String.self)) ?? .failed,
                summary: try Self.decode([String].self, try row.decode(column: "summary", as: String.self)))
        }
    }
}
