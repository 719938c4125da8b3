import AWSClient
import Foundation
import HangarContracts

/// "Lock instances": scale-in protection on the group's instances and its scaling processes
/// suspended, for as long as the instances are being replaced.
///
/// The lock is taken and released inside `replace_instances` (released when it succeeds, fails
/// or gives up), and `finalize` releases one an interrupted run left. The group carries the tag
/// `hangar:lock` = `<deployment id> <processes Hangar suspended>` while locked, so a run that lost
/// its continuation still knows what to undo, and the next deployment takes over and releases a
/// lock that a cancelled deployment left (the scheduler does not run a cleanup step on cancel).
struct InstanceLock {
    let step: AWSStep

    /// The processes that make the group scale on its own (launch, terminate and health checks
    /// stay on: replacing needs them).
    static let processes = ["AZRebalance", "AlarmNotification", "ScheduledActions"]

    /// What was locked, kept in the continuation.
    struct State {
        var protected: [String]
        var suspended: [String]

        var json: JSONValue { .object(["protected": .array(protected.map(JSONValue.string)), "suspended": .array(suspended.map(JSONValue.string))]) }

        init(protected: [String], suspended: [String]) {
            self.protected = protected
            self.suspended = suspended
        }

        init?(_ value: JSONValue?) {
            guard let object = value?.objectValue else { return nil }
            protected = object["protected"]?.arrayValue?.compactMap(\.stringValue) ?? []
            suspended = object["suspended"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
    }

    /// Protects the group's unprotected instances and suspends its running scaling processes.
    func lock(_ group: AutoScalingGroup) async throws(AWSError) -> State {
        let name = group.name
        var inherited: [String] = []
        var protectedByHangar: [String] = []
        if let tag = group.tags[AWSTags.lock] {
            // Left by an earlier run of this step that lost its continuation, or by a deployment
            // of this environment that was cancelled or gave up while replacing (deployments of
            // one environment never overlap): take it over, so that it is released at the end.
            inherited = Self.processes(inTag: tag)
            protectedByHangar = group.instances.filter(\.protectedFromScaleIn).map(\.id)
        }
        let suspend = Self.processes.filter { !group.suspendedProcesses.contains($0) }
        let protect = group.instances.filter { !$0.protectedFromScaleIn }.map(\.id)
        let suspended = inherited + suspend.filter { !inherited.contains($0) }
        try await step.autoScaling.setTag(group: name, key: AWSTags.lock, value: "\(step.deploymentId) \(suspended.joined(separator: ","))")
        try await step.autoScaling.suspendProcesses(group: name, suspend)
        try await step.autoScaling.setInstanceProtection(group: name, instances: protect, protected: true)
        return State(protected: protectedByHangar + protect, suspended: suspended)
    }

    /// Undoes `state`: protection off for the instances it protected that are still in the group,
    /// the processes it suspended resumed, the tag removed.
    func unlock(_ state: State) async throws(AWSError) {
        let name = step.settings.autoScalingGroupName
        let group = try await step.autoScaling.describeGroup(name)
        let ids = Set(group.instances.map(\.id))
        try await step.autoScaling.setInstanceProtection(group: name, instances: state.protected.filter(ids.contains), protected: false)
        try await step.autoScaling.resumeProcesses(group: name, state.suspended.filter(group.suspendedProcesses.contains))
        if group.tags[AWSTags.lock] != nil { try await step.autoScaling.deleteTag(group: name, key: AWSTags.lock) }
    }

    /// Releases a lock of this deployment that is still on the group; answers whether there was one.
    /// Without the continuation it cannot tell which instances it protected: it lifts protection
    /// from all of them.
    func releaseLeftover() async throws(AWSError) -> Bool {
        let group = try await step.autoScaling.describeGroup(step.settings.autoScalingGroupName)
        guard let tag = group.tags[AWSTags.lock], tag.hasPrefix(step.deploymentId) else { return false }
        try await unlock(State(protected: group.instances.filter(\.protectedFromScaleIn).map(\.id), suspended: Self.processes(inTag: tag)))
        return true
    }

    static func processes(inTag tag: String) -> [String] {
        let parts = tag.split(separator: " ", maxSplits: 1)
        guard parts.count > 1 else { return [] }
        return parts[1].split(separator: ",").map(String.init)
    }
}
