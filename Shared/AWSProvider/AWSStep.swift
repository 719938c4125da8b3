import AWSClient
import Foundation
import HangarContracts
import HangarProviders
import Logging

/// One run of one step of a deployment against AWS. Every step finds what an earlier run of
/// it made (by tags and descriptions carrying the deployment id) before making anything.
///
/// - `validate`: the preparation instance, the launch template and the group exist (and the
///   group uses that template); outputs `preparationServerId`, `instanceGroup`, `launchTemplateId`.
/// - `stop_preparation_server`: skipped unless asked; with `terminateSessions` ends the users'
///   sessions on it first (see `AWSStep+Notice.swift`); tags the instance with the deployment
///   (`hangar:stopped-by`), stops it and waits (continuations) until it is stopped; outputs
///   `preparationServerStopped` (`false` when it was already stopped: it is left so).
/// - `create_image`: an AMI named `hangar-<environment>-<deployment id>`, tagged with the
///   deployment; waits until it is available; outputs `imageId`.
/// - `create_models`: see `AWSStep+Models.swift`.
/// - `replace_instances`: see `AWSStep+Replace.swift`.
/// - `finalize`: starts the preparation server again if this deployment stopped it, releases a
///   lock an interrupted replacement left, outputs `generatedVersion`.
struct AWSStep {
    let command: ExecuteStep
    let settings: AWSSettings
    let ec2: EC2
    let autoScaling: AutoScaling
    let systemsManager: SystemsManager
    let loadBalancing: LoadBalancing
    let progress: @Sendable (String) async -> Void
    let logger: Logger

    var deploymentId: String { command.deploymentId.lowercasedString }
    var continuation: [String: JSONValue] { command.continuation?.objectValue ?? [:] }

    func run() async throws -> StepOutcome {
        switch command.step {
        case .validate: return try await validate()
        case .stopPreparationServer: return try await stopPreparationServer()
        case .createImage: return try await createImage()
        case .createModels: return try await createModels()
        case .replaceInstances: return try await replaceInstances()
        case .finalize: return try await finalize()
        }
    }

    /// Reports `line` on the first run of the step only (checks on a waiting step stay quiet).
    func firstRun(_ line: String) async { if command.poll == 0 { await progress(line) } }

    func waiting(_ state: [String: JSONValue], _ detail: String, after: Duration? = nil) -> StepOutcome {
        var state = state
        state["provider"] = .string(AWSProvider.name)
        state["step"] = .string(command.step.rawValue)
        return .inProgress(continuation: .object(state), checkAfter: after ?? settings.checkAfter, detail: detail)
    }

    // MARK: validate

    func validate() async throws -> StepOutcome {
        await progress("retrieving server information")
        let server = try await ec2.describeInstance(settings.preparationInstanceId)
        if server.state == "terminated" || server.state == "shutting-down" {
            return .failed(error: "preparation server \(server.id) is \(server.state)", transient: false)
        }
        await progress(
            "preparation server \(server.id) (\(server.name)): \(server.state), \(server.platform ?? "unknown platform"), "
                + "\(server.instanceType ?? "unknown type"), private IP \(server.privateIP ?? "none"), public IP \(server.publicIP ?? "none")")
        await progress("checking the launch template and the instance group")
        let template = try await ec2.describeLaunchTemplate(id: settings.launchTemplateId, name: settings.launchTemplateName)
        let group = try await autoScaling.describeGroup(settings.autoScalingGroupName)
        if let used = group.launchTemplateId, used != template.id {
            return .failed(
                error: "instance group \(group.name) uses launch template \(used), not \(template.id) (\(template.name))", transient: false)
        }
        if group.launchTemplateId == nil, group.launchTemplateName != template.name {
            return .failed(error: "instance group \(group.name) does not use launch template \(template.name)", transient: false)
        }
        return .succeeded(
            outputs: [
                "preparationServerId": server.id, "instanceGroup": group.name, "launchTemplateId": template.id,
                "preparationServerState": server.state,
            ],
            detail: "preparation server \(server.id) and instance group \(group.name) (\(group.instances.count) instances, "
                + "launch template \(template.name) default version \(template.defaultVersion)) are ready")
    }

    // MARK: stop_preparation_server

