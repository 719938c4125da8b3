import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import SQLKit

/// One database transaction of the scheduler: typed reads and writes of its tables, and the
/// messages to publish once it commits (written to the outbox in the same transaction).
final class SchedulerTransaction: @unchecked Sendable {
    let db: any SQLDatabase
    let dialect: Dialect
    let now: Date
    let outboxTable: TransactionalOutbox
    /// The messages this transaction wrote to the outbox, to publish once it commits.
    private(set) var outbox: [TransactionalOutbox.Entry] = []
    /// The events for the recorder's ``EventBatch``: the step events consumed and the events
    /// published, in order.
    private var events: [EventBatch.Item] = []
    /// The earliest timer this transaction set, so the timer loop can wake for it.
    private(set) var earliestTimer: Date?
    /// The freeze snapshot, once read in this transaction.
    private var freezeSnapshot: FreezeSnapshot?
    private var freezeLoaded = false
    /// The environments locked in this transaction (see ``lockEnvironment(_:)``).
    private var lockedEnvironments: Set<UUID> = []

    init(db: any SQLDatabase, dialect: Dialect, outbox: TransactionalOutbox, now: Date) {
        self.db = db
        self.dialect = dialect
        self.outboxTable = outbox
        self.now = now
    }

    // MARK: Deduplication

    /// Records `messageId`; returns `false` if it was processed before (reporting it when
    /// its fingerprint differs: see ``ProcessedMessages``).
    func markProcessed(_ messageId: String, fingerprint: String, logger: Logger) async throws -> Bool {
        try await SchedulerSchema.processed.markProcessed(
            messageId, fingerprint: fingerprint, at: now.epochMilliseconds, db: db, logger: logger)
    }

    // MARK: Deployments

    var forUpdate: String { dialect == .postgres ? " FOR UPDATE" : "" }

    func deployment(_ id: UUID) async throws -> DeploymentRecord? {
        let row = try await db.raw(
            "SELECT * FROM scheduler_deployments WHERE id = \(bind: id.uppercasedString)\(unsafeRaw: forUpdate)"
        ).first()
        return try row.map(Self.record)
    }

    /// Inserts `record` and notes the columns as inserted (``DeploymentRecord/storedColumns``).
    func insert(_ record: inout DeploymentRecord) async throws {
        try await db.raw(
            """
            INSERT INTO scheduler_deployments (id, environment_id, status, request, mode, sequence, outputs, cancel_requested,
                created_at, scheduled_at, reason, finished_at, trace_parent)
            VALUES (\(bind: record.id.uppercasedString), \(bind: record.environmentId.uppercasedString), \(bind: record.status.rawValue),
                \(bind: try Self.json(record.request)), \(bind: record.request.mode.rawValue), \(bind: record.sequence), '{}', 0,
                \(bind: record.request.createdAt.epochMilliseconds), \(bind: record.request.scheduledAt?.epochMilliseconds),
                \(bind: record.reason), \(bind: record.finishedAt?.epochMilliseconds), \(bind: record.traceParent))
            """
        ).run()
        var inserted = DeploymentRecord(request: record.request, status: record.status, sequence: record.sequence)
        inserted.reason = record.reason
        inserted.finishedAt = record.finishedAt
        record.storedColumns = try columns(inserted)
    }

    /// Stores what changed of `record` since it was read, inserted or last updated (all of it
    /// when that is unknown), and notes the columns as stored. Nothing changed: no statement.
    func update(_ record: inout DeploymentRecord) async throws {
        // The JSON columns as they will be stored, so that a later update in this transaction
        // compares with them instead of encoding them again.
        record.storedOutputs = (record.outputs, try outputsJSON(record))
        record.storedSteps = (record.steps, try stepsJSON(record))
        let columns = try columns(record)
        let changed = columns.changed(since: record.storedColumns)
        record.storedColumns = columns
        guard !changed.isEmpty else { return }
        var sql: SQLQueryString = "UPDATE scheduler_deployments SET "
        for (position, index) in changed.enumerated() {
            sql.appendLiteral(position == 0 ? "" : ", ")
            sql.appendLiteral(DeploymentColumns.names[index])
            sql.appendLiteral(" = ")
            sql.appendInterpolation(bind: columns.values[index].bind)
        }
        sql.appendLiteral(" WHERE id = ")
        sql.appendInterpolation(bind: record.id.uppercasedString)
        try await db.raw(sql).run()
    }

