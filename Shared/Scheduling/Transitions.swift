import Foundation
import HangarContracts
import Logging

/// The deployment state machine. Each function runs inside one transaction and queues the
/// messages the change implies; message ids are deterministic so republishing is harmless.
struct Transitions {
    let tx: SchedulerTransaction
    let configuration: SchedulerConfiguration
    let logger: Logger
    let clock: Date
    /// When this replica took the timers over (firing timers only): a start due before then
    /// goes through the scheduler's queue (``DeploymentDue``) rather than starting at once.
    var timersTakenOverAt: Date?

    init(_ tx: SchedulerTransaction, configuration: SchedulerConfiguration, logger: Logger) {
        self.tx = tx
        self.configuration = configuration
        self.logger = logger
        self.clock = tx.now
    }

    /// The message id of a deployment's `deployment.<status>` event: one per deployment and
    /// status, so a republish is dropped downstream; a deferral past a freeze window adds its
    /// new start (`scheduled` again, a new event).
    static func eventMessageId(_ deployment: UUID, _ status: DeploymentStatus, deferredTo start: Date? = nil) -> String {
        "deployment-\(deployment)-\(status.rawValue)" + (start.map { "-\($0.epochMilliseconds)" } ?? "")
    }

    // MARK: Commands

    /// - Parameter traceParent: the trace every message about the deployment joins.
    func submit(_ request: SubmitDeployment, traceParent: String? = nil) async throws {
        try await tx.lockEnvironment(request.environmentId)
        guard try await tx.deployment(request.deploymentId) == nil else { return }
        var record = DeploymentRecord(request: request, status: .queued, sequence: try await tx.nextSequence())
        record.traceParent = traceParent

        if request.mode == .requestReconnection {
            let limit = request.reconnectionMonthlyLimit ?? configuration.defaultReconnectionMonthlyLimit
            if let refusal = try await reconnectionQuota(environment: request.environmentId, limit: limit).refusal {
                record.status = .rejected
                record.finishedAt = clock
                record.reason = refusal
                try await tx.insert(&record)
                try await emit(record)
                return
            }
        }
        if let scheduledAt = request.scheduledAt {
            record.status = .scheduled
            try await tx.insert(&record)
            guard scheduledAt > clock else {
                // Already due when it reached the scheduler (it was down at the due time): it
                // starts now, unless a freeze window holds it, as when a timer fires.
                return try await start(&record)
            }
            try await tx.addTimer(TimerRecord(id: "start-\(record.id)", deploymentId: record.id, kind: .start, dueAt: scheduledAt))
            try await emit(record)
            return
        }
        try await tx.insert(&record)
        try await queue(record)
    }

    /// The environment's monthly reconnection quota: the month's requests that count against
    /// it (``DeploymentRecord/usesReconnectionQuota``), and why one more would be rejected
    /// (`nil`: it has room). The one place the rule lives: a submission over it is rejected,
    /// and intake asks it (``ReconnectionQuotaQuery``) before accepting one.
    func reconnectionQuota(environment: UUID, limit: Int) async throws -> (used: Int, refusal: String?) {
        let used = try await tx.reconnectionsUsed(environment: environment, since: clock.startOfMonthUTC)
        return (used, used >= limit ? "the environment used \(used) of its \(limit) reconnection requests this month" : nil)
    }

    func cancel(_ command: CancelDeployment) async throws {
        guard var record = try await tx.deployment(command.deploymentId) else { return }
        switch record.status {
        case .scheduled, .queued:
            record.cancelledBy = command.requestedBy
            try await finish(&record, as: .cancelled, reason: "cancelled by \(command.requestedBy)")
        case .running:
            if record.pendingEnd != nil { return }  // already ending: its cleanup runs
            if record.dispatchId == nil {
                // Waiting on a timer (a retry or a check): nothing runs, stop now.
                record.cancelledBy = command.requestedBy
                try await end(&record, as: .cancelled, reason: "cancelled by \(command.requestedBy)")
            } else {
                record.cancelRequested = true
                record.cancelledBy = command.requestedBy
                try await tx.update(&record)
            }
        default:
            return
        }
    }

    // MARK: Step events

