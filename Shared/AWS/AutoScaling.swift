import Foundation

/// An Auto Scaling group as `DescribeAutoScalingGroups` reports it.
public struct AutoScalingGroup: Sendable, Equatable {
    /// One instance of the group, from the group's `Instances` list.
    public struct Instance: Sendable, Equatable {
        /// The EC2 instance id (`InstanceId`).
        public var id: String
        /// `Pending`, `InService`, `Terminating`, `Standby`…
        public var lifecycleState: String
        /// `Healthy` or `Unhealthy`.
        public var healthStatus: String
        /// Whether scale-in protection is on (`ProtectedFromScaleIn`); Hangar turns it on while it locks instances to replace them.
        public var protectedFromScaleIn: Bool
        /// The launch template version the group reports (emulators may report the current default).
        public var launchTemplateVersion: String?

        /// Whether the instance is `InService` and `Healthy`; a rolling replacement counts these against the desired capacity.
        public var isHealthyInService: Bool { lifecycleState == "InService" && healthStatus == "Healthy" }
    }

    /// The group's name (`AutoScalingGroupName`).
    public var name: String
    /// The group's minimum size (`MinSize`); releasing an environment sets it to 0 and resuming restores it.
    public var minSize: Int
    /// The group's maximum size (`MaxSize`).
    public var maxSize: Int
    /// How many instances the group keeps (`DesiredCapacity`); a rolling replacement waits until that many are healthy.
    public var desiredCapacity: Int
    /// The id of the launch template the group launches from (`LaunchTemplate`, or that of its mixed instances policy);
    /// `nil` when the answer names none.
    public var launchTemplateId: String?
    /// The name of that launch template (`LaunchTemplateName`), when the answer gives it.
    public var launchTemplateName: String?
    /// `$Default`, `$Latest` or a number.
    public var launchTemplateVersion: String?
    /// The group's instances (`Instances`), whatever their lifecycle state.
    public var instances: [Instance]
    /// The names of the group's suspended scaling processes (`SuspendedProcesses`), e.g. `AZRebalance`.
    public var suspendedProcesses: [String]
    /// The group's tags (`Tags`), key to value; Hangar keeps its `hangar:lock` and `hangar:released` records there.
    public var tags: [String: String]
    /// The Elastic Load Balancing target groups the group registers its instances with.
    public var targetGroupARNs: [String]

    init(_ node: AWSXML) {
        name = node.string("AutoScalingGroupName") ?? ""
        minSize = Int(node.string("MinSize") ?? "") ?? 0
        maxSize = Int(node.string("MaxSize") ?? "") ?? 0
        desiredCapacity = Int(node.string("DesiredCapacity") ?? "") ?? 0
        let template = node.child("LaunchTemplate") ?? node.node("MixedInstancesPolicy", "LaunchTemplate", "LaunchTemplateSpecification")
        launchTemplateId = template?.string("LaunchTemplateId")
        launchTemplateName = template?.string("LaunchTemplateName")
        launchTemplateVersion = template?.string("Version")
        instances = node.items("Instances").map {
            Instance(
                id: $0.string("InstanceId") ?? "", lifecycleState: $0.string("LifecycleState") ?? "",
                healthStatus: $0.string("HealthStatus") ?? "", protectedFromScaleIn: $0.string("ProtectedFromScaleIn") == "true",
                launchTemplateVersion: $0.string("LaunchTemplate", "Version"))
        }
        suspendedProcesses = node.items("SuspendedProcesses").compactMap { $0.string("ProcessName") }
        targetGroupARNs = node.items("TargetGroupARNs").map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        var tags: [String: String] = [:]
        for item in node.items("Tags") { if let key = item.string("Key") { tags[key] = item.string("Value") ?? "" } }
        self.tags = tags
    }
}

/// An instance refresh as `DescribeInstanceRefreshes` reports it.
public struct InstanceRefresh: Sendable, Equatable {
    /// The refresh's id (`InstanceRefreshId`).
    public var id: String
    /// `Pending`, `InProgress`, `Successful`, `Failed`, `Cancelling`, `Cancelled`, `RollbackInProgress`…
    public var status: String
    /// How far the refresh got, in percent (`PercentageComplete`), when AWS reports it.
    public var percentageComplete: Int?
    /// Why the refresh has its status (`StatusReason`), e.g. why it failed, when AWS gives a reason.
    public var statusReason: String?
}