    /// `record`'s changeable columns as SQL values.
    private func columns(_ record: DeploymentRecord) throws -> DeploymentColumns {
        DeploymentColumns(values: [
            .text(record.status.rawValue), .text(record.currentStep?.rawValue), .integer(Int64(record.attempt)),
            .integer(Int64(record.poll)), .text(record.dispatchId?.uppercasedString), .integer(record.dispatchedAt?.epochMilliseconds),
            .integer(record.lastHeardAt?.epochMilliseconds), .text(try outputsJSON(record)), .integer(record.cancelRequested ? 1 : 0),
            .text(record.cancelledBy), .integer(record.startedAt?.epochMilliseconds), .integer(record.finishedAt?.epochMilliseconds),
            .text(record.reason), .text(try stepsJSON(record)), .text(try record.approval.map(Self.json)),
            .text(try record.pause.map(Self.json)),
        ])
    }

    private func outputsJSON(_ record: DeploymentRecord) throws -> String {
        if let stored = record.storedOutputs, stored.value == record.outputs { return stored.json }
        // No outputs is read back without a decoder (see `record(_:)`): nothing to remember.
        if record.outputs.isEmpty { return "{}" }
        let json = JSONBytes.object(record.outputs)
        Self.outputs.remember(record.id, json: json, value: record.outputs)
        return json
    }

    private func stepsJSON(_ record: DeploymentRecord) throws -> String? {
        if let stored = record.storedSteps, stored.value == record.steps { return stored.json }
        guard !record.steps.isEmpty else { return nil }
        let json = JSONBytes.stepSummaries(record.steps)
        Self.steps.remember(record.id, json: json, value: record.steps)
        return json
    }

    /// Serialises transactions that decide who runs in an environment (PostgreSQL row lock;
    /// SQLite transactions are serial anyway).
    func lockEnvironment(_ id: UUID) async throws {
        // Held until the transaction ends: taking it again in the same one changes nothing.
        guard lockedEnvironments.insert(id).inserted else { return }
        try await db.raw("INSERT INTO scheduler_environments (id) VALUES (\(bind: id.uppercasedString)) ON CONFLICT (id) DO NOTHING").run()
        if dialect == .postgres {
            try await db.raw("SELECT id FROM scheduler_environments WHERE id = \(bind: id.uppercasedString) FOR UPDATE").run()
        }
    }

    func hasRunning(environment id: UUID) async throws -> Bool {
        try await db.raw(
            """
            SELECT id FROM scheduler_deployments WHERE environment_id = \(bind: id.uppercasedString) AND status = 'running' LIMIT 1
            """
        ).first() != nil
    }

    func nextQueued(environment id: UUID) async throws -> DeploymentRecord? {
        let row = try await db.raw(
            """
            SELECT * FROM scheduler_deployments WHERE environment_id = \(bind: id.uppercasedString) AND status = 'queued'
            ORDER BY sequence LIMIT 1\(unsafeRaw: forUpdate)
            """
        ).first()
        return try row.map(Self.record)
    }

    func nextSequence() async throws -> Int64 {
        let row = try await db.raw("SELECT COALESCE(MAX(sequence), 0) + 1 AS next FROM scheduler_deployments").first()
        return try row?.decode(column: "next", as: Int64.self) ?? 1
    }

