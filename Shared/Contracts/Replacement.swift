import Foundation

/// How `replace_instances` replaces an instance group's instances: in batches, each checked
/// for health before the next, and what a failed check does. Set at an environment's top level
/// (`replacement`), overridable field by field in a deployment request; intake puts the
/// effective policy on the submission (``SubmitDeployment/replacement``) and the scheduler on
/// the `replace_instances` command (``ExecuteStep/replacement``). `nil`: the provider's usual
/// replacement, with no health gate.
public struct ReplacementPolicy: Codable, Sendable, Equatable {
    /// What a failed health gate does.
    public enum OnFailure: String, Codable, Sendable, CaseIterable {
        /// The instances already replaced go back to the backup model (the one that ran before)
        /// and the deployment ends `rolled_back`.
        case rollback
        /// The rollout stops where it is and the deployment fails; the instances already
        /// replaced keep the new model.
        case fail
        /// The rollout stops where it is and the deployment waits (`paused`) until someone
        /// resumes it (the next batch goes on) or rolls it back, or a day passes (rolled back).
        case pause
    }

    /// The share of the group replaced in each batch, in percent (1 to 100; 100: one batch).
    public var batchPercent: Int
    /// The share of the instances replaced so far that must be healthy after each batch, in
    /// percent (0 to 100).
    public var minHealthyPercent: Int
    /// How long each batch runs before its health is judged, in seconds (0 to 3600).
    public var bakeSeconds: Int
    /// What a failed gate does.
    public var onFailure: OnFailure
    /// CloudWatch alarm names whose alarm state fails the gate (`aws`; passed to an instance
    /// refresh as its `AlarmSpecification`). Empty: none.
    public var alarms: [String]

    /// Creates a policy: by default one batch, every replaced instance healthy, no bake, rollback.
    public init(batchPercent: Int = 100, minHealthyPercent: Int = 100, bakeSeconds: Int = 0, onFailure: OnFailure = .rollback, alarms: [String] = [])
    {
        self.batchPercent = batchPercent
        self.minHealthyPercent = minHealthyPercent
        self.bakeSeconds = bakeSeconds
        self.onFailure = onFailure
        self.alarms = alarms
    }

    /// The batches of a group of `count` instances, as index ranges in order.
    public func batches(of count: Int) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let size = max(1, Int((Double(count) * Double(batchPercent) / 100).rounded(.up)))
        return stride(from: 0, to: count, by: size).map { $0..<min(count, $0 + size) }
    }

    /// Whether `healthy` of `replaced` instances pass the gate.
    public func passes(healthy: Int, of replaced: Int) -> Bool {
        replaced == 0 || healthy * 100 >= minHealthyPercent * replaced
    }
}

/// What a failed health gate left, in the outputs of the failed `replace_instances` event
/// (`healthGate`): the scheduler ends a deployment whose gate rolled it back `rolled_back`.
public enum HealthGateOutcome: String, Sendable {
    /// The replaced instances went back to the backup model.
    case rolledBack
    /// The rollout stopped where it was.
    case failed
    /// The rollout stopped where it was and waits for someone to resume it or roll it back.
    case paused

    /// The outputs key.
    public static let outputKey = "healthGate"
}

/// Where a rollout paused by a failed health gate stands: why, since and until when, what the
/// provider needs to go on, and how it ended. The scheduler keeps it with the deployment and puts it on
/// every lifecycle event from the pause on; the history shows it on the deployment.
public struct PauseState: Codable, Sendable, Equatable {
    /// How the pause ended.
    public enum Decision: String, Codable, Sendable, CaseIterable {
        /// Someone resumed it: the next batch went on.
        case resumed
        /// Someone rolled it back: the replaced instances went back to the model before.
        case rolledBack = "rolled_back"
        /// Nobody decided in time: it was rolled back.
        case expired
    }

    /// The failed gate, as the provider said it.
    public var reason: String
    /// When it paused.
    public var pausedAt: Date
    /// When it is rolled back if nobody decides.
    public var expiresAt: Date
    /// The provider's state of the rollout (handed back to `replace_instances` to go on).
    public var continuation: JSONValue?
    /// The poll of `replace_instances` that paused.
    public var poll: Int
    /// The decision; `nil` while it waits.
    public var decision: Decision?
    /// The name of the token that decided (`nil` for an expiry, or while it waits).
    public var decidedBy: String?
    /// When it was decided or expired.
    public var decidedAt: Date?

    /// How long a paused rollout waits for a decision: a day.
    public static let waitSeconds: TimeInterval = 86_400

    /// Creates a pause that began at `pausedAt`.
    public init(reason: String, pausedAt: Date, continuation: JSONValue?, poll: Int) {
        self.reason = reason
        self.pausedAt = pausedAt
        // In whole milliseconds, as the time is written: a value read back equals this one.
        self.expiresAt = Date(epochMilliseconds: pausedAt.epochMilliseconds + Int64(Self.waitSeconds * 1000))
        self.continuation = continuation
        self.poll = poll
    }
}

/// `deployment.resolve` (intake → scheduler): someone resumed or rolled back a rollout paused
/// by a failed health gate. Applied only while it still waits.
public struct ResolvePause: Codable, Sendable, Equatable {
    /// The AMQP `type` and routing key.
    public static let messageType = "deployment.resolve"

    /// The paused deployment.
    @LowercaseID public var deploymentId: UUID
    /// `true` to resume the rollout, `false` to roll it back.
    public var resume: Bool
    /// The name of the token that decided.
    public var decidedBy: String
    /// When intake received it.
    public var decidedAt: Date

    /// Creates the command.
    public init(deploymentId: UUID, resume: Bool, decidedBy: String, decidedAt: Date) {
        self.deploymentId = deploymentId
        self.resume = resume
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
    }
}

/// What the scheduler hands back to a paused `replace_instances` in its continuation
/// (`gate`): go on past the failed gate, or roll the replaced instances back.
public enum PauseResolution: String, Sendable {
    /// Go on past the failed gate: the next batch is replaced.
    case accept
    /// Return the replaced instances to the model they ran before.
    case rollBack

    /// The continuation key.
    public static let continuationKey = "gate"
}
