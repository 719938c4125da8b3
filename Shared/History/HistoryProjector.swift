import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import SQLKit

/// Turns events into the deployment history (and the scheduled server stops' history). Idempotent: each message id is applied once,
/// and out-of-order events never move a deployment or a step backwards.
public struct HistoryProjector: Sendable {
    /// The history database the events are written to.
    public let store: SQLStore
    private let logger: Logger

    /// Creates a projector writing to the history database in `store`.
    public init(store: SQLStore, logger: Logger = Logger(label: "hangar.recorder")) {
        self.store = store
        self.logger = logger
    }

    /// Creates the history tables if needed.
    public func migrate() async throws {
        try await store.migrate(HistorySchema.migrations)
    }

    /// Applies a batch of events in one transaction.
    ///
    /// Recorders may run as several replicas taking batches off one queue, so two batches can
    /// touch the same deployments at once. On PostgreSQL each batch first locks the rows of
    /// its deployments, one at a time in id order: a batch waits for another instead of the
    /// two deadlocking (which PostgreSQL breaks only after a second, by failing one).
    ///
    /// The events of an ``EventBatch`` (the scheduler's, one per transaction) are applied as
    /// if each had come on its own, in order.
    public func apply(_ batch: [IncomingMessage]) async throws {
        try await apply(events: batch.events())
    }

    private func apply(events batch: [(messageId: String, message: HangarMessage)]) async throws {
        let logger = logger
        let lockRows = store.dialect == .postgres
        // Each deployment's row starts with the status of its first event here (a step event
        // says it runs); the events then move it only forward.
        var firstStatus: [UUID: DeploymentStatus] = [:]
        for incoming in batch {
            switch incoming.message {
            case .deploymentEvent(let event): if firstStatus[event.deploymentId] == nil { firstStatus[event.deploymentId] = event.status }
            case .stepEvent(let event): if firstStatus[event.deploymentId] == nil { firstStatus[event.deploymentId] = .running }
            default: continue
            }
        }
        let deployments = firstStatus.sorted { $0.key.uppercasedString < $1.key.uppercasedString }
        try await store.transaction { db in
            let now = Date().epochMilliseconds
            for (id, status) in deployments {
                try await Self.ensureDeployment(id, status: status, lock: lockRows, db: db)
            }
            var changed: [UUID] = []
            for incoming in batch {
                guard
                    try await HistorySchema.processed.markProcessed(
                        incoming.messageId, fingerprint: incoming.message.fingerprint, at: now, db: db, logger: logger)
                else { continue }
                switch incoming.message {
                case .deploymentEvent(let event):
                    try await Self.apply(event, db: db)
                    changed.append(event.deploymentId)
                case .stepEvent(let event):
                    try await Self.apply(event, messageId: incoming.messageId, db: db)
                    changed.append(event.deploymentId)
                case .shutdownEvent(let event):
                    try await ServerShutdownHistory.apply(event, db: db)
                default: continue
                }
            }
            try await Self.countRevisions(of: changed, db: db)
        }
    }

    /// Counts up the revision of each deployment the batch changed, once, and of the
    /// environments they belong to (a deployment whose own event has not arrived yet has no
    /// environment, and is on no environment's page).
    static func countRevisions(of deployments: [UUID], db: any SQLDatabase) async throws {
        var seen = Set<UUID>()
        var environments = Set<String>()
        for id in deployments where seen.insert(id).inserted {
            let row = try await db.raw(
                """
                UPDATE history_deployments SET revision = revision + 1 WHERE id = \(bind: id.uppercasedString) RETURNING environment_id
                """
            ).first()
            if let environment = try row?.decode(column: "environment_id", as: String?.self) { environments.insert(environment) }
        }
        for environment in environments.sorted() {
            try await db.raw(
                """
                INSERT INTO history_environment_revisions (environment_id, revision) VALUES (\(bind: environment), 1)
                ON CONFLICT (environment_id) DO UPDATE SET revision = history_environment_revisions.revision + 1
                """
            ).run()
        }
    }

    /// Forgets processed event ids older than `age`: a broker redelivers only what is still
    /// queued, long before that.
    public func pruneProcessed(olderThan age: TimeInterval = 7 * 24 * 3600) async throws {
        let cutoff = Date().addingTimeInterval(-age).epochMilliseconds
        try await store.transaction { db in
            try await db.raw("DELETE FROM history_processed WHERE processed_at < \(bind: cutoff)").run()
        }
    }

    // MARK: Deployment events

