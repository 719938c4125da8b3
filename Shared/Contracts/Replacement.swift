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

    /// The outputs key.
    public static let outputKey = "healthGate"
}