/// What an instance refresh should do.
public struct InstanceRefreshPreferences: Sendable, Equatable {
    /// The share of the desired capacity, in percent, kept healthy during the refresh (`Preferences.MinHealthyPercentage`).
    public var minHealthyPercentage: Int
    /// How long, in seconds, the refresh waits after a new instance is in service before it moves on (`Preferences.InstanceWarmup`).
    public var instanceWarmupSeconds: Int
    /// Whether instances already on the desired launch template version are left alone (`Preferences.SkipMatching`).
    public var skipMatching: Bool
    /// `Refresh`, `Ignore` or `Wait`.
    public var scaleInProtectedInstances: String
    /// Whether the group goes back to its previous configuration when the refresh fails or an
    /// alarm fires (`Preferences.AutoRollback`). AWS refuses it for a group on `$Latest` or `$Default`.
    public var autoRollback = false
    /// CloudWatch alarms that fail the refresh (`Preferences.AlarmSpecification.Alarms`).
    public var alarms: [String] = []
    /// The shares of the group, in percent and ascending, at which the refresh pauses for
    /// ``checkpointDelaySeconds`` (`Preferences.CheckpointPercentages`); empty: none.
    public var checkpointPercentages: [Int] = []
    /// How long each checkpoint pauses (`Preferences.CheckpointDelay`).
    public var checkpointDelaySeconds = 0

    /// Creates preferences; scale-in protected instances are refreshed too unless `scaleInProtectedInstances` says otherwise.
    public init(minHealthyPercentage: Int, instanceWarmupSeconds: Int, skipMatching: Bool, scaleInProtectedInstances: String = "Refresh") {
        self.minHealthyPercentage = minHealthyPercentage
        self.instanceWarmupSeconds = instanceWarmupSeconds
        self.skipMatching = skipMatching
        self.scaleInProtectedInstances = scaleInProtectedInstances
    }
}

/// The Auto Scaling calls Hangar needs, over the Query API (`Version=2011-01-01`).
public struct AutoScaling: Sendable {
    /// The client the calls go through.
    public let client: AWSQueryClient

    /// Creates the Auto Scaling calls over `client`.
    public init(client: AWSQueryClient) { self.client = client }

    /// The group called `name` (`DescribeAutoScalingGroups`); throws a `ValidationError` service error when it does not exist.
    public func describeGroup(_ name: String) async throws(AWSError) -> AutoScalingGroup {
        let root = try await client.call(.autoScaling, "DescribeAutoScalingGroups", ["AutoScalingGroupNames.member.1": name])
        guard let node = root.node("DescribeAutoScalingGroupsResult", "AutoScalingGroups")?.children.first(where: { $0.name == "member" }) else {
            throw AWSError(
                .service, awsCode: "ValidationError", message: "Auto Scaling group \(name) does not exist", action: "DescribeAutoScalingGroups")
        }
        return AutoScalingGroup(node)
    }

    /// Turns scale-in protection on or off for `instances` of `group` (`SetInstanceProtection`); does nothing for an empty list.
    public func setInstanceProtection(group: String, instances: [String], protected: Bool) async throws(AWSError) {
        guard !instances.isEmpty else { return }
        _ = try await client.call(
            .autoScaling, "SetInstanceProtection",
            ["AutoScalingGroupName": group, "ProtectedFromScaleIn": protected ? "true" : "false"]
                .adding(QueryParameters.list("InstanceIds.member", instances)))
    }

    /// Suspends the named scaling processes of `group` (`SuspendProcesses`), e.g. `AZRebalance`; does nothing for an empty list.
    public func suspendProcesses(group: String, _ processes: [String]) async throws(AWSError) {
        guard !processes.isEmpty else { return }
        _ = try await client.call(
            .autoScaling, "SuspendProcesses",
            ["AutoScalingGroupName": group].adding(QueryParameters.list("ScalingProcesses.member", processes)))
    }

    /// Resumes the named scaling processes of `group` (`ResumeProcesses`); does nothing for an empty list.
    public func resumeProcesses(group: String, _ processes: [String]) async throws(AWSError) {
        guard !processes.isEmpty else { return }
        _ = try await client.call(
            .autoScaling, "ResumeProcesses",
            ["AutoScalingGroupName": group].adding(QueryParameters.list("ScalingProcesses.member", processes)))
    }

    /// The refresh's rollback, alarm and checkpoint preferences, when it has them.
    static func healthGate(_ preferences: InstanceRefreshPreferences) -> [String: String] {
        var parameters: [String: String] = [:]
        if preferences.autoRollback { parameters["Preferences.AutoRollback"] = "true" }
        if !preferences.alarms.isEmpty {
            parameters = parameters.adding(QueryParameters.list("Preferences.AlarmSpecification.Alarms.member", preferences.alarms))
        }
        if !preferences.checkpointPercentages.isEmpty {
            parameters = parameters.adding(
                QueryParameters.list("Preferences.CheckpointPercentages.member", preferences.checkpointPercentages.map(String.init)))
            parameters["Preferences.CheckpointDelay"] = String(preferences.checkpointDelaySeconds)
        }
        return parameters
    }

