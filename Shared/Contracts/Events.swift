import Foundation

/// What a worker reports about a step (`step.started`, `step.progress`, `step.succeeded`,
/// `step.skipped`, `step.failed`).
public struct StepEvent: Codable, Sendable, Equatable {
    /// What a step event reports. The message type is `step.` followed by the raw value.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case started, progress, succeeded, skipped, failed
    }

    /// What happened: the run began (`started`), a detail line or a wait for the cloud (`progress`), or an outcome
    /// (`succeeded`, `skipped`, `failed`).
    public var kind: Kind
    /// The deployment the step belongs to.
    @LowercaseID public var deploymentId: UUID
    /// The step it reports on.
    public var step: StepName
    /// The attempt it answers (``ExecuteStep/attempt``): 1 for the first try.
    public var attempt: Int
    /// The dispatch this answers.
    @LowercaseID public var dispatchId: UUID
    /// When it happened, by the worker's clock. Events of one run may share a millisecond: the history orders those
    /// by the detail line's index (``StepEventID/lineIndex(of:)``), the outcome after its lines.
    public var at: Date
    /// A line for the step's details ("retrieving server information").
    public var detail: String?
    /// Succeeded: what the step produced.
    public var outputs: [String: String]?
    /// Failed: what went wrong.
    public var error: String?
    /// Failed: whether trying again may succeed.
    public var transient: Bool?
    /// Progress: the provider's state to resume from, and when to check again.
    public var continuation: JSONValue?
    /// Progress, when the step waits for the cloud: when the scheduler should dispatch it again. `nil` on a plain
    /// detail line, which the scheduler only takes as a sign of life.
    public var checkAfter: Date?
    /// Which worker sent it.
    public var worker: String?
    /// Set on an outcome when the run's `started` event was not published on its own (the
    /// step finished before live reporting began): when the worker started the run.
    public var startedAt: Date?
    /// Detail lines from before this event that were not published on their own.
    public var earlierDetails: [DetailLine]?

    /// A detail line with its time.
    public struct DetailLine: Codable, Sendable, Equatable {
        /// When the worker reported the line.
        public var at: Date
        /// The line's text, as the provider reported it.
        public var message: String

        /// Creates a detail line.
        public init(at: Date, message: String) {
            self.at = at
            self.message = message
        }
    }

    /// Creates a step event. The worker builds these while it runs a dispatched step.
    public init(
        kind: Kind, deploymentId: UUID, step: StepName, attempt: Int, dispatchId: UUID, at: Date,
        detail: String? = nil, outputs: [String: String]? = nil, error: String? = nil, transient: Bool? = nil,
        continuation: JSONValue? = nil, checkAfter: Date? = nil, worker: String? = nil, startedAt: Date? = nil,
        earlierDetails: [DetailLine]? = nil
    ) {
        self.kind = kind
        self.deploymentId = deploymentId
        self.step = step
        self.attempt = attempt
        self.dispatchId = dispatchId
        self.at = at
        self.detail = detail
        self.outputs = outputs
        self.error = error
        self.transient = transient
        self.continuation = continuation
        self.checkAfter = checkAfter
        self.worker = worker
        self.startedAt = startedAt
        self.earlierDetails = earlierDetails
    }

    /// The AMQP `type` and routing key: `step.` and the kind, for example `step.succeeded`.
    public var messageType: String { "step.\(kind.rawValue)" }
}

