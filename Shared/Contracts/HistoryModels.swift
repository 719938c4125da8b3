import Foundation

/// A step as the history shows it.
public struct StepSummary: Codable, Sendable, Equatable {
    /// Which step of the pipeline this is.
    public var name: StepName
    /// Where the step stands: `pending` until one of its events (or the deployment's end) moves it.
    public var status: StepStatus
    /// When the step started (the earliest time its events tell of); `nil` if it never started.
    public var startedAt: Date?
    /// When the step ended; `nil` while it is open, and for a step cancelled before it started.
    public var finishedAt: Date?
    /// Milliseconds from `startedAt` to `finishedAt`; `nil` unless both are known.
    public var durationMs: Int64?

    /// Creates a step row of the history.
    public init(name: StepName, status: StepStatus, startedAt: Date?, finishedAt: Date?, durationMs: Int64?) {
        self.name = name
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
    }
}

/// A detail line of a step ("retrieving server information").
public struct StepDetailLine: Codable, Sendable, Equatable {
    /// When the worker reported the line.
    public var at: Date
    /// The line's text: as the worker reported it, or as the recorder words an outcome (`failed: …`, `skipped: …`).
    public var message: String

    /// Creates a detail line.
    public init(at: Date, message: String) {
        self.at = at
        self.message = message
    }
}

/// A step with everything recorded about it.
public struct StepDetails: Codable, Sendable, Equatable {
    /// Which step of the pipeline this is.
    public var name: StepName
    /// Where the step stands: `pending` until one of its events (or the deployment's end) moves it.
    public var status: StepStatus
    /// When the step started (the earliest time its events tell of); `nil` if it never started.
    public var startedAt: Date?
    /// When the step ended; `nil` while it is open, and for a step cancelled before it started.
    public var finishedAt: Date?
    /// Milliseconds from `startedAt` to `finishedAt`; `nil` unless both are known.
    public var durationMs: Int64?
    /// The highest attempt number its events named; 0 if it never ran.
    public var attempts: Int
    /// Its detail lines, oldest first, of every attempt.
    public var detail: [StepDetailLine]
    /// The last failure's message, transient ones included (it stays while the step is retried). When the deployment
    /// failed on this step without one, the deployment's reason.
    public var error: String?
    /// The worker that last ran it.
    public var worker: String?

    /// Creates a step with its details.
    public init(
        name: StepName, status: StepStatus, startedAt: Date?, finishedAt: Date?, durationMs: Int64?, attempts: Int, detail: [StepDetailLine],
        error: String?, worker: String? = nil
    ) {
        self.name = name
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.attempts = attempts
        self.detail = detail
        self.error = error
        self.worker = worker
    }
}

/// A row of the history table (`GET /v1/environments/{env}/deployments`).
public struct DeploymentSummary: Codable, Sendable, Equatable {
    /// The deployment's id (a UUIDv7: ids sort by creation time).
    @LowercaseID public var id: UUID
    /// The environment it belongs to. `nil` until the recorder has one of the deployment's own events. A step event may
    /// arrive first.
    @LowercaseOptionalID public var environmentId: UUID?
    /// The environment's name at submission time. `nil` until the recorder has one of the deployment's own events.
    public var environmentName: String?
    /// The version label the user gave; `nil` when none was given (or it is not known yet).
    public var version: String?
    /// The name of the token that submitted it. `nil` until the recorder has one of the deployment's own events.
    public var owner: String?
    /// Where the deployment stands. A late event never moves it back.
    public var status: DeploymentStatus
    /// How it replaces the instances. `nil` until the recorder has one of the deployment's own events.
    public var mode: PublishMode?
    /// When intake accepted it. `nil` until the recorder has one of the deployment's own events.
    public var createdAt: Date?
    /// When it was to start; `nil` when it was to start at once (or it is not known yet).
    public var scheduledAt: Date?
    /// When it began running; `nil` before that.
    public var startedAt: Date?
    /// When it ended; `nil` while it has not.
    public var finishedAt: Date?
    /// Milliseconds from `startedAt` to `finishedAt`; `nil` unless both are known.
    public var durationMs: Int64?
    /// Its six steps, in pipeline order.
    public var steps: [StepSummary]
    /// A release (a new version) or a rollback (an earlier one again).
    @ReleaseByDefault public var kind: DeploymentKind
    /// A rollback: the release it returns to, and the deployment it rolled back from.
    public var rollback: RollbackOf?