    /// `requestReconnection` deployments of the environment created since `since` that count
    /// against its quota (``DeploymentRecord/usesReconnectionQuota``).
    func reconnectionsUsed(environment id: UUID, since: Date) async throws -> Int {
        let rows = try await db.raw(
            """
            SELECT * FROM scheduler_deployments
            WHERE environment_id = \(bind: id.uppercasedString) AND mode = 'requestReconnection' AND status <> 'rejected'
              AND created_at >= \(bind: since.epochMilliseconds)
            """
        ).all()
        return try rows.map(Self.record).filter(\.usesReconnectionQuota).count
    }

    /// Running deployments whose dispatch went unanswered since `before`, or that wait on
    /// nothing at all (no dispatch in flight and no timer).
    func stuckDeployments(unansweredSince before: Date, limit: Int) async throws -> [DeploymentRecord] {
        let cutoff = before.epochMilliseconds
        let rows = try await db.raw(
            """
            SELECT d.* FROM scheduler_deployments d
            WHERE d.status = 'running' AND (
                (d.dispatch_id IS NOT NULL AND COALESCE(d.last_heard_at, d.dispatched_at) < \(bind: cutoff))
                OR (d.dispatch_id IS NULL AND NOT EXISTS (SELECT 1 FROM scheduler_timers t WHERE t.deployment_id = d.id)))
            LIMIT \(literal: limit)
            """
        ).all()
        return try rows.map(Self.record)
    }

    /// Environments with queued deployments and none running.
    func idleEnvironmentsWithQueue(limit: Int) async throws -> [UUID] {
        let rows = try await db.raw(
            """
            SELECT DISTINCT q.environment_id FROM scheduler_deployments q
            WHERE q.status = 'queued' AND NOT EXISTS (
                SELECT 1 FROM scheduler_deployments r WHERE r.environment_id = q.environment_id AND r.status = 'running')
            LIMIT \(literal: limit)
            """
        ).all()
        return try rows.compactMap { UUID(parsing: try $0.decode(column: "environment_id", as: String.self)) }
    }

    // MARK: Timers

    func addTimer(_ timer: TimerRecord) async throws {
        let payload = try timer.dispatch.map(Self.json) ?? "{}"
        try await db.raw(
            """
            INSERT INTO scheduler_timers (id, deployment_id, kind, due_at, payload)
            VALUES (\(bind: timer.id), \(bind: timer.deploymentId.uppercasedString), \(bind: timer.kind.rawValue),
                \(bind: timer.dueAt.epochMilliseconds), \(bind: payload))
            ON CONFLICT (id) DO NOTHING
            """
        ).run()
        noteTimer(timer.dueAt)
    }

    /// Notes a time something of this transaction falls due, so the timer loop wakes for it.
    func noteTimer(_ dueAt: Date) {
        earliestTimer = min(earliestTimer ?? dueAt, dueAt)
    }

    func deleteTimer(id: String) async throws {
        try await db.raw("DELETE FROM scheduler_timers WHERE id = \(bind: id)").run()
    }

    func deleteTimers(deployment id: UUID) async throws {
        try await db.raw("DELETE FROM scheduler_timers WHERE deployment_id = \(bind: id.uppercasedString)").run()
    }

    /// Claims (deletes and returns) up to `limit` timers due by `now`.
    func claimDueTimers(limit: Int) async throws -> [TimerRecord] {
        let rows = try await db.raw(
            """
            SELECT * FROM scheduler_timers WHERE due_at <= \(bind: now.epochMilliseconds) ORDER BY due_at LIMIT \(literal: limit)
            """
        ).all()
        let timers = try rows.map(Self.timer)
        if !timers.isEmpty {
            try await db.raw("DELETE FROM scheduler_timers WHERE id IN (\(binds: InList.padded(timers.map(\.id))))").run()
        }
        return timers
    }

    // MARK: Freeze windows

