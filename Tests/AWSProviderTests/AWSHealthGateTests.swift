import AWSClient
import Foundation
import HangarAWSProvider
import HangarContracts
import HangarHarness
import HangarProviders
import Testing

/// A ``ReplacementPolicy`` on the `aws` provider's instance refresh, against moto behind the
/// project's test double (`deploy/moto/proxy.py`, which answers the refresh calls moto lacks):
/// the request carries the rollback, alarm and checkpoint preferences; a refresh AWS rolled
/// back halts the step as rolled back, with the template's default on the backup model and the
/// instances on the backup model's image.
@Suite("Health gates on aws", .serialized)
struct AWSHealthGateTests {
    static let policy = ReplacementPolicy(batchPercent: 50, minHealthyPercent: 75, bakeSeconds: 30, onFailure: .rollback, alarms: ["web-5xx"])

    private func prepare(_ runner: StepRunner) async throws {
        for step in [StepName.validate, .createImage, .createModels] {
            let outcome = try await runner.run(step)
            #expect(outcome.isSuccess, "\(step): \(outcome)")
        }
    }

    @Test("the instance refresh request carries AutoRollback, the alarms, checkpoints at each batch and the bake as their delay")
    func preferences() async throws {
        let cloud = try await MotoCloud(emulateInstanceRefresh: true)
        defer { cloud.moto.stop() }
        let proxy = try #require(cloud.proxy)
        let runner = StepRunner(cloud.provider, settings: cloud.settings(["replacement": "instanceRefresh"]), replacement: Self.policy)
        try await prepare(runner)
        let outcome = try await runner.run(.replaceInstances)
        #expect(outcome.isSuccess, "\(outcome)")
        let preferences = try #require(try await proxy.refreshPreferences().first)
        #expect(preferences["AutoRollback"] == "true")
        #expect(preferences["AlarmSpecification.Alarms.member.1"] == "web-5xx")
        #expect(preferences["CheckpointPercentages.member.1"] == "50" && preferences["CheckpointPercentages.member.2"] == "100")
        #expect(preferences["CheckpointDelay"] == "30" && preferences["MinHealthyPercentage"] == "75")
        #expect(
            runner.allLines.contains(
                "health-gated instance refresh: at least 75 % of the group kept healthy; checkpoints at 50 %, 100 %, each held 30 s; "
                    + "alarms web-5xx; rolled back automatically if it fails"), "\(runner.allLines)")

        // Without a policy, none of them.
        let plain = StepRunner(cloud.provider, settings: cloud.settings(["replacement": "instanceRefresh"]))
        try await prepare(plain)
        #expect(try await plain.run(.replaceInstances).isSuccess)
        let second = try #require(try await proxy.refreshPreferences().first { $0["AutoRollback"] == nil })
        #expect(second.keys.filter { $0.hasPrefix("Checkpoint") || $0.hasPrefix("AlarmSpecification") }.isEmpty, "\(second)")
    }

    @Test("a refresh AWS rolled back halts the step as rolled back: the default on the backup model, the instances on its image")
    func rolledBack() async throws {
        let cloud = try await MotoCloud(emulateInstanceRefresh: true, refreshRollback: true)
        defer { cloud.moto.stop() }
        let runner = StepRunner(cloud.provider, settings: cloud.settings(["replacement": "instanceRefresh"]), replacement: Self.policy)
        try await prepare(runner)
        let group = cloud.seed["autoScalingGroupName"]!
        let before = try await cloud.autoScaling.describeGroup(group)
        let imagesBefore = Set(try await cloud.ec2.describeInstances(ids: before.instances.map(\.id)).map(\.imageId))

        let outcome = try await runner.run(.replaceInstances)
        guard case .halted(let error, let outputs, _) = outcome else { throw TestFailure("not halted: \(outcome)") }
        #expect(outputs == [HealthGateOutcome.outputKey: HealthGateOutcome.rolledBack.rawValue])
        let backup = try #require(runner.outputs.withLock { $0["backupModelVersion"] })
        #expect(error.contains("was rolled back: instances failed their health checks (emulated)"), "\(error)")
        #expect(error.hasSuffix("the instance group was returned to backup model version \(backup)"), "\(error)")
        let templateId = try #require(runner.outputs.withLock { $0["launchTemplateId"] })
        #expect(try await cloud.ec2.describeLaunchTemplate(id: templateId, name: nil).defaultVersion == Int(backup))
        let backupImage = try await cloud.ec2.describeLaunchTemplateVersions(templateId: templateId).first { $0.number == Int(backup) }?.imageId
        let after = try await cloud.autoScaling.describeGroup(group)
        let imagesAfter = Set(try await cloud.ec2.describeInstances(ids: after.instances.map(\.id)).map(\.imageId))
        #expect(imagesAfter == imagesBefore && imagesAfter == [backupImage], "every instance on the backup model's image")
    }
}
