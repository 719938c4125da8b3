import AWSClient
import HangarContracts
import HangarProviders

/// The environment's preparation server and its support servers (found by tag), and what an
/// operator can do with them.
struct AWSServers {
    let settings: AWSSettings
    let ec2: EC2

    static let liveStates = ["pending", "running", "stopping", "stopped"]

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