    /// Keeps `snapshot` unless one of a higher revision is kept already.
    func saveFreezes(_ snapshot: FreezeSnapshot) async throws {
        let body = try Self.json(snapshot)
        try await db.raw(
            """
            INSERT INTO scheduler_freezes (name, revision, body) VALUES ('windows', \(bind: snapshot.revision), \(bind: body))
            ON CONFLICT (name) DO UPDATE SET revision = excluded.revision, body = excluded.body
            WHERE scheduler_freezes.revision < excluded.revision
            """
        ).run()
        freezeLoaded = false
    }

    /// The newest freeze snapshot kept (read once per transaction); `nil` before the first.
    func freezes() async throws -> FreezeSnapshot? {
        if freezeLoaded { return freezeSnapshot }
        let row = try await db.raw("SELECT body FROM scheduler_freezes WHERE name = 'windows'").first()
        freezeSnapshot = try row.map {
            try HangarJSON.decoder.decode(FreezeSnapshot.self, from: Data(try $0.decode(column: "body", as: String.self).utf8))
        }
        freezeLoaded = true
        return freezeSnapshot
    }

    /// Stores a scheduled deployment's new start (`record.request.scheduledAt`, which every
    /// later event carries: ``record(_:)`` reads it from its column) and why it moved.
    func reschedule(_ record: DeploymentRecord) async throws {
        try await db.raw(
            """
            UPDATE scheduler_deployments SET scheduled_at = \(bind: record.request.scheduledAt?.epochMilliseconds), reason = \(bind: record.reason)
            WHERE id = \(bind: record.id.uppercasedString)
            """
        ).run()
    }

    // MARK: Outbox

    /// Queues `message` for publishing after commit, under a deterministic id so that a
    /// republish after a crash is deduplicated downstream, in the deployment's trace. An event
    /// (`deployment.*`, `server.shutdown.*`) goes out only inside the transaction's
    /// ``EventBatch``, which the recorder, the notifier and intake's live feed all read: no
    /// outbox row and no message of its own.
    func publish(_ message: HangarMessage, messageId: String, traceParent: String?) async throws {
        if message.kind == .event {
            events.append(
                EventBatch.Item(messageId: messageId, message: message, traceParent: traceParent, body: try ContractCodec.encode(message)))
            return
        }
        outbox.append(try await outboxTable.write(message, messageId: messageId, traceParent: traceParent, now: now, in: db))
    }

    /// Hands an event this transaction consumed (a worker's step event) on to the recorder in
    /// the transaction's ``EventBatch``, in the trace it was handled in; `body`: as it was received.
    func forward(_ message: HangarMessage, messageId: String, traceParent: String?, body: [UInt8]?) {
        events.append(EventBatch.Item(messageId: messageId, message: message, traceParent: traceParent, body: body))
    }

    /// Writes the transaction's ``EventBatch`` to the outbox, when it has events: the
    /// recorder's one message for this transaction. Called once, after everything else; the
    /// batch is published first, so that nothing acting on this transaction's other messages
    /// (a worker running the next step, the next transaction's batch) gets ahead of the
    /// history: a scheduler killed between two publishes has sent the batch if it sent
    /// anything after it.
    func writeEventBatch() async throws {
        guard !events.isEmpty else { return }
        let batch = HangarMessage.eventBatch(EventBatch(items: events))
        events = []
        let messageId = "events-\(UUID.v7(at: now).lowercasedString)"
        outbox.insert(try await outboxTable.write(batch, messageId: messageId, traceParent: nil, now: now, in: db), at: 0)
    }

