import Foundation

/// The steps of a deployment, in the order they run.
public enum StepName: String, Codable, Sendable, CaseIterable, Hashable {
    /// Checks that the target is ready (on `aws`: the preparation server, the launch template and the instance group).
    case validate
    /// Stops the preparation server before it is imaged. Skipped unless ``DeploymentOptions/stopPreparationServer``
    /// is set.
    case stopPreparationServer = "stop_preparation_server"
    /// Creates an image of the preparation server (an AMI on `aws`).
    case createImage = "create_image"
    /// Makes a new default launch model from the image and keeps the previous one as backup (launch template
    /// versions on `aws`).
    case createModels = "create_models"
    /// Replaces the instance group's instances with ones of the new model, as the ``PublishMode`` says.
    case replaceInstances = "replace_instances"
    /// Ends the deployment (on `aws`: starts the preparation server again if the deployment stopped it, and
    /// publishes the version). When the deployment ends early it runs instead as a cleanup (``ExecuteStep/cleanup``).
    case finalize

    /// The step after this one, or `nil` after `finalize`.
    public var next: StepName? {
        let all = StepName.allCases
        let index = all.firstIndex(of: self)!
        return index + 1 < all.count ? all[index + 1] : nil
    }

    /// Position in the pipeline, from 0.
    public var position: Int { StepName.allCases.firstIndex(of: self)! }
}

/// Where a step stands.
public enum StepStatus: String, Codable, Sendable, CaseIterable {
    case pending, running, succeeded, failed, skipped, cancelled

    /// Whether the step has ended: succeeded, failed, skipped or cancelled.
    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .skipped || self == .cancelled }
}

/// Where a deployment stands.
public enum DeploymentStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting for its `scheduledAt`.
    case scheduled
    /// Due, waiting for its environment to be free.
    case queued
    /// Its steps are being run. An environment runs one deployment at a time.
    case running
    /// Its models are made and it waits for someone to approve it (``ApprovalPolicy``) before
    /// `replace_instances`; it holds its environment meanwhile. Approved, it is `running` again.
    case awaitingApproval = "awaiting_approval"
    /// A health gate failed with ``ReplacementPolicy/OnFailure/pause``: the rollout stopped
    /// where it was and waits for someone to resume it or roll it back (``PauseState``); it
    /// holds its environment meanwhile. Resumed, it is `running` again.
    case paused
    /// Every step succeeded or was skipped.
    case succeeded
    /// A step failed for good (a permanent error, or no attempts left); `failedStep` and `reason` say which and why.
    case failed
    /// A user cancelled it (``CancelDeployment``) before it ended.
    case cancelled
    /// Refused by the scheduler (for example over the reconnection quota), or by its approvers.
    case rejected
    /// A health gate of `replace_instances` failed and the instances it had replaced went back
    /// to the model that ran before (``ReplacementPolicy/OnFailure/rollback``).
    case rolledBack = "rolled_back"

    /// Whether the deployment has ended: succeeded, failed, cancelled, rejected or rolled back. Its status then changes no more.
    public var isTerminal: Bool { [.succeeded, .failed, .cancelled, .rejected, .rolledBack].contains(self) }
}

/// How instances are replaced.
public enum PublishMode: String, Codable, Sendable, CaseIterable {
    /// The default when a deployment names no mode. The current providers replace instances as for `standard`;
    /// only the history line differs.
    case optimized
    /// Replaces the instances without waiting for their users.
    case standard
    /// Gives each batch of instances time for its users to leave before it is replaced (on `aws`: rolling batches,
    /// each drained for up to the target's `drainSeconds`).
    case keepUsersConnected
    /// Sends users a notice (``Reconnection``) first, then replaces the instances (on `aws`, once the notice's
    /// minutes have passed). Counted against the environment's monthly quota of reconnection requests.
    case requestReconnection
}

/// Options chosen when publishing.
public struct DeploymentOptions: Codable, Sendable, Equatable {
    /// Protect the instance group from scale-in and suspend scaling while deploying.
    public var lockInstances: Bool
    /// Stop the preparation server while its image is created (and start it again after).
    public var stopPreparationServer: Bool
    /// End the users' sessions on replaced instances.
    public var terminateSessions: Bool

    /// Creates options; each one is off unless set.
    public init(lockInstances: Bool = false, stopPreparationServer: Bool = false, terminateSessions: Bool = false) {
        self.lockInstances = lockInstances
        self.stopPreparationServer = stopPreparationServer
        self.terminateSessions = terminateSessions
    }
}

/// The notice users get before a `requestReconnection` publish replaces their instance.
public struct Reconnection: Codable, Sendable, Equatable {
    /// How many minutes users have to reconnect before their instance is replaced (1 to 1440). The `aws` provider
    /// waits that long after sending the notice.
    public var minutes: Int
    /// The text the users are shown (1 to 500 characters).
    public var message: String

    /// Creates a notice.
    public init(minutes: Int, message: String) {
        self.minutes = minutes
        self.message = message
    }
}

/// A snapshot of what a deployment acts on: the provider and its target settings
/// (for `simulated`: step durations and failures; for `aws`: instance, template, group).
public struct ProviderTarget: Codable, Sendable, Equatable {
    /// The provider's name (`simulated`, `aws`). Workers pick the provider by it.
    public var provider: String
    /// The environment's `target` settings, which the provider reads.
    public var settings: [String: JSONValue]
    /// The environment the target belongs to, when the sender knows it (server requests
    /// carry it, so a provider can tell environments with equal settings apart).
    @LowercaseOptionalID public var environmentId: UUID?

    /// Creates a target.
    public init(provider: String, settings: [String: JSONValue] = [:], environmentId: UUID? = nil) {
        self.provider = provider
        self.settings = settings
        self.environmentId = environmentId
    }
}