    /// Creates a history row.
    public init(
        id: UUID, environmentId: UUID?, environmentName: String?, version: String?, owner: String?, status: DeploymentStatus, mode: PublishMode?,
        createdAt: Date?, scheduledAt: Date?, startedAt: Date?, finishedAt: Date?, durationMs: Int64?, steps: [StepSummary],
        rollback: RollbackOf? = nil
    ) {
        self.kind = rollback == nil ? .release : .rollback
        self.rollback = rollback
        self.id = id
        self.environmentId = environmentId
        self.environmentName = environmentName
        self.version = version
        self.owner = owner
        self.status = status
        self.mode = mode
        self.createdAt = createdAt
        self.scheduledAt = scheduledAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.steps = steps
    }
}

/// One deployment in full (`GET /v1/deployments/{id}`).
public struct DeploymentDetails: Codable, Sendable, Equatable {
    /// The deployment's id (a UUIDv7: ids sort by creation time).
    @LowercaseID public var id: UUID
    /// The environment it belongs to. `nil` until the recorder has one of the deployment's own events. A step event may
    /// arrive first.
    @LowercaseOptionalID public var environmentId: UUID?
    /// The environment's name at submission time. `nil` until the recorder has one of the deployment's own events.
    public var environmentName: String?
    /// The version label the user gave; `nil` when none was given (or it is not known yet).
    public var version: String?
    /// The name of the token that submitted it. `nil` until the recorder has one of the deployment's own events.
    public var owner: String?
    /// Where the deployment stands. A late event never moves it back.
    public var status: DeploymentStatus
    /// How it replaces the instances. `nil` until the recorder has one of the deployment's own events.
    public var mode: PublishMode?
    /// The publish options it was submitted with. `nil` until the recorder has one of the deployment's own events.
    public var options: DeploymentOptions?
    /// The email addresses that get notification emails; empty when there are none (or they are not known yet).
    public var notify: [String]
    /// When intake accepted it. `nil` until the recorder has one of the deployment's own events.
    public var createdAt: Date?
    /// When it was to start; `nil` when it was to start at once (or it is not known yet).
    public var scheduledAt: Date?
    /// When it began running; `nil` before that.
    public var startedAt: Date?
    /// When it ended; `nil` while it has not.
    public var finishedAt: Date?
    /// Milliseconds from `startedAt` to `finishedAt`; `nil` unless both are known.
    public var durationMs: Int64?
    /// Why it failed, was cancelled or rejected (a scheduled one skipped in a freeze window
    /// is rejected); or, for one the scheduler deferred past a freeze window, which window
    /// moved it and to when, kept unless it ends with a reason of its own.
    public var reason: String?
    /// The step that failed, when the deployment failed.
    public var failedStep: StepName?
    /// What it produced (the generated version, the image id…).
    public var outputs: [String: String]
    /// Its six steps, in pipeline order, with their detail lines.
    public var steps: [StepDetails]
    /// A release (a new version) or a rollback (an earlier one again).
    @ReleaseByDefault public var kind: DeploymentKind
    /// A rollback: the release it returns to, and the deployment it rolled back from.
    public var rollback: RollbackOf?
    /// Once it has waited for approval: who was asked, until when, and the decision with who
    /// made it and when; `nil` for a deployment that needed none (or has not reached the wait).
    public var approval: ApprovalState?
    /// Once a failed health gate paused its rollout: why, until when, and how it ended.
    public var pause: PauseState?

    /// Creates the full view of one deployment.
    public init(
        id: UUID, environmentId: UUID?, environmentName: String?, version: String?, owner: String?, status: DeploymentStatus, mode: PublishMode?,
        options: DeploymentOptions?, notify: [String], createdAt: Date?, scheduledAt: Date?, startedAt: Date?, finishedAt: Date?, durationMs: Int64?,
        reason: String?, failedStep: StepName?, outputs: [String: String], steps: [StepDetails], rollback: RollbackOf? = nil,
        approval: ApprovalState? = nil, pause: PauseState? = nil
    ) {
        self.kind = rollback == nil ? .release : .rollback
        self.rollback = rollback
        self.approval = approval
        self.pause = pause
        self.id = id
        self.environmentId = environmentId
        self.environmentName = environmentName
        self.version = version
        self.owner = owner
        self.status = status
        self.mode = mode
        self.options = options
        self.notify = notify
        self.createdAt = createdAt
        self.scheduledAt = scheduledAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.reason = reason
        self.failedStep = failedStep
        self.outputs = outputs
        self.steps = steps
    }
}

/// A page of history, newest first.
public struct HistoryPage: Codable, Sendable, Equatable {
    /// The deployments on this page, newest first.
    public var items: [DeploymentSummary]
    /// Pass as `cursor` for the next page; `nil` on the last page.
    public var nextCursor: String?

    /// Creates a page of history.
    public init(items: [DeploymentSummary], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