    // MARK: Rows

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try HangarJSON.encoder.encode(value), as: UTF8.self)
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try HangarJSON.decoder.decode(type, from: Data(text.utf8))
    }

    /// Decoded requests, shared by every transaction of this process.
    static let requests = RequestCache()
    /// Deployments' outputs and steps as this process last wrote or read them: a deployment's
    /// next transaction reads back what its last one wrote.
    static let outputs = DecodedColumnCache<[String: String]>()
    static let steps = DecodedColumnCache<[DeploymentStepSummary]>()

    /// A row of `scheduler_deployments`. Columns are read through the direct accessors
    /// (``SQLRow/string(_:)`` and the like), and the outputs of a deployment that has none
    /// (`{}`, most of them until they succeed) without a JSON decoder: a drain of due
    /// deployments reads one row per start.
    static func record(_ row: any SQLRow) throws -> DeploymentRecord {
        let id = try row.string("id")
        let request: SubmitDeployment
        if let key = UUID(parsing: id) {
            request = try requests.request(key) { try row.string("request") }
        } else {
            request = try decodeJSON(SubmitDeployment.self, try row.string("request"))
        }
        let status = try row.string("status")
        func date(_ milliseconds: Int64?) -> Date? { milliseconds.map(Date.init(epochMilliseconds:)) }
        // The start may have moved past a freeze window since it was submitted: the column
        // has it (the cached request stays as submitted).
        var current = request
        current.scheduledAt = date(try row.integer("scheduled_at"))
        var record = DeploymentRecord(request: current, status: DeploymentStatus(rawValue: status) ?? .failed, sequence: try row.int64("sequence"))
        let currentStep = try row.text("current_step")
        record.currentStep = currentStep.flatMap(StepName.init(rawValue:))
        let attempt = try row.int64("attempt")
        record.attempt = Int(attempt)
        let poll = try row.int64("poll")
        record.poll = Int(poll)
        let dispatchId = try row.text("dispatch_id")
        record.dispatchId = dispatchId.flatMap(UUID.init(parsing:))
        let dispatchedAt = try row.integer("dispatched_at")
        record.dispatchedAt = date(dispatchedAt)
        let lastHeardAt = try row.integer("last_heard_at")
        record.lastHeardAt = date(lastHeardAt)
        let outputs = try row.string("outputs")
        record.outputs =
            outputs == "{}" ? [:] : try Self.outputs.value(current.deploymentId, json: outputs) { try decodeJSON([String: String].self, $0) }
        record.storedOutputs = (record.outputs, outputs)
        let cancelRequested = try row.int64("cancel_requested")
        record.cancelRequested = cancelRequested != 0
        record.cancelledBy = try row.text("cancelled_by")
        let startedAt = try row.integer("started_at")
        record.startedAt = date(startedAt)
        let finishedAt = try row.integer("finished_at")
        record.finishedAt = date(finishedAt)
        record.reason = try row.text("reason")
        let steps = try row.text("steps")
        if let steps { record.steps = try Self.steps.value(current.deploymentId, json: steps) { try decodeJSON([DeploymentStepSummary].self, $0) } }
        record.storedSteps = (record.steps, steps)
        record.traceParent = try row.text("trace_parent")
        let approval = try row.text("approval")
        record.approval = try approval.map { try decodeJSON(ApprovalState.self, $0) }
        let pause = try row.text("pause")
        record.pause = try pause.map { try decodeJSON(PauseState.self, $0) }
        record.storedColumns = DeploymentColumns(values: [
            .text(status), .text(currentStep), .integer(attempt), .integer(poll), .text(dispatchId), .integer(dispatchedAt),
            .integer(lastHeardAt), .text(outputs), .integer(cancelRequested), .text(record.cancelledBy), .integer(startedAt),
            .integer(finishedAt), .text(record.reason), .text(steps), .text(approval), .text(pause),
        ])
        return record
    }

    static func timer(_ row: any SQLRow) throws -> TimerRecord {
        let kind = TimerRecord.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .dispatch
        let payload = try row.decode(column: "payload", as: String.self)
        return TimerRecord(
            id: try row.decode(column: "id", as: String.self),
            deploymentId: UUID(parsing: try row.decode(column: "deployment_id", as: String.self)) ?? UUID(),
            kind: kind,
            dueAt: Date(epochMilliseconds: try row.decode(column: "due_at", as: Int64.self)),
            dispatch: kind == .start || kind == .approval || kind == .pause ? nil : try decodeJSON(TimerRecord.Dispatch.self, payload))
    }
}