    static func apply(_ event: DeploymentEvent, db: any SQLDatabase) async throws {
        let id = event.deploymentId.uppercasedString
        let encoder = HangarJSON.encoder
        // Summary fields: every lifecycle event carries them in full.
        try await db.raw(
            """
            UPDATE history_deployments SET environment_id = \(bind: event.environmentId.uppercasedString),
                environment_name = \(bind: event.environmentName), version = \(bind: event.version), owner = \(bind: event.owner),
                mode = \(bind: event.mode.rawValue), options = \(bind: String(decoding: try encoder.encode(event.options), as: UTF8.self)),
                notify = \(bind: String(decoding: try encoder.encode(event.notify), as: UTF8.self)),
                rollback = \(bind: try event.rollback.map { String(decoding: try encoder.encode($0), as: UTF8.self) }),
                created_at = \(bind: event.createdAt.epochMilliseconds), scheduled_at = \(bind: event.scheduledAt?.epochMilliseconds),
                updated_at = \(bind: Date().epochMilliseconds)
            WHERE id = \(bind: id)
            """
        ).run()
        // Status only moves forward; within a rank (running, awaiting approval), to the newer event.
        let at = event.at.epochMilliseconds
        let approval = try event.approval.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        let pause = try event.pause.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try await db.raw(
            """
            UPDATE history_deployments SET status = \(bind: event.status.rawValue), status_rank = \(bind: event.status.rank),
                status_at = \(bind: at), approval = COALESCE(\(bind: approval), approval), pause = COALESCE(\(bind: pause), pause)
            WHERE id = \(bind: id) AND (status_rank < \(bind: event.status.rank)
                OR (status_rank = \(bind: event.status.rank) AND COALESCE(status_at, 0) <= \(bind: at)))
            """
        ).run()
        switch event.status {
        case .awaitingApproval, .paused:
            break
        case .running:
            try await db.raw("UPDATE history_deployments SET started_at = \(earliest("started_at", at)) WHERE id = \(bind: id)").run()
        case .succeeded, .failed, .cancelled, .rejected, .rolledBack:
            let outputs = try event.outputs.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            try await db.raw(
                """
                UPDATE history_deployments SET finished_at = COALESCE(finished_at, \(bind: at)), reason = COALESCE(\(bind: event.reason), reason),
                    failed_step = \(bind: event.failedStep?.rawValue), outputs = COALESCE(\(bind: outputs), outputs)
                WHERE id = \(bind: id)
                """
            ).run()
            try await closeSteps(of: event, db: db)
        case .scheduled, .queued:
            // A deployment deferred past a freeze window says so until it ends (and after, when
            // it ends without a reason of its own).
            if let reason = event.reason {
                try await db.raw("UPDATE history_deployments SET reason = \(bind: reason) WHERE id = \(bind: id) AND finished_at IS NULL").run()
            }
        }
    }

    /// The steps of a deployment that ended. Its last event carries them as the scheduler
    /// saw them, from the events of each step's current dispatch in queue order: they are
    /// the final word, whatever order this recorder (or another replica) applied the step
    /// events in. A step the scheduler never heard of, or an event from before the steps were
    /// carried, is settled from the deployment's outcome.
    private static func closeSteps(of event: DeploymentEvent, db: any SQLDatabase) async throws {
        let id = event.deploymentId.uppercasedString
        for step in event.steps ?? [] {
            let started = step.startedAt?.epochMilliseconds
            // A step that never started keeps no end time, as when settled below.
            let finished = started == nil ? nil : step.finishedAt?.epochMilliseconds
            try await db.raw(
                """
                UPDATE history_steps SET status = \(bind: step.status.rawValue),
                    started_at = \(started.map { earliest("started_at", $0) } ?? SQLQueryString("started_at")),
                    finished_at = COALESCE(\(bind: finished), finished_at),
                    attempts = CASE WHEN attempts < \(bind: Int64(step.attempts)) THEN \(bind: Int64(step.attempts)) ELSE attempts END,
                    error = \(bind: step.error)
                WHERE deployment_id = \(bind: id) AND name = \(bind: step.name.rawValue)
                """
            ).run()
        }
        try await settleSteps(of: event, except: Set((event.steps ?? []).map(\.name.rawValue)), db: db)
    }

