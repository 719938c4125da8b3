import AWSClient
import HangarContracts
import HangarProviders

/// The environment's preparation server and its support servers (found by tag), the instances
/// of its Auto Scaling group, and what an operator can do with the servers.
struct AWSServers {
    let settings: AWSSettings
    let ec2: EC2
    /// Needed to list the group's instances, and to tell one apart from an unknown server.
    var autoScaling: AutoScaling? = nil

    static let liveStates = ["pending", "running", "stopping", "stopped"]

    /// The instances the environment's Auto Scaling group holds now (role `instance`), as EC2
    /// describes them (their type and launch time price them), each with the launch template
    /// version and the health the group reports for it.
    func groupInstances() async throws(AWSError) -> [ServerInfo] {
        guard let autoScaling else { return [] }
        let group = try await autoScaling.describeGroup(settings.autoScalingGroupName)
        let ids = group.instances.map(\.id)
        guard !ids.isEmpty else { return [] }
        let members = Dictionary(group.instances.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return try await ec2.describeInstances(ids: ids).sorted { $0.id < $1.id }.map { instance in
            var info = Self.info(instance, role: .instance)
            info.modelVersion = members[instance.id]?.launchTemplateVersion
            info.health = members[instance.id].map { $0.healthStatus.lowercased() }
            return info
        }
    }

    func list() async throws(AWSError) -> [ServerInfo] {
        let preparation = try await ec2.describeInstance(settings.preparationInstanceId)
        let images = try await ec2.describeImages(filters: [("tag:\(AWSTags.preparationServer)", [preparation.id])])
        let newest = images.max { ($0.creationDate ?? .distantPast) < ($1.creationDate ?? .distantPast) }
        var servers = [Self.info(preparation, role: .preparation, imageStatus: newest?.state)]
        if let tag = settings.supportServerTag {
            let filter = tag.value.map { ("tag:\(tag.key)", [$0]) } ?? ("tag-key", [tag.key])
            let support = try await ec2.describeInstances(filters: [filter, ("instance-state-name", Self.liveStates)])
            servers += support.filter { $0.id != preparation.id }.sorted { $0.name < $1.name }.map { Self.info($0, role: .support) }
        }
        return servers
    }

    func perform(_ action: ServerAction, on serverId: String) async throws -> ServerInfo {
        guard let server = try await list().first(where: { $0.id == serverId }) else {
            if let autoScaling, let group = try? await autoScaling.describeGroup(settings.autoScalingGroupName),
                group.instances.contains(where: { $0.id == serverId })
            {
                throw ProviderUnsupportedError(
                    provider: AWSProvider.name,
                    operation:
                        "\(action.rawValue) \(serverId): it is an instance of group \(settings.autoScalingGroupName), which starts and stops it")
            }
            throw AWSError(.service, awsCode: "NotFound", message: "\(serverId) is not a server of this environment")
        }
        switch action {
        case .start: try await ec2.startInstances([serverId])
        case .stop: try await ec2.stopInstances([serverId])
        case .restart:
            if server.status == "running" { try await ec2.rebootInstances([serverId]) } else { try await ec2.startInstances([serverId]) }
        }
        let now = try await ec2.describeInstance(serverId)
        return Self.info(now, role: server.role, imageStatus: server.imageStatus)
    }

    static func info(_ instance: EC2Instance, role: ServerRole, imageStatus: String? = nil) -> ServerInfo {
        ServerInfo(
            id: instance.id, name: instance.name, role: role, status: instance.state, publicIP: instance.publicIP,
            privateIP: instance.privateIP, platform: instance.platform, instanceType: instance.instanceType, imageStatus: imageStatus,
            launchedAt: instance.launchTime)
    }
}

/// The tags Hangar puts on what it makes, so a step run again finds it.
enum AWSTags {
    /// On an AMI: the deployment that made it.
    static let deployment = "hangar:deployment"
    /// On an AMI: the instance it was made from.
    static let preparationServer = "hangar:preparation-server"
    /// On the preparation server: the deployment that stopped it (finalize starts it again).
    static let stoppedBy = "hangar:stopped-by"
    /// On the Auto Scaling group while it is locked: `<deployment id> <suspended processes>`.
    static let lock = "hangar:lock"
}
