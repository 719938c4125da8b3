import Foundation

/// `deployment.submit` (intake → scheduler): a deployment accepted by the API.
public struct SubmitDeployment: Codable, Sendable, Equatable {
    /// The new deployment's id: a UUIDv7 that intake mints on submission, so ids sort by creation time.
    @LowercaseID public var deploymentId: UUID
    /// The environment to deploy to. The scheduler runs one deployment of an environment at a time.
    @LowercaseID public var environmentId: UUID
    /// The environment's name at submission time, carried for logs, history and notifications.
    public var environmentName: String
    /// The version label the user gave, if any.
    public var version: String?
    /// The name of the token that submitted it.
    public var owner: String
    /// When intake accepted the submission.
    public var createdAt: Date
    /// When to start; `nil` means now.
    public var scheduledAt: Date?
    /// The publish options chosen for this deployment.
    public var options: DeploymentOptions
    /// How the deployment replaces the instances.
    public var mode: PublishMode
    /// The notice sent to users before their instance is replaced. Intake requires it with mode `requestReconnection`
    /// and refuses it with any other mode.
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
    /// An admin's reason for overriding freeze windows (`overrideFreeze.reason`): the
    /// scheduler then starts it when due even inside a window. `nil`: windows apply.
    public var freezeOverride: String?
    /// Set on a rollback: the release it returns to (``RollbackOf``); `nil` on a release.
    public var rollback: RollbackOf?
    /// Who must approve it before `replace_instances` (``ApprovalPolicy``); `nil`: nobody.
    public var approval: ApprovalPolicy?
    /// How `replace_instances` replaces the instances, health-gated batch by batch
    /// (``ReplacementPolicy``); `nil`: the provider's usual replacement.
    public var replacement: ReplacementPolicy?

    /// Creates a submission. Intake builds one for each deployment it accepts.
    public init(
        deploymentId: UUID, environmentId: UUID, environmentName: String, version: String?, owner: String,
        createdAt: Date, scheduledAt: Date?, options: DeploymentOptions, mode: PublishMode,
        reconnection: Reconnection? = nil, notify: [String] = [], target: ProviderTarget,
        reconnectionMonthlyLimit: Int? = nil, notifyEvents: [DeploymentStatus]? = nil, webhooks: [String]? = nil,
        freezeOverride: String? = nil, rollback: RollbackOf? = nil, approval: ApprovalPolicy? = nil, replacement: ReplacementPolicy? = nil
    ) {
        self.rollback = rollback
        self.approval = approval
        self.replacement = replacement
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
        self.freezeOverride = freezeOverride
    }
}

/// `deployment.cancel` (intake → scheduler).
public struct CancelDeployment: Codable, Sendable, Equatable {
    /// The deployment to cancel.
    @LowercaseID public var deploymentId: UUID
    /// The name of the token that asked to cancel. The deployment's reason then reads "cancelled by" this name.
    public var requestedBy: String
    /// When intake received the cancel request. The scheduler does not use it.
    public var requestedAt: Date

    /// Creates a cancel command.
    public init(deploymentId: UUID, requestedBy: String, requestedAt: Date) {
        self.deploymentId = deploymentId
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
    }
}

/// `deployment.due` (scheduler → scheduler): a scheduled deployment fell due while no
/// replica was firing timers (the scheduler was down, or its lease was changing hands). The
/// replica that takes the timers over sends it through the scheduler's own queue instead of
/// starting the deployment at once, so that what waited in the queue before it (a freeze
/// window's snapshot above all) is applied first.
public struct DeploymentDue: Codable, Sendable, Equatable {
    /// The deployment that fell due.
    @LowercaseID public var deploymentId: UUID
    /// The start it fell due for; a deployment moved since (deferred past a freeze) ignores it.
    public var dueAt: Date

    /// Creates the command.
    public init(deploymentId: UUID, dueAt: Date) {
        self.deploymentId = deploymentId
        self.dueAt = dueAt
    }
}

/// `step.execute` (scheduler → workers): run one step, or check on it again.
public struct ExecuteStep: Codable, Sendable, Equatable {
    /// The deployment the step belongs to.
    @LowercaseID public var deploymentId: UUID
    /// The environment the deployment belongs to.
    @LowercaseID public var environmentId: UUID
    /// The environment's name, for logs, history lines and names made in the cloud (the image name on `aws`).
    public var environmentName: String
    /// The version label the user gave, if any. On `aws` the image is tagged with it and `finalize` publishes it
    /// (or a generated label when there is none).
    public var version: String?
    /// The step to run.
    public var step: StepName
    /// 1 for the first try; retries count up.
    public var attempt: Int
    /// Unique per dispatch: events answer it, and the scheduler ignores answers to old ones.
    @LowercaseID public var dispatchId: UUID
    /// The provider and its settings, as the deployment was submitted.
    public var target: ProviderTarget
    /// The publish options the deployment was submitted with.
    public var options: DeploymentOptions
    /// How the deployment replaces the instances (read by `replace_instances`).
    public var mode: PublishMode
    /// The notice for users with mode `requestReconnection`; `nil` with any other mode.
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
    /// Set when the deployment is a rollback: the release it returns to.
    public var rollback: RollbackOf?
    /// How `replace_instances` replaces the instances, health-gated batch by batch; `nil`: the
    /// provider's usual replacement.
    public var replacement: ReplacementPolicy?

    /// Creates a step command. The scheduler builds one for each dispatch.
    public init(
        deploymentId: UUID, environmentId: UUID, environmentName: String, version: String?, step: StepName,
        attempt: Int, dispatchId: UUID, target: ProviderTarget, options: DeploymentOptions, mode: PublishMode,
        reconnection: Reconnection? = nil, outputs: [String: String] = [:], continuation: JSONValue? = nil, poll: Int = 0,
        cleanup: String? = nil, rollback: RollbackOf? = nil, replacement: ReplacementPolicy? = nil
    ) {
        self.rollback = rollback
        self.replacement = replacement
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
