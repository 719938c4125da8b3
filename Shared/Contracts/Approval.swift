import Foundation

/// Who must approve a deployment before it replaces the instances, and for how long they may
/// take. Intake puts it on the submission (``SubmitDeployment/approval``) from the
/// environment's `approval` settings and the deployment's own request; `nil`: no approval.
///
/// The scheduler pauses such a deployment once its models are made, before
/// `replace_instances` (status ``DeploymentStatus/awaitingApproval``), until someone approves
/// or rejects it (``DecideApproval``) or ``expiresAfterMinutes`` pass, which rejects it.
public struct ApprovalPolicy: Codable, Sendable, Equatable {
    /// Who is emailed when the deployment waits for them. Any deployer may decide.
    public var approvers: [String]
    /// Whether the deployment's owner is refused as its approver (they may still reject it).
    public var requireDifferentApprover: Bool
    /// How long the deployment waits for a decision before it is rejected (1 to 10080).
    public var expiresAfterMinutes: Int

    /// The wait when neither the environment nor the deployment names one: a day.
    public static let defaultExpiresAfterMinutes = 1440
    /// The longest wait: a week.
    public static let maxExpiresAfterMinutes = 10080

    /// Creates a policy.
    public init(approvers: [String], requireDifferentApprover: Bool = false, expiresAfterMinutes: Int = Self.defaultExpiresAfterMinutes) {
        self.approvers = approvers
        self.requireDifferentApprover = requireDifferentApprover
        self.expiresAfterMinutes = expiresAfterMinutes
    }
}

/// Where a deployment's approval stands: when it started waiting, until when, and the
/// decision with who made it and when. The scheduler keeps it with the deployment and puts it
/// on every lifecycle event from the pause on; the history shows it on the deployment.
public struct ApprovalState: Codable, Sendable, Equatable {
    /// How the wait ended.
    public enum Decision: String, Codable, Sendable, CaseIterable {
        /// Someone approved it: it went on to `replace_instances`.
        case approved
        /// Someone rejected it: it ended `rejected`, its new models undone.
        case rejected
        /// Nobody decided in time: it ended `rejected`, its new models undone.
        case expired
    }

    /// Who was emailed.
    public var approvers: [String]
    /// Whether the owner is refused as approver.
    public var requireDifferentApprover: Bool
    /// When the deployment started waiting.
    public var requestedAt: Date
    /// When it is rejected if nobody decides.
    public var expiresAt: Date
    /// The decision; `nil` while it waits.
    public var decision: Decision?
    /// The name of the token that decided (`nil` for an expiry, or while it waits).
    public var decidedBy: String?
    /// When it was decided or expired.
    public var decidedAt: Date?
    /// What the person who decided wrote.
    public var comment: String?

    /// Why `decidedBy` may not make this decision on a deployment `owner` submitted, or `nil`
    /// when they may. The one place the rule lives: intake answers 403 with it, and the
    /// scheduler ignores a decision it refuses.
    public func refusal(approving: Bool, decidedBy: String, owner: String) -> String? {
        guard approving, requireDifferentApprover, decidedBy == owner else { return nil }
        return "\(decidedBy) submitted this deployment, and its approval must come from someone else"
    }

    /// Creates an approval that waits from `requestedAt` as `policy` says.
    public init(policy: ApprovalPolicy, requestedAt: Date) {
        self.approvers = policy.approvers
        self.requireDifferentApprover = policy.requireDifferentApprover
        self.requestedAt = requestedAt
        // In whole milliseconds, as the time is written: a value read back equals this one.
        self.expiresAt = Date(epochMilliseconds: requestedAt.epochMilliseconds + Int64(policy.expiresAfterMinutes) * 60_000)
    }
}

/// `deployment.decide` (intake → scheduler): someone approved or rejected a deployment that
/// waits for approval. The scheduler applies it only while the deployment still waits, and
/// refuses an approval the policy forbids (``ApprovalState/refusal(approving:decidedBy:owner:)``).
public struct DecideApproval: Codable, Sendable, Equatable {
    /// The AMQP `type` and routing key.
    public static let messageType = "deployment.decide"

    /// The deployment decided on.
    @LowercaseID public var deploymentId: UUID
    /// `true` to approve, `false` to reject.
    public var approve: Bool
    /// The name of the token that decided.
    public var decidedBy: String
    /// When intake received the decision.
    public var decidedAt: Date
    /// What they wrote (at most 1000 characters).
    public var comment: String?

    /// Creates a decision.
    public init(deploymentId: UUID, approve: Bool, decidedBy: String, decidedAt: Date, comment: String?) {
        self.deploymentId = deploymentId
        self.approve = approve
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.comment = comment
    }
}