    func stopPreparationServer() async throws -> StepOutcome {
        guard command.options.stopPreparationServer else { return .skipped(reason: "the preparation server was not asked to stop") }
        let id = settings.preparationInstanceId
        var server = try await ec2.describeInstance(id)
        let ours = server.tags[AWSTags.stoppedBy] == deploymentId
        switch server.state {
        case "stopped":
            if ours { return .succeeded(outputs: ["preparationServerStopped": "true"], detail: "preparation server \(id) is stopped") }
            return .succeeded(
                outputs: ["preparationServerStopped": "false"], detail: "preparation server \(id) was already stopped; it stays stopped")
        case "stopping" where ours:
            return waiting(["instanceId": .string(id)], "preparation server \(id) is stopping")
        case "running", "pending", "stopping":
            if command.options.terminateSessions, server.state == "running" {
                var state = continuation
                if let wait = try await endSessions(on: [id], &state) { return wait }
            }
            await progress("stopping the preparation server")
            try await ec2.createTags([id], [AWSTags.stoppedBy: deploymentId])
            try await ec2.stopInstances([id])
            server = try await ec2.describeInstance(id)
            if server.state == "stopped" {
                return .succeeded(outputs: ["preparationServerStopped": "true"], detail: "preparation server \(id) is stopped")
            }
            return waiting(["instanceId": .string(id)], "preparation server \(id) is \(server.state)")
        default:
            return .failed(error: "preparation server \(id) is \(server.state); it cannot be stopped", transient: false)
        }
    }

    // MARK: create_image

    var imageName: String {
        let environment = command.environmentName.filter { $0.isLetter || $0.isNumber || $0 == "-" }
        return "hangar-\(environment.prefix(60))-\(deploymentId)"
    }

    func createImage() async throws -> StepOutcome {
        let name = imageName
        var image = try await ec2.describeImages(filters: [("name", [name])]).first
        if image == nil {
            image = try await ec2.describeImages(filters: [("tag:\(AWSTags.deployment)", [deploymentId])]).first
        }
        if image == nil {
            await progress("creating an image of preparation server \(settings.preparationInstanceId)")
            var tags = [AWSTags.deployment: deploymentId, AWSTags.preparationServer: settings.preparationInstanceId]
            if let version = command.version { tags["hangar:version"] = String(version.prefix(200)) }
            let id = try await ec2.createImage(
                instanceId: settings.preparationInstanceId, name: name,
                description: "Hangar deployment \(deploymentId) of \(command.environmentName)", noReboot: !settings.rebootForImage,
                tags: tags)
            // Emulators may ignore TagSpecification: tag again (idempotent).
            try await ec2.createTags([id], tags)
            image = try await ec2.describeImages(ids: [id]).first
            // Not listed yet (eventual consistency): check again later.
            if image == nil { return waiting(["imageId": .string(id)], "image \(id) is pending") }
        }
        guard let image else { return .failed(error: "the image \(name) vanished", transient: true) }
        switch image.state {
        case "available":
            return .succeeded(outputs: ["imageId": image.id], detail: "image \(image.id) is available")
        case "pending":
            return waiting(["imageId": .string(image.id)], "image \(image.id) is pending")
        default:
            return .failed(
                error: "image \(image.id) is \(image.state)" + (image.stateReason.map { ": \($0)" } ?? ""), transient: false)
        }
    }

    // MARK: finalize

    func finalize() async throws -> StepOutcome {
        if let reason = command.cleanup { return try await cleanUp(reason) }
        let id = settings.preparationInstanceId
        if command.outputs["preparationServerStopped"] == "true" {
            let server = try await ec2.describeInstance(id)
            switch server.state {
            case "stopped":
                await progress("starting the preparation server again")
                try await ec2.startInstances([id])
                let now = try await ec2.describeInstance(id)
                if now.state != "running" { return waiting(["instanceId": .string(id)], "preparation server \(id) is \(now.state)") }
            case "pending":
                return waiting(["instanceId": .string(id)], "preparation server \(id) is starting")
            default:
                break
            }
            if server.tags[AWSTags.stoppedBy] != nil { try await ec2.deleteTags([id], keys: [AWSTags.stoppedBy]) }
        }
        let lock = InstanceLock(step: self)
        if try await lock.releaseLeftover() {
            await progress("released the instance lock an interrupted replacement left")
        }
        let version = generatedVersion
        if let rollback = command.rollback {
            await progress(rollback.publishingLine)
        } else {
            await progress("publishing version \(version)")
        }
        var outputs = ["generatedVersion": version]
        for key in ["imageId", "mainModelVersion", "backupModelVersion", "launchTemplateId"] {
            if let value = command.outputs[key] { outputs[key] = value }
        }
        return .succeeded(outputs: outputs, detail: "version \(version) is published")
    }

    /// The version label, or "v" and the last 8 hex digits of the deployment id.
    var generatedVersion: String {
        if let version = command.version?.trimmingCharacters(in: .whitespaces), !version.isEmpty { return version }
        return "v" + deploymentId.suffix(8)
    }
}