    /// Starts a rolling instance refresh towards `templateId` at `version`; answers its id.
    public func startInstanceRefresh(
        group: String, templateId: String, version: String, preferences: InstanceRefreshPreferences
    ) async throws(AWSError) -> String {
        let root = try await client.call(
            .autoScaling, "StartInstanceRefresh",
            [
                "AutoScalingGroupName": group, "Strategy": "Rolling",
                "DesiredConfiguration.LaunchTemplate.LaunchTemplateId": templateId,
                "DesiredConfiguration.LaunchTemplate.Version": version,
                "Preferences.MinHealthyPercentage": String(preferences.minHealthyPercentage),
                "Preferences.InstanceWarmup": String(preferences.instanceWarmupSeconds),
                "Preferences.SkipMatching": preferences.skipMatching ? "true" : "false",
                "Preferences.ScaleInProtectedInstances": preferences.scaleInProtectedInstances,
                "Preferences.StandbyInstances": "Ignore",
            ].adding(Self.healthGate(preferences)))
        guard let id = root.string("StartInstanceRefreshResult", "InstanceRefreshId") else {
            throw AWSError(.unexpectedResponse, message: "StartInstanceRefresh answered no id", action: "StartInstanceRefresh")
        }
        return id
    }

    /// The instance refreshes of `group` (`DescribeInstanceRefreshes`): those with `ids`, or with no `ids` the ones on the
    /// first page of the answer (it does not ask for more pages).
    public func describeInstanceRefreshes(group: String, ids: [String] = []) async throws(AWSError) -> [InstanceRefresh] {
        let root = try await client.call(
            .autoScaling, "DescribeInstanceRefreshes",
            ["AutoScalingGroupName": group].adding(QueryParameters.list("InstanceRefreshIds.member", ids)))
        return root.items("DescribeInstanceRefreshesResult", "InstanceRefreshes").map {
            InstanceRefresh(
                id: $0.string("InstanceRefreshId") ?? "", status: $0.string("Status") ?? "",
                percentageComplete: $0.string("PercentageComplete").flatMap(Int.init),
                statusReason: $0.string("StatusReason"))
        }
    }

    /// Cancels the instance refresh in progress on `group` (`CancelInstanceRefresh`).
    public func cancelInstanceRefresh(group: String) async throws(AWSError) {
        _ = try await client.call(.autoScaling, "CancelInstanceRefresh", ["AutoScalingGroupName": group])
    }

    /// Terminates one instance of the group; with `decrementCapacity` false the group launches a replacement.
    public func terminateInstance(_ id: String, decrementCapacity: Bool) async throws(AWSError) {
        _ = try await client.call(
            .autoScaling, "TerminateInstanceInAutoScalingGroup",
            ["InstanceId": id, "ShouldDecrementDesiredCapacity": decrementCapacity ? "true" : "false"])
    }

    /// Points the group at `version` (`$Default`, `$Latest` or a number) of its launch template.
    public func setLaunchTemplate(group: String, templateId: String, version: String) async throws(AWSError) {
        _ = try await client.call(
            .autoScaling, "UpdateAutoScalingGroup",
            ["AutoScalingGroupName": group, "LaunchTemplate.LaunchTemplateId": templateId, "LaunchTemplate.Version": version])
    }

    /// Creates or overwrites the tag `key` on `group` (`CreateOrUpdateTags`); it is not copied to the instances the group launches.
    public func setTag(group: String, key: String, value: String) async throws(AWSError) {
        _ = try await client.call(
            .autoScaling, "CreateOrUpdateTags",
            [
                "Tags.member.1.ResourceId": group, "Tags.member.1.ResourceType": "auto-scaling-group", "Tags.member.1.Key": key,
                "Tags.member.1.Value": value, "Tags.member.1.PropagateAtLaunch": "false",
            ])
    }

    /// Sets the group's minimum size and desired capacity (its maximum stays).
    public func setCapacity(group: String, minSize: Int, desired: Int) async throws(AWSError) {
        _ = try await client.call(
            .autoScaling, "UpdateAutoScalingGroup",
            ["AutoScalingGroupName": group, "MinSize": String(minSize), "DesiredCapacity": String(desired)])
    }

    /// Removes the tag `key` from `group` (`DeleteTags`).
    public func deleteTag(group: String, key: String) async throws(AWSError) {
        _ = try await client.call(
            .autoScaling, "DeleteTags",
            ["Tags.member.1.ResourceId": group, "Tags.member.1.ResourceType": "auto-scaling-group", "Tags.member.1.Key": key])
    }
}
