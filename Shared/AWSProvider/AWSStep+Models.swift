import AWSClient
import HangarContracts
import HangarProviders

/// `create_models`: a new launch template version from the image (the main model), the
/// previous default kept as the backup model, the new one made the default, and versions beyond
/// `keepModelVersions` deleted (never the main or backup one).
///
/// The new version's description carries `hangar:<deployment id>` and its backup version, so a
/// run again after a crash finds it instead of making another. Deleting old versions is
/// housekeeping: when the cloud refuses or does not implement it, the step still succeeds, says
/// so in a detail line and lists the versions left in the output `staleModelVersions`.
///
/// A rollback's `create_models` creates nothing: ``restoreModel(_:)``.
extension AWSStep {
    var modelMarker: String { "hangar:\(deploymentId)" }

    func createModels() async throws -> StepOutcome {
        if let rollback = command.rollback { return try await restoreModel(rollback) }
        guard let imageId = command.outputs["imageId"] else {
            return .failed(error: "create_models needs the imageId that create_image produced; the command's outputs have none", transient: false)
        }
        let template = try await ec2.describeLaunchTemplate(
            id: command.outputs["launchTemplateId"] ?? settings.launchTemplateId, name: settings.launchTemplateName)
        var versions = try await ec2.describeLaunchTemplateVersions(templateId: template.id)
        let main: Int
        let backup: Int
        if let mine = versions.first(where: { $0.description?.contains(modelMarker) == true }) {
            main = mine.number
            backup = Self.backupVersion(in: mine.description ?? "") ?? template.defaultVersion
            await firstRun("main model version \(main) was already created from image \(imageId)")
        } else {
            guard let source = versions.first(where: { $0.number == template.defaultVersion }) else {
                return .failed(error: "launch template \(template.id) has no default version \(template.defaultVersion)", transient: false)
            }
            await progress("creating main model")
            backup = source.number
            var data = source.dataParameters
            data["LaunchTemplateData.ImageId"] = imageId
            let label = command.version.map { "\($0.prefix(80)) " } ?? ""
            main = try await ec2.createLaunchTemplateVersion(
                templateId: template.id, sourceVersion: source.number,
                description: "\(label)image \(imageId) \(modelMarker) backup=\(backup)", data: data)
            versions = try await ec2.describeLaunchTemplateVersions(templateId: template.id)
        }
        await firstRun("keeping the previous model, version \(backup), as the backup model")
        if try await ec2.describeLaunchTemplate(id: template.id, name: nil).defaultVersion != main {
            try await ec2.setDefaultLaunchTemplateVersion(templateId: template.id, version: main)
            await progress("made version \(main) the default model")
        }

        var outputs = ["mainModelVersion": String(main), "backupModelVersion": String(backup), "launchTemplateId": template.id]
        let old = Self.versionsToDelete(versions.map(\.number), keep: settings.keepModelVersions, main: main, backup: backup)
        var detail = "main model version \(main) uses image \(imageId); backup model version \(backup)"
        if !old.isEmpty {
            await progress("removing old models: versions \(old.map(String.init).joined(separator: ", "))")
            let (left, problem) = try await deleteVersions(old, of: template.id)
            if !left.isEmpty {
                let list = left.map(String.init).joined(separator: ", ")
                await progress("could not remove old models (versions \(list)); they are left in place: \(problem ?? "not deleted")")
                outputs["staleModelVersions"] = left.map(String.init).joined(separator: ",")
                detail += "; old versions \(list) could not be removed"
            } else {
                outputs["removedModelVersions"] = old.map(String.init).joined(separator: ",")
                detail += "; removed versions \(old.map(String.init).joined(separator: ", "))"
            }
        }
        return .succeeded(outputs: outputs, detail: detail)
    }

    /// A rollback's `create_models`: the release's launch template version becomes the default
    /// again (nothing is created or deleted); the version running now is the backup. Fails for
    /// good when that version no longer exists (housekeeping removed it).
    func restoreModel(_ rollback: RollbackOf) async throws -> StepOutcome {
        guard let main = Int(rollback.modelVersion), let backup = Int(rollback.fromModelVersion) else {
            return .failed(
                error: "model versions \(rollback.modelVersion) and \(rollback.fromModelVersion) are not launch template version numbers",
                transient: false)
        }
        let template = try await ec2.describeLaunchTemplate(
            id: command.outputs["launchTemplateId"] ?? settings.launchTemplateId, name: settings.launchTemplateName)
        let versions = try await ec2.describeLaunchTemplateVersions(templateId: template.id)
        guard let version = versions.first(where: { $0.number == main }) else {
            return .failed(
                error: "launch template \(template.id) has no version \(main) any more: version \(rollback.version) cannot be returned to",
                transient: false)
        }
        guard let imageId = version.dataParameters["LaunchTemplateData.ImageId"] ?? rollback.imageId else {
            return .failed(error: "launch template \(template.id) version \(main) names no image", transient: false)
        }
        await firstRun("making model version \(main) (version \(rollback.version), image \(imageId)) the default model again")
        await firstRun("keeping model version \(backup) (version \(rollback.fromVersion)) as the backup model")
        if template.defaultVersion != main {
            try await ec2.setDefaultLaunchTemplateVersion(templateId: template.id, version: main)
            await progress("made version \(main) the default model")
        }
        return .succeeded(
            outputs: ["mainModelVersion": String(main), "backupModelVersion": String(backup), "launchTemplateId": template.id, "imageId": imageId],
            detail: "main model version \(main) (version \(rollback.version), image \(imageId)) is the default again; backup model version \(backup)")
    }

    /// Deletes `versions`; answers those left and why. Only throttling and no answer are thrown
    /// (the step is tried again); a refusal or an unimplemented operation is reported.
    private func deleteVersions(_ versions: [Int], of templateId: String) async throws -> (left: [Int], problem: String?) {
        let result: EC2DeletedVersions
        do {
            result = try await ec2.deleteLaunchTemplateVersions(templateId: templateId, versions: versions)
        } catch {
            if error.isRetriable, error.code != .server { throw error }
            return (versions, error.description)
        }
        let left = versions.filter { !result.deleted.contains($0) }
        guard !result.failed.isEmpty else { return (left, nil) }
        return (left, result.failed.sorted { $0.key < $1.key }.map { "version \($0.key): \($0.value)" }.joined(separator: "; "))
    }

    /// The backup version a description written by ``createModels()`` names.
    static func backupVersion(in description: String) -> Int? {
        guard let range = description.range(of: "backup=") else { return nil }
        return Int(description[range.upperBound...].prefix { $0.isNumber })
    }

    /// The versions beyond the newest `keep`, never `main` or `backup`.
    static func versionsToDelete(_ versions: [Int], keep: Int, main: Int, backup: Int) -> [Int] {
        var kept: Set<Int> = [main, backup]
        for version in versions.sorted(by: >) where kept.count < keep { kept.insert(version) }
        return versions.filter { !kept.contains($0) }.sorted()
    }
}
