import Foundation
import HangarContracts
import HangarStorage
import SQLKit

/// Reads the deployment history (the recorder's store; intake opens it read-only).
public struct HistoryQueries: Sendable {
    /// The recorder's history database; intake opens it read-only.
    public let store: SQLStore

    /// Creates queries over the history database in `store`.
    public init(store: SQLStore) {
        self.store = store
    }

    /// The recorder's migrations not yet applied to the history tables (all of them while the
    /// recorder has not created its database yet), and why they could not be read, if so. Only
    /// the recorder migrates these tables; a reader waits until this is empty.
    public func pendingMigrations() async throws -> (pending: [String], reason: String?) {
        try await store.pendingMigrations(HistorySchema.migrations)
    }

    /// Whether `text` is a cursor this API handed out (a `nextCursor`).
    public static func isValidCursor(_ text: String) -> Bool { Cursor(encoded: text) != nil }

    /// Deployments of an environment, newest first, with their steps: `limit` at a time, only those with `status` when given.
    /// `cursor` is the previous page's `nextCursor`; a page's own `nextCursor` is nil when it is the last.
    public func list(environment: UUID, status: DeploymentStatus? = nil, limit: Int = 50, cursor: String? = nil) async throws -> HistoryPage {
        let after = cursor.flatMap(Cursor.init(encoded:))
        let read = try await store.read { db -> ([any SQLRow], [any SQLRow]) in
            var query: SQLQueryString = """
                SELECT \(unsafeRaw: Self.summaryColumns) FROM history_deployments WHERE environment_id = \(bind: environment.uppercasedString)
                """
            if let status {
                query.appendInterpolation(unsafeRaw: " AND status = ")
                query.appendInterpolation(bind: status.rawValue)
            }
            if let after {
                query.appendInterpolation(unsafeRaw: " AND (created_at < ")
                query.appendInterpolation(bind: after.createdAt)
                query.appendInterpolation(unsafeRaw: " OR (created_at = ")
                query.appendInterpolation(bind: after.createdAt)
                query.appendInterpolation(unsafeRaw: " AND id < ")
                query.appendInterpolation(bind: after.id)
                query.appendInterpolation(unsafeRaw: "))")
            }
            query.appendInterpolation(unsafeRaw: " ORDER BY created_at DESC, id DESC LIMIT \(limit + 1)")
            let rows = try await db.raw(query).all()
            // The page's steps in the same visit to the connection.
            let ids = try rows.prefix(limit).map { try $0.string("id") }
            return (rows, ids.isEmpty ? [] : try await db.raw(Self.stepSummariesQuery(ids)).all())
        }
        let (rows, stepRows) = read
        let page = Array(rows.prefix(limit))
        let steps = try Self.stepSummaries(from: stepRows)
        let items = try page.map { row in
            try Self.summary(row, steps: steps[try row.string("id")] ?? [])
        }
        var next: String?
        if rows.count > limit, let last = page.last {
            next =
                Cursor(
                    createdAt: try last.integer("created_at") ?? 0,
                    id: try last.string("id")
                ).encoded
        }
        return HistoryPage(items: items, nextCursor: next)
    }

    /// How many times the recorder has changed the history of an environment's deployments
    /// (0 before the first): a page of that environment is unchanged while this is.
    public func revision(ofEnvironment environment: UUID) async throws -> Int64 {
        let key = environment.uppercasedString
        return try await store.read { db in
            try await db.raw("SELECT revision FROM history_environment_revisions WHERE environment_id = \(bind: key)").first()?
                .int64("revision") ?? 0
        }
    }

    /// How many times the recorder has changed a deployment, or nil before it has it.
    public func revision(ofDeployment id: UUID) async throws -> Int64? {
        let key = id.uppercasedString
        return try await store.read { db in
            try await db.raw("SELECT revision FROM history_deployments WHERE id = \(bind: key)").first()?
                .int64("revision")
        }
    }

    /// One deployment with its steps and their detail lines.
    public func details(_ id: UUID) async throws -> DeploymentDetails? {
        try await revisedDetails(id)?.details
    }