    /// Steps left open when a deployment ends: the failed one fails, the rest of a
    /// cancelled one are cancelled.
    private static func settleSteps(of event: DeploymentEvent, except closed: Set<String>, db: any SQLDatabase) async throws {
        let id = event.deploymentId.uppercasedString
        let at = event.at.epochMilliseconds
        let others = closed.isEmpty ? "" : " AND name NOT IN (\(closed.sorted().map { "'\($0)'" }.joined(separator: ", ")))"
        if event.status == .failed || event.status == .rolledBack, let step = event.failedStep, !closed.contains(step.rawValue) {
            try await db.raw(
                """
                UPDATE history_steps SET status = 'failed', finished_at = COALESCE(finished_at, \(bind: at)),
                    error = COALESCE(error, \(bind: event.reason))
                WHERE deployment_id = \(bind: id) AND name = \(bind: step.rawValue) AND status IN ('pending', 'running')
                """
            ).run()
        }
        if event.status == .cancelled {
            try await db.raw(
                """
                UPDATE history_steps SET status = 'cancelled',
                    finished_at = CASE WHEN status = 'running' THEN \(bind: at) ELSE finished_at END
                WHERE deployment_id = \(bind: id) AND status IN ('pending', 'running')\(unsafeRaw: others)
                """
            ).run()
        }
    }

    /// SQL for `time` (a column, or an expression of the row) moved back to `value` if that is
    /// earlier (or it is unset): the same whichever order the times arrive in. The value is
    /// bound, so the statement's text stays the same and its prepared statement is reused (an
    /// inlined time made every one new).
    static func earliest(_ time: SQLQueryString, _ value: Int64) -> SQLQueryString {
        "CASE WHEN (\(time)) IS NULL OR (\(time)) > \(bind: value) THEN \(bind: value) ELSE (\(time)) END"
    }

    // MARK: Step events

    static func apply(_ event: StepEvent, messageId: String, db: any SQLDatabase) async throws {
        let id = event.deploymentId.uppercasedString
        let at = event.at.epochMilliseconds
        let step = event.step.rawValue
        // Only the latest attempt moves a step: a late answer of an attempt the scheduler has
        // already replaced (its lease lapsed, or it timed out) changes no status, error or worker.
        // Its detail lines stay: they happened (the history says at reading that it was replaced).
        // Events of one step may be applied in any order (two recorders take batches off one
        // queue): the start is the earliest seen, and the deployment's last event settles the status.
        // One UPDATE per event: every expression reads the row as it was, so "the latest
        // attempt" is `attempts <= event.attempt` (what the attempts become), and the step is
        // open to this event when it is also pending or running.
        let attempt = Int64(event.attempt)
        let latest: SQLQueryString = "attempts <= \(bind: attempt)"
        let open: SQLQueryString = "status IN ('pending', 'running') AND \(latest)"
        var assignments: [SQLQueryString] = ["attempts = CASE WHEN attempts < \(bind: attempt) THEN \(bind: attempt) ELSE attempts END"]
        var startedAt: SQLQueryString
        switch event.kind {
        case .started, .progress:
            startedAt = earliest("started_at", at)
            assignments.append("status = CASE WHEN \(open) THEN 'running' ELSE status END")
        case .succeeded, .skipped:
            startedAt = "CASE WHEN \(open) THEN COALESCE(started_at, \(bind: at)) ELSE started_at END"
            assignments.append("status = CASE WHEN \(open) THEN \(bind: event.kind == .succeeded ? "succeeded" : "skipped") ELSE status END")
            assignments.append("finished_at = CASE WHEN \(open) THEN \(bind: at) ELSE finished_at END")
        case .failed:
            // Transient, or the rollout waits paused: the scheduler may retry, and the step stays
            // open with its last error; otherwise it failed for good.
            let stays = event.transient == true || event.pausesRollout
            startedAt = "CASE WHEN \(open) THEN COALESCE(started_at, \(bind: at)) ELSE started_at END"
            assignments.append("status = CASE WHEN \(open) THEN \(bind: stays ? "running" : "failed") ELSE status END")
            if !stays { assignments.append("finished_at = CASE WHEN \(open) THEN \(bind: at) ELSE finished_at END") }
            assignments.append("error = CASE WHEN \(open) THEN \(bind: event.error ?? "failed") ELSE error END")
        }
        if let held = event.startedAt?.epochMilliseconds {
            // The start a held `started` had (it came inside the outcome): the earlier of the two.
            startedAt = earliest(startedAt, held)
        }
        assignments.append("started_at = \(startedAt)")
        if let worker = event.worker, event.kind != .failed {
            assignments.append("worker = CASE WHEN \(latest) THEN \(bind: worker) ELSE worker END")
        }
        try await db.raw(
            """
            UPDATE history_steps SET \(SQLList(assignments, separator: SQLRaw(", ")))
            WHERE deployment_id = \(bind: id) AND name = \(bind: step)
            """
        ).run()
        for (index, line) in (event.earlierDetails ?? []).enumerated() {
            try await db.raw(
                """
                INSERT INTO history_details (message_id, deployment_id, step, at, message, attempt, answer, seq)
                VALUES (\(bind: carriedLineId(outcome: messageId, index: index, text: line.message)), \(bind: id), \(bind: step),
                    \(bind: line.at.epochMilliseconds), \(bind: line.message),
                    \(bind: attempt), 0, \(bind: Int64(index)))
                ON CONFLICT (message_id) DO NOTHING
                """
            ).run()
        }
        if let worker = event.worker, event.kind != .failed {
            try await db.raw(
                """
                UPDATE history_steps SET worker = \(bind: worker)
                WHERE deployment_id = \(bind: id) AND name = \(bind: step) AND attempts = \(bind: Int64(event.attempt))
                """
            ).run()
        }
        if let line = detailLine(event) {
            try await db.raw(
                """
                INSERT INTO history_details (message_id, deployment_id, step, at, message, attempt, answer, seq)
                VALUES (\(bind: messageId), \(bind: id), \(bind: step), \(bind: at), \(bind: line), \(bind: attempt),
                    \(bind: Int64(isAnswer(event) ? 1 : 0)), \(bind: lineOrder(messageId)))
                ON CONFLICT (message_id) DO NOTHING
                """
            ).run()
        }
    }

