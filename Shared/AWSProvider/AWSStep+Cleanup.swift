import HangarContracts
import HangarProviders

extension AWSStep {
    /// `finalize` for a deployment ending early (failed or cancelled): undoes what it left
    /// behind and publishes nothing. The preparation server it stopped is started again, its
    /// instance lock released, and a new default model that never reached the instances
    /// (replacement not finished) gives way to the backup model again.
    func cleanUp(_ reason: String) async throws -> StepOutcome {
        if command.poll == 0 { await progress("cleaning up after: \(reason)") }
        let id = settings.preparationInstanceId
        let server = try await ec2.describeInstance(id)
        if command.outputs["preparationServerStopped"] == "true" || server.tags[AWSTags.stoppedBy] == deploymentId {
            switch server.state {
            case "stopped":
                await progress("starting the preparation server again")
                try await ec2.startInstances([id])
                let now = try await ec2.describeInstance(id)
                if now.state != "running" { return waiting(["instanceId": .string(id)], "preparation server \(id) is \(now.state)") }
            case "stopping", "pending":
                return waiting(["instanceId": .string(id)], "preparation server \(id) is \(server.state)")
            default:
                break
            }
            if server.tags[AWSTags.stoppedBy] != nil { try await ec2.deleteTags([id], keys: [AWSTags.stoppedBy]) }
        }
        if try await InstanceLock(step: self).releaseLeftover() {
            await progress("unlocking instances")
        }
        if command.outputs["replacement"] == nil, let templateId = command.outputs["launchTemplateId"],
            let main = command.outputs["mainModelVersion"].flatMap(Int.init), let backup = command.outputs["backupModelVersion"].flatMap(Int.init),
            try await ec2.describeLaunchTemplate(id: templateId, name: nil).defaultVersion == main
        {
            await progress("returning the default model to the backup model, version \(backup)")
            try await ec2.setDefaultLaunchTemplateVersion(templateId: templateId, version: backup)
        }
        return .succeeded(outputs: [:], detail: "cleaned up; nothing was published")
    }
}