    /// One deployment with its steps and their detail lines, and the revision its row had
    /// (``revision(ofDeployment:)``), read on one connection in one visit. The steps and lines
    /// are read after the row, so they are as new as the revision or newer, never older.
    public func revisedDetails(_ id: UUID) async throws -> (details: DeploymentDetails, revision: Int64)? {
        let key = id.uppercasedString
        let read = try await store.read { db -> (row: any SQLRow, lines: [any SQLRow], steps: [any SQLRow])? in
            guard let row = try await db.raw("SELECT * FROM history_deployments WHERE id = \(bind: key)").first() else { return nil }
            let lines = try await db.raw(
                """
                SELECT step, at, message, attempt, answer FROM history_details WHERE deployment_id = \(bind: key) ORDER BY at, seq, message_id
                """
            ).all()
            let steps = try await db.raw("SELECT * FROM history_steps WHERE deployment_id = \(bind: key) ORDER BY position").all()
            return (row, lines, steps)
        }
        guard let (row, lines, stepRows) = read else { return nil }
        let steps = try Self.steps(from: stepRows).map { step in
            var step = step
            step.detail = try lines.filter { try $0.string("step") == step.name.rawValue }.map { line in
                var message = try line.string("message")
                // The answer of an attempt a later one replaced moved nothing: it says so.
                if let attempt = try line.integer("attempt"), try line.integer("answer") == 1, attempt < Int64(step.attempts) {
                    message = "attempt \(attempt), already replaced by attempt \(attempt + 1): \(message)"
                }
                return StepDetailLine(at: Date(epochMilliseconds: try line.int64("at")), message: message)
            }
            return step
        }
        let summary = try Self.summary(row, steps: [])
        let decoder = HangarJSON.decoder
        func json<T: Decodable>(_ column: String, _ type: T.Type) throws -> T? {
            try row.text(column).flatMap { try? decoder.decode(type, from: Data($0.utf8)) }
        }
        let details = DeploymentDetails(
            id: summary.id, environmentId: summary.environmentId, environmentName: summary.environmentName,
            version: summary.version, owner: summary.owner, status: summary.status, mode: summary.mode,
            options: try json("options", DeploymentOptions.self), notify: try json("notify", [String].self) ?? [],
            createdAt: summary.createdAt, scheduledAt: summary.scheduledAt, startedAt: summary.startedAt,
            finishedAt: summary.finishedAt, durationMs: summary.durationMs,
            reason: try row.text("reason"),
            failedStep: try row.text("failed_step").flatMap(StepName.init(rawValue:)),
            outputs: try json("outputs", [String: String].self) ?? [:], steps: steps, rollback: summary.rollback,
            approval: try json("approval", ApprovalState.self), pause: try json("pause", PauseState.self))
        return (details, try row.int64("revision"))
    }

    /// The columns ``summary(_:steps:)`` reads: a page reads only these, not the options,
    /// outputs, reasons and approvals it leaves out (each column read is a value made).
    private static let summaryColumns =
        "id, environment_id, environment_name, version, owner, status, mode, created_at, scheduled_at, started_at, finished_at, rollback"

    /// The steps of the deployments `ids` as a page shows them, by deployment and position.
    private static func stepSummariesQuery(_ ids: [String]) -> SQLQueryString {
        """
        SELECT deployment_id, name, status, started_at, finished_at FROM history_steps
        WHERE deployment_id IN (\(binds: InList.padded(ids))) ORDER BY deployment_id, position
        """
    }

    /// Rows of ``stepSummariesQuery(_:)`` as each deployment's steps, in the rows' order.
    private static func stepSummaries(from rows: [any SQLRow]) throws -> [String: [StepSummary]] {
        var result: [String: [StepSummary]] = [:]
        for row in rows {
            result[try row.string("deployment_id"), default: []].append(try stepSummary(row))
        }
        return result
    }

    /// One deployment's `history_steps` rows as its steps, in the rows' order (their detail
    /// lines left to the caller).
    private static func steps(from rows: [any SQLRow]) throws -> [StepDetails] {
        try rows.map { row in
            let step = try stepSummary(row)
            return StepDetails(
                name: step.name, status: step.status, startedAt: step.startedAt, finishedAt: step.finishedAt,
                durationMs: step.durationMs, attempts: Int(try row.int64("attempts")), detail: [],
                error: try row.text("error"), worker: try row.text("worker"))
        }
    }

    /// A `history_steps` row's name, status and times.
    private static func stepSummary(_ row: any SQLRow) throws -> StepSummary {
        let started = try row.integer("started_at").map(Date.init(epochMilliseconds:))
        let finished = try row.integer("finished_at").map(Date.init(epochMilliseconds:))
        return StepSummary(
            name: StepName(rawValue: try row.string("name")) ?? .validate,
            status: StepStatus(rawValue: try row.string("status")) ?? .pending,
            startedAt: started, finishedAt: finished, durationMs: durationMs(started, finished))
    }

    private static func summary(_ row: any SQLRow, steps: [StepSummary]) throws -> DeploymentSummary {
        func date(_ column: String) throws -> Date? {
            try row.integer(column).map(Date.init(epochMilliseconds:))
        }
        let started = try date("started_at")
        let finished = try date("finished_at")
        return DeploymentSummary(
            id: UUID(parsing: try row.string("id")) ?? UUID(),
            environmentId: try row.text("environment_id").flatMap(UUID.init(parsing:)),
            environmentName: try row.text("environment_name"),
            version: try row.text("version"),
            owner: try row.text("owner"),
            status: DeploymentStatus(rawValue: try row.string("status")) ?? .queued,
            mode: try row.text("mode").flatMap(PublishMode.init(rawValue:)),
            createdAt: try date("created_at"), scheduledAt: try date("scheduled_at"),
            startedAt: started, finishedAt: finished, durationMs: durationMs(started, finished), steps: steps,
            rollback: try row.text("rollback").flatMap { try? HangarJSON.decoder.decode(RollbackOf.self, from: Data($0.utf8)) })
    }
}

/// An opaque paging cursor: the last row's creation time and id.
struct Cursor {
    var createdAt: Int64
    var id: String

    init(createdAt: Int64, id: String) {
        self.createdAt = createdAt
        self.id = id
    }

    init?(encoded: String) {
        guard let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "|", maxSplits: 1)
        guard parts.count == 2, let createdAt = Int64(parts[0]) else { return nil }
        self.createdAt = createdAt
        self.id = String(parts[1])
    }

    var encoded: String { Data("\(createdAt)|\(id)".utf8).base64EncodedString() }
}
