import Foundation

/// What a worker reports about a step (`step.started`, `step.progress`, `step.succeeded`,
/// `step.skipped`, `step.failed`).
public struct StepEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case started, progress, succeeded, skipped, failed
    }

    public var kind: Kind
    public var deploymentId: UUID
    public var step: StepName
    public var attempt: Int
    /// The dispatch this answers.
    public var dispatchId: UUID
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
        public var at: Date
        public var message: String

        public init(at: Date, message: String) {
            self.at = at
            self.message = message
        }
    }

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

    public var messageType: String { "step.\(kind.rawValue)" }
}

/// A change of a deployment's status, published by the scheduler
/// (`deployment.scheduled`, `deployment.queued`, `deployment.started`, …).
/// Carries the deployment's summary so that the recorder and the notifier need nothing else.
public struct DeploymentEvent: Codable, Sendable, Equatable {
    public var status: DeploymentStatus
    public var deploymentId: UUID
    public var environmentId: UUID
    public var environmentName: String
    public var version: String?
    public var owner: String
    public var at: Date
    public var createdAt: Date
    public var scheduledAt: Date?
    public var mode: PublishMode
    public var options: DeploymentOptions
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

    public init(
        status: DeploymentStatus, deploymentId: UUID, environmentId: UUID, environmentName: String, version: String?,
        owner: String, at: Date, createdAt: Date, scheduledAt: Date?, mode: PublishMode, options: DeploymentOptions,
        notify: [String], reason: String? = nil, failedStep: StepName? = nil, outputs: [String: String]? = nil,
        notifyEvents: [DeploymentStatus]? = nil, webhooks: [String]? = nil, steps: [DeploymentStepSummary]? = nil
    ) {
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

    public var messageType: String { "deployment.\(status.rawValue)" }
}

/// A worker's sign of life while it runs a step (`step.heartbeat`, a command to the
/// scheduler only): it renews the run's lease. When no heartbeat nor outcome comes for the
/// lease's length, the scheduler dispatches the step again as a new attempt, so an outcome
/// that went missing stalls a deployment for seconds, not for the whole step timeout.
/// Heartbeats are idempotent (each only moves the lease forward) and are not deduplicated.
public struct StepHeartbeat: Codable, Sendable, Equatable {
    public var deploymentId: UUID
    public var step: StepName
    public var attempt: Int
    /// The dispatch being run: a heartbeat of an older dispatch renews nothing.
    public var dispatchId: UUID
    public var at: Date
    public var worker: String?

    public init(deploymentId: UUID, step: StepName, attempt: Int, dispatchId: UUID, at: Date, worker: String? = nil) {
        self.deploymentId = deploymentId
        self.step = step
        self.attempt = attempt
        self.dispatchId = dispatchId
        self.at = at
        self.worker = worker
    }
}
