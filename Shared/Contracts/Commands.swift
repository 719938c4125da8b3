import Foundation

/// `deployment.submit` (intake → scheduler): a deployment accepted by the API.
public struct SubmitDeployment: Codable, Sendable, Equatable {
    public var deploymentId: UUID
    public var environmentId: UUID
    public var environmentName: String
    /// The version label the user gave, if any.
    public var version: String?
    /// The name of the token that submitted it.
    public var owner: String
    public var createdAt: Date
    /// When to start; `nil` means now.
    public var scheduledAt: Date?
    public var options: DeploymentOptions
    public var mode: PublishMode
    public var reconnection: Reconnection?
    /// Who gets notification emails.
    public var notify: [String]
    /// The environment's provider and target at submission time.
    public var target: ProviderTarget
    /// The environment's monthly limit of `requestReconnection` publishes.
    public var reconnectionMonthlyLimit: Int?
    /// Which lifecycle events notify (`running` is "started"), chosen on the deployment or
    /// its environment; `nil`: the notifier's default.
    public var notifyEvents: [DeploymentStatus]?
    /// The environment's webhook URLs at submission time (signed JSON POSTs).
    public var webhooks: [String]?

    public init(
        deploymentId: UUID, environmentId: UUID, environmentName: String, version: String?, owner: String,
        createdAt: Date, scheduledAt: Date?, options: DeploymentOptions, mode: PublishMode,
        reconnection: Reconnection? = nil, notify: [String] = [], target: ProviderTarget,
        reconnectionMonthlyLimit: Int? = nil, notifyEvents: [DeploymentStatus]? = nil, webhooks: [String]? = nil
    ) {
        self.deploymentId = deploymentId
        self.environmentId = environmentId
        self.environmentName = environmentName
        self.version = version
        self.owner = owner
        self.createdAt = createdAt
        self.scheduledAt = scheduledAt
        self.options = options
        self.mode = mode
        self.reconnection = reconnection
        self.notify = notify
        self.target = target
        self.reconnectionMonthlyLimit = reconnectionMonthlyLimit
        self.notifyEvents = notifyEvents
        self.webhooks = webhooks
    }
}

/// `deployment.cancel` (intake → scheduler).
public struct CancelDeployment: Codable, Sendable, Equatable {
    public var deploymentId: UUID
    public var requestedBy: String
    public var requestedAt: Date

    public init(deploymentId: UUID, requestedBy: String, requestedAt: Date) {
        self.deploymentId = deploymentId
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
    }
}

/// `step.execute` (scheduler → workers): run one step, or check on it again.
public struct ExecuteStep: Codable, Sendable, Equatable {
    public var deploymentId: UUID
    public var environmentId: UUID
    public var environmentName: String
    public var version: String?
    public var step: StepName
    /// 1 for the first try; retries count up.
    public var attempt: Int
    /// Unique per dispatch: events answer it, and the scheduler ignores answers to old ones.
    public var dispatchId: UUID
    public var target: ProviderTarget
    public var options: DeploymentOptions
    public var mode: PublishMode
    public var reconnection: Reconnection?
    /// What earlier steps produced (image id, model versions…).
    public var outputs: [String: String]
    /// The provider's state from its last progress report, when checking on a waiting step.
    public var continuation: JSONValue?
    /// How many times this attempt was checked on before.
    public var poll: Int
    /// Set on a `finalize` dispatched because the deployment is ending early (failed,
    /// cancelled): why. The provider then undoes what the deployment left behind (locks, a
    /// stopped preparation server, a new default model not yet on the instances) and publishes
    /// nothing.
    public var cleanup: String?

    public init(
        deploymentId: UUID, environmentId: UUID, environmentName: String, version: String?, step: StepName,
        attempt: Int, dispatchId: UUID, target: ProviderTarget, options: DeploymentOptions, mode: PublishMode,
        reconnection: Reconnection? = nil, outputs: [String: String] = [:], continuation: JSONValue? = nil, poll: Int = 0,
        cleanup: String? = nil
    ) {
        self.deploymentId = deploymentId
        self.environmentId = environmentId
        self.environmentName = environmentName
        self.version = version
        self.step = step
        self.attempt = attempt
        self.dispatchId = dispatchId
        self.target = target
        self.options = options
        self.mode = mode
        self.reconnection = reconnection
        self.outputs = outputs
        self.continuation = continuation
        self.poll = poll
        self.cleanup = cleanup
    }
}