    func stepEvent(_ event: StepEvent) async throws {
        guard var record = try await tx.deployment(event.deploymentId), record.status == .running,
            record.dispatchId == event.dispatchId, record.currentStep == event.step
        else { return }  // Stale: an old dispatch, a duplicate, or a finished deployment.
        record.steps.apply(event)  // written by whichever update below the event leads to
        switch event.kind {
        case .started:
            try await heard(&record)
        case .progress:
            guard let checkAfter = event.checkAfter else { return try await heard(&record) }
            if record.cancelRequested && record.pendingEnd == nil {
                return try await end(&record, as: .cancelled, reason: "cancelled by \(record.cancelledBy ?? "a user")")
            }
            record.dispatchId = nil
            try await tx.update(&record)
            try await tx.addTimer(
                TimerRecord(
                    id: "dispatch-\(event.dispatchId)-\(record.poll + 1)", deploymentId: record.id, kind: .dispatch,
                    dueAt: max(checkAfter, clock),
                    dispatch: .init(step: event.step, attempt: record.attempt, poll: record.poll + 1, continuation: event.continuation)))
        case .succeeded, .skipped:
            record.outputs.merge(event.outputs ?? [:]) { _, new in new }
            if let pending = record.pendingEnd {  // the cleanup is done
                return try await finish(&record, as: pending.status, reason: pending.reason, failedStep: pending.failedStep)
            }
            if record.cancelRequested {
                return try await end(&record, as: .cancelled, reason: "cancelled by \(record.cancelledBy ?? "a user")")
            }
            if let next = event.step.next {
                if next == .replaceInstances, let policy = record.request.approval, record.approval == nil {
                    return try await awaitApproval(&record, policy: policy)
                }
                try await dispatch(&record, step: next, attempt: 1, poll: 0, continuation: nil)
            } else {
                try await finish(&record, as: .succeeded, reason: nil)
            }
        case .failed:
            let error = event.error ?? "the step failed"
            if event.transient == true, record.attempt < configuration.maxAttempts, !record.cancelRequested || record.pendingEnd != nil {
                record.dispatchId = nil
                try await tx.update(&record)
                let delay = configuration.retryDelay(beforeAttempt: record.attempt + 1)
                try await tx.addTimer(
                    TimerRecord(
                        id: "retry-\(event.dispatchId)", deploymentId: record.id, kind: .dispatch,
                        dueAt: clock.addingTimeInterval(delay.seconds),
                        dispatch: .init(step: event.step, attempt: record.attempt + 1, poll: 0, continuation: nil)))
            } else if let pending = record.pendingEnd {  // the cleanup failed: end anyway, and say so
                let reason = [pending.reason, "the cleanup failed: \(error)"].compactMap { $0 }.joined(separator: "; ")
                try await finish(&record, as: pending.status, reason: reason, failedStep: pending.failedStep)
            } else if record.cancelRequested {
                try await end(&record, as: .cancelled, reason: "cancelled by \(record.cancelledBy ?? "a user")")
            } else if event.healthGate == .paused {
                try await pauseRollout(&record, event, reason: error)
            } else if event.healthGate == .rolledBack {
                // A health gate failed and the replaced instances went back to the model before.
                try await end(&record, as: .rolledBack, reason: error, failedStep: event.step)
            } else {
                let attempts = record.attempt > 1 ? " after \(record.attempt) attempts" : ""
                try await end(&record, as: .failed, reason: "\(event.step.rawValue) failed\(attempts): \(error)", failedStep: event.step)
            }
        }
    }

    /// A worker's heartbeat for the dispatch in flight renews its lease.
    func heartbeat(_ heartbeat: StepHeartbeat) async throws {
        guard var record = try await tx.deployment(heartbeat.deploymentId), record.status == .running,
            record.dispatchId == heartbeat.dispatchId
        else {
            // An older dispatch, or the deployment moved on.
            logger.debug(
                "scheduler.heartbeat.stale", metadata: ["deployment.id": "\(heartbeat.deploymentId)", "step.attempt": "\(heartbeat.attempt)"])
            return
        }
        try await heard(&record)
    }

    /// The worker running the dispatch in flight was heard from: note when, and the first
    /// time arm the lease timer that notices when it goes silent.
    private func heard(_ record: inout DeploymentRecord) async throws {
        let first = record.lastHeardAt == nil
        record.lastHeardAt = clock
        try await tx.update(&record)
        if first, let dispatchId = record.dispatchId { try await armLease(record, dispatchId: dispatchId, dueAt: clock) }
    }

    private func armLease(_ record: DeploymentRecord, dispatchId: UUID, dueAt heardAt: Date) async throws {
        guard let step = record.currentStep else { return }
        try await tx.addTimer(
            TimerRecord(
                id: "lease-\(dispatchId)", deploymentId: record.id, kind: .lease,
                dueAt: heardAt.addingTimeInterval(configuration.leaseTimeout.seconds),
                dispatch: .init(step: step, attempt: record.attempt, poll: record.poll, dispatchId: dispatchId)))
    }

    // MARK: Timers