    /// Where a line goes among its run's lines of the same millisecond (`seq`): a detail line
    /// by its index (``StepEventID/lineIndex(of:)``; the lines an outcome carries, by their
    /// place in it), the outcome's own line after them all.
    static func lineOrder(_ messageId: String) -> Int64 {
        StepEventID.lineIndex(of: messageId).map(Int64.init) ?? outcomeLineOrder
    }

    /// The id of the `index`-th line an outcome carries: the id the line would have had
    /// published on its own (``StepEventID/line(run:index:text:)``), so that a line a killed
    /// run published and its re-run carries is kept once. An outcome whose id is not a run's
    /// (``StepEventID/outcome(run:)``) gives `<its id>#<index>`, as every outcome did before
    /// stop 43.
    static func carriedLineId(outcome messageId: String, index: Int, text: String) -> String {
        guard let run = StepEventID.run(ofOutcome: messageId) else { return "\(messageId)#\(index)" }
        return StepEventID.line(run: run, index: index, text: text)
    }

    /// The `seq` of an outcome's own line: after any detail line of its run.
    static let outcomeLineOrder: Int64 = 1 << 40

    /// An answer that ends an attempt: it succeeded, was skipped or failed for good. When a
    /// later attempt of its step exists, the attempt had been replaced and its answer moved
    /// nothing (``HistoryQueries`` says so on reading). A transient failure or a "check
    /// again later" is not one: the next attempt or check follows from it.
    static func isAnswer(_ event: StepEvent) -> Bool {
        guard event.checkAfter == nil else { return false }
        switch event.kind {
        case .succeeded, .skipped: return true
        case .failed: return event.transient != true
        case .started, .progress: return false
        }
    }

    private static func detailLine(_ event: StepEvent) -> String? {
        switch event.kind {
        case .failed:
            let prefix = event.transient == true ? "attempt \(event.attempt) failed, will retry if attempts remain" : "failed"
            return "\(prefix): \(event.error ?? "unknown error")"
        case .skipped:
            return event.detail.map { "skipped: \($0)" } ?? "skipped"
        default:
            return event.detail
        }
    }

    /// Makes sure the deployment and its six steps have rows (an event may arrive before
    /// the one that describes the deployment), and with `lock` holds its row until the
    /// transaction ends.
    private static func ensureDeployment(_ deploymentId: UUID, status: DeploymentStatus, lock: Bool, db: any SQLDatabase) async throws {
        let id = deploymentId.uppercasedString
        let inserted = try await db.raw(
            """
            INSERT INTO history_deployments (id, status, status_rank, updated_at)
            VALUES (\(bind: id), \(bind: status.rawValue), \(bind: status.rank), \(bind: Date().epochMilliseconds))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """
        ).all()
        if lock && inserted.isEmpty {
            try await db.raw("SELECT id FROM history_deployments WHERE id = \(bind: id) FOR UPDATE").run()
        }
        guard !inserted.isEmpty else { return }
        for step in StepName.allCases {
            try await db.raw(
                """
                INSERT INTO history_steps (deployment_id, name, position, status) VALUES (\(bind: id), \(bind: step.rawValue),
                    \(bind: Int64(step.position)), 'pending')
                ON CONFLICT (deployment_id, name) DO NOTHING
                """
            ).run()
        }
    }
}
