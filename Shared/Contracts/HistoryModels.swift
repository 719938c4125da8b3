import Foundation

/// A step as the history shows it.
public struct StepSummary: Codable, Sendable, Equatable {
    public var name: StepName
    public var status: StepStatus
    public var startedAt: Date?
    public var finishedAt: Date?
    public var durationMs: Int64?

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
    public var at: Date
    public var message: String

    public init(at: Date, message: String) {
        self.at = at
        self.message = message
    }
}

/// A step with everything recorded about it.
public struct StepDetails: Codable, Sendable, Equatable {
    public var name: StepName
    public var status: StepStatus
    public var startedAt: Date?
    public var finishedAt: Date?
    public var durationMs: Int64?
    public var attempts: Int
    public var detail: [StepDetailLine]
    public var error: String?
    /// The worker that last ran it.
    public var worker: String?

    public init(name: StepName, status: StepStatus, startedAt: Date?, finishedAt: Date?, durationMs: Int64?, attempts: Int, detail: [StepDetailLine], error: String?, worker: String? = nil) {
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
    public var id: UUID
    public var environmentId: UUID?
    public var environmentName: String?
    public var version: String?
    public var owner: String?
    public var status: DeploymentStatus
    public var mode: PublishMode?
    public var createdAt: Date?
    public var scheduledAt: Date?
    public var startedAt: Date?
    public var finishedAt: Date?
    public var durationMs: Int64?
    public var steps: [StepSummary]

    public init(id: UUID, environmentId: UUID?, environmentName: String?, version: String?, owner: String?, status: DeploymentStatus, mode: PublishMode?, createdAt: Date?, scheduledAt: Date?, startedAt: Date?, finishedAt: Date?, durationMs: Int64?, steps: [StepSummary]) {
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
    public var id: UUID
    public var environmentId: UUID?
    public var environmentName: String?
    public var version: String?
    public var owner: String?
    public var status: DeploymentStatus
    public var mode: PublishMode?
    public var options: DeploymentOptions?
    public var notify: [String]
    public var createdAt: Date?
    public var scheduledAt: Date?
    public var startedAt: Date?
    public var finishedAt: Date?
    public var durationMs: Int64?
    /// Why it failed, was cancelled or rejected.
    public var reason: String?
    public var failedStep: StepName?
    /// What it produced (the generated version, the image id…).
    public var outputs: [String: String]
    public var steps: [StepDetails]

    public init(id: UUID, environmentId: UUID?, environmentName: String?, version: String?, owner: String?, status: DeploymentStatus, mode: PublishMode?, options: DeploymentOptions?, notify: [String], createdAt: Date?, scheduledAt: Date?, startedAt: Date?, finishedAt: Date?, durationMs: Int64?, reason: String?, failedStep: StepName?, outputs: [String: String], steps: [StepDetails]) {
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
    public var items: [DeploymentSummary]
    /// Pass as `cursor` for the next page; `nil` on the last page.
    public var nextCursor: String?

    public init(items: [DeploymentSummary], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}