    func fire(_ timer: TimerRecord) async throws {
        guard var record = try await tx.deployment(timer.deploymentId) else { return }
        switch timer.kind {
        case .start:
            guard record.status == .scheduled else { return }
            if let takenOver = timersTakenOverAt, timer.dueAt < takenOver {
                // It fell due while no replica fired timers: what waits in the queue (a freeze
                // window made meanwhile) goes first, then the deployment starts.
                try await tx.publish(
                    .deploymentDue(DeploymentDue(deploymentId: record.id, dueAt: timer.dueAt)),
                    messageId: "due-\(record.id)-\(timer.dueAt.epochMilliseconds)", traceParent: record.traceParent)
                return
            }
            try await start(&record)
        case .dispatch:
            guard record.status == .running, record.dispatchId == nil, let dispatch = timer.dispatch else { return }
            if record.cancelRequested && record.pendingEnd == nil {
                return try await end(&record, as: .cancelled, reason: "cancelled by \(record.cancelledBy ?? "a user")")
            }
            try await self.dispatch(&record, step: dispatch.step, attempt: dispatch.attempt, poll: dispatch.poll, continuation: dispatch.continuation)
        case .lease:
            guard record.status == .running, let dispatchId = timer.dispatch?.dispatchId, record.dispatchId == dispatchId,
                let heardAt = record.lastHeardAt
            else { return }  // Answered: the deployment moved on.
            if heardAt.addingTimeInterval(configuration.leaseTimeout.seconds) > clock {
                return try await armLease(record, dispatchId: dispatchId, dueAt: heardAt)  // renewed since
            }
            logger.warning(
                "scheduler.lease.lapsed",
                metadata: [
                    "deployment.id": "\(record.id)", "step.name": "\(record.currentStep?.rawValue ?? "-")",
                    "step.attempt": "\(record.attempt)", "step.last_heard_at": "\(HangarJSON.formatDate(heardAt))",
                ])
            try await reconcile(record.id)
        case .approval:
            try await expire(&record)
        case .pause:
            try await expirePause(&record)
        }
    }

    // MARK: Reconciliation

    /// A running deployment that nobody is working on: dispatch its step again as a new
    /// attempt, or fail it once the attempts are used up.
    func reconcile(_ id: UUID) async throws {
        guard var record = try await tx.deployment(id), record.status == .running else { return }
        let step = record.currentStep ?? .validate
        if record.cancelRequested && record.pendingEnd == nil {
            return try await end(&record, as: .cancelled, reason: "cancelled by \(record.cancelledBy ?? "a user")")
        }
        if record.attempt >= configuration.maxAttempts {
            if let pending = record.pendingEnd {
                let reason = [pending.reason, "the cleanup got no answer"].compactMap { $0 }.joined(separator: "; ")
                return try await finish(&record, as: pending.status, reason: reason, failedStep: pending.failedStep)
            }
            try await end(
                &record, as: .failed,
                reason: "\(step.rawValue) failed: no worker answered after \(record.attempt) attempts", failedStep: step)
        } else {
            try await dispatch(&record, step: step, attempt: record.attempt + 1, poll: 0, continuation: nil)
        }
    }

    // MARK: Building blocks

    /// Starts the oldest queued deployment of the environment if none is running.
    /// A scheduled deployment that fell due while no replica fired timers, after what waited
    /// in the queue before it: it starts, unless it ended or moved meanwhile.
    func due(_ command: DeploymentDue) async throws {
        guard var record = try await tx.deployment(command.deploymentId), record.status == .scheduled,
            record.request.scheduledAt.map({ abs($0.timeIntervalSince(command.dueAt)) < 0.001 }) ?? true
        else { return }
        try await start(&record)
    }

    /// Starts a scheduled deployment that fell due: queued, and running at once when its
    /// environment is free; unless a freeze window holds it.
    private func start(_ record: inout DeploymentRecord) async throws {
        if try await heldByFreeze(&record) { return }
        try await tx.lockEnvironment(record.environmentId)
        record.status = .queued
        try await tx.update(&record)
        try await queue(record)
    }

    /// A deployment stored as `queued` starts at once when its environment is free (its first
    /// event is then `running`), or says it waits (`deployment.queued`): a `queued` event
    /// announces a wait, not a deployment that never waited.
    private func queue(_ record: DeploymentRecord) async throws {
        if try await startNext(in: record.environmentId) != record.id {
            try await emit(record)
        }
    }