/// A change of a deployment's status, published by the scheduler
/// (`deployment.scheduled`, `deployment.queued`, `deployment.running`, …).
/// Carries the deployment's summary so that the recorder and the notifier need nothing else.
public struct DeploymentEvent: Codable, Sendable, Equatable {
    /// The status the deployment has now. It gives the message type `deployment.<status>`.
    public var status: DeploymentStatus
    /// The deployment that changed.
    @LowercaseID public var deploymentId: UUID
    /// The environment it belongs to.
    @LowercaseID public var environmentId: UUID
    /// The environment's name at submission time.
    public var environmentName: String
    /// The version label the user gave, if any.
    public var version: String?
    /// The name of the token that submitted it.
    public var owner: String
    /// When the scheduler made the change. The recorder takes it as the start time (`running`) or the end time
    /// (succeeded, failed, cancelled, rejected).
    public var at: Date
    /// When intake accepted the deployment.
    public var createdAt: Date
    /// When it is to start, as intake accepted it (intake may have moved it past a freeze window); `nil` means now.
    public var scheduledAt: Date?
    /// How it replaces the instances.
    public var mode: PublishMode
    /// The publish options it was submitted with.
    public var options: DeploymentOptions
    /// The email addresses that get notification emails, as submitted.
    public var notify: [String]
    /// Failed, rejected or cancelled: why.
    public var reason: String?
    /// Failed: the step that failed.
    public var failedStep: StepName?
    /// Succeeded: what the deployment produced (the generated version, image id…).
    public var outputs: [String: String]?
    /// Which lifecycle events notify, as submitted; `nil`: the notifier's default.
    public var notifyEvents: [DeploymentStatus]?
    /// Webhook URLs that receive the notifying events.
    public var webhooks: [String]?
    /// A finished deployment (succeeded, failed, cancelled): its steps as the scheduler saw
    /// them, in pipeline order (steps that never ran are absent), for the notifier's summary.
    public var steps: [DeploymentStepSummary]?
    /// Set when the deployment is a rollback: the release it returns to.
    public var rollback: RollbackOf?
    /// From the moment it waits for approval: where the approval stands (``ApprovalState``).
    public var approval: ApprovalState?
    /// From the moment a failed health gate paused its rollout: where the pause stands (``PauseState``).
    public var pause: PauseState?

    /// Creates a status event. The scheduler builds one each time a deployment's status changes.
    public init(
        status: DeploymentStatus, deploymentId: UUID, environmentId: UUID, environmentName: String, version: String?,
        owner: String, at: Date, createdAt: Date, scheduledAt: Date?, mode: PublishMode, options: DeploymentOptions,
        notify: [String], reason: String? = nil, failedStep: StepName? = nil, outputs: [String: String]? = nil,
        notifyEvents: [DeploymentStatus]? = nil, webhooks: [String]? = nil, steps: [DeploymentStepSummary]? = nil,
        rollback: RollbackOf? = nil, approval: ApprovalState? = nil, pause: PauseState? = nil
    ) {
        self.rollback = rollback
        self.approval = approval
        self.pause = pause
        self.status = status
        self.deploymentId = deploymentId
        self.environmentId = environmentId
        self.environmentName = environmentName
        self.version = version
        self.owner = owner
        self.at = at
        self.createdAt = createdAt
        self.scheduledAt = scheduledAt
        self.mode = mode
        self.options = options
        self.notify = notify
        self.reason = reason
        self.failedStep = failedStep
        self.outputs = outputs
        self.notifyEvents = notifyEvents
        self.webhooks = webhooks
        self.steps = steps
    }

    /// The AMQP `type` and routing key: `deployment.` and the status, for example `deployment.running`.
    public var messageType: String { "deployment.\(status.rawValue)" }
}

/// A worker's sign of life while it runs a step (`step.heartbeat`, a command to the
/// scheduler only): it renews the run's lease. When no heartbeat nor outcome comes for the
/// lease's length, the scheduler dispatches the step again as a new attempt, so an outcome
/// that went missing stalls a deployment for seconds, not for the whole step timeout.
/// Heartbeats are idempotent (each only moves the lease forward) and are not deduplicated.
public struct StepHeartbeat: Codable, Sendable, Equatable {
    /// The deployment whose step is running.
    @LowercaseID public var deploymentId: UUID
    /// The step being run.
    public var step: StepName
    /// The attempt being run. The scheduler only logs it; the dispatch id decides.
    public var attempt: Int
    /// The dispatch being run: a heartbeat of an older dispatch renews nothing.
    @LowercaseID public var dispatchId: UUID
    /// When the worker sent it. The scheduler renews the lease from its own clock, not from this time.
    public var at: Date
    /// The name of the worker that sent it.
    public var worker: String?

    /// Creates a heartbeat. A worker sends one at each heartbeat interval while it runs a step.
    public init(deploymentId: UUID, step: StepName, attempt: Int, dispatchId: UUID, at: Date, worker: String? = nil) {
        self.deploymentId = deploymentId
        self.step = step
        self.attempt = attempt
        self.dispatchId = dispatchId
        self.at = at
        self.worker = worker
    }
}