    /// A scheduled deployment falls due inside a freeze window of its environment (as intake's
    /// newest snapshot has them) and no admin overrode freezes for it: the window's policy
    /// moves it to the first moment after the window and any adjoining one (`defer`: a new
    /// `deployment.scheduled` says so), or ends it (`skip`: `rejected`, naming the window).
    /// Returns whether it was held.
    private func heldByFreeze(_ record: inout DeploymentRecord) async throws -> Bool {
        guard record.request.freezeOverride == nil, let snapshot = try await tx.freezes() else { return false }
        let windows = snapshot.windows(of: record.environmentId)
        guard let frozen = windows.freeze(at: clock) else { return false }
        let window = "the freeze '\(frozen.window.reason)' (\(frozen.window.id.lowercasedString))"
        guard frozen.window.scheduled == .defer, let free = windows.firstFreeMoment(from: clock) else {
            try await finish(
                &record, as: .rejected,
                reason: "skipped: due at \(HangarJSON.formatDate(clock)), inside \(window) until \(HangarJSON.formatDate(frozen.end))")
            return true
        }
        record.request.scheduledAt = free
        record.reason = "deferred from \(HangarJSON.formatDate(clock)) to \(HangarJSON.formatDate(free)) by \(window)"
        try await tx.reschedule(record)
        try await tx.addTimer(TimerRecord(id: "start-\(record.id)-\(free.epochMilliseconds)", deploymentId: record.id, kind: .start, dueAt: free))
        try await tx.publish(
            record.event(at: clock, reason: record.reason), messageId: Self.eventMessageId(record.id, .scheduled, deferredTo: free),
            traceParent: record.traceParent)
        logger.info(
            "scheduler.deployment.deferred",
            metadata: ["deployment.id": "\(record.id)", "until": "\(HangarJSON.formatDate(free))", "freeze": "\(frozen.window.id)"])
        return true
    }

    /// Returns the deployment it started, if any.
    @discardableResult
    func startNext(in environment: UUID) async throws -> UUID? {
        guard try await !tx.hasRunning(environment: environment),
            var record = try await tx.nextQueued(environment: environment)
        else { return nil }
        record.status = .running
        record.startedAt = clock
        try await emit(record)
        try await dispatch(&record, step: .validate, attempt: 1, poll: 0, continuation: nil)
        return record.id
    }

    func dispatch(_ record: inout DeploymentRecord, step: StepName, attempt: Int, poll: Int, continuation: JSONValue?) async throws {
        let dispatchId = UUID.v7(at: clock)
        record.currentStep = step
        record.attempt = attempt
        record.poll = poll
        record.dispatchId = dispatchId
        record.dispatchedAt = clock
        record.lastHeardAt = nil
        try await tx.update(&record)
        let request = record.request
        let command = ExecuteStep(
            deploymentId: record.id, environmentId: record.environmentId, environmentName: request.environmentName,
            version: request.version, step: step, attempt: attempt, dispatchId: dispatchId, target: request.target,
            options: request.options, mode: request.mode, reconnection: request.reconnection, outputs: record.outputs,
            continuation: continuation, poll: poll, cleanup: step == .finalize ? record.pendingEnd.map { $0.reason ?? $0.status.rawValue } : nil,
            rollback: request.rollback, replacement: step == .replaceInstances ? request.replacement : nil)
        try await tx.publish(.executeStep(command), messageId: "execute-\(dispatchId)", traceParent: record.traceParent)
    }

    /// Ends a running deployment early (failed, cancelled): first, when it got far enough to
    /// leave something behind, a cleanup `finalize`; the deployment ends when that answers.
    func end(_ record: inout DeploymentRecord, as status: DeploymentStatus, reason: String?, failedStep: StepName? = nil) async throws {
        guard record.needsCleanup else { return try await finish(&record, as: status, reason: reason, failedStep: failedStep) }
        record.pendingEnd = PendingEnd(status: status, reason: reason, failedStep: failedStep)
        try await dispatch(&record, step: .finalize, attempt: 1, poll: 0, continuation: nil)
    }

    private func finish(_ record: inout DeploymentRecord, as status: DeploymentStatus, reason: String?, failedStep: StepName? = nil) async throws {
        let wasRunning = record.status == .running
        record.status = status
        record.finishedAt = clock
        record.reason = reason
        record.dispatchId = nil
        try await tx.update(&record)
        try await tx.deleteTimers(deployment: record.id)
        try await tx.publish(
            record.event(at: clock, reason: reason, failedStep: failedStep), messageId: Self.eventMessageId(record.id, status),
            traceParent: record.traceParent)
        if wasRunning {
            try await tx.lockEnvironment(record.environmentId)
            try await startNext(in: record.environmentId)
        }
    }

    private func emit(_ record: DeploymentRecord) async throws {
        try await tx.publish(
            record.event(at: clock, reason: record.reason), messageId: Self.eventMessageId(record.id, record.status),
            traceParent: record.traceParent)
    }

}
