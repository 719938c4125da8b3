import AWSClient
import Foundation
import HangarAWSProvider
import HangarContracts
import HangarProviders
import Testing

/// A step run again after its first run's answer was lost (the worker killed after the cloud
/// call, the continuation never published): the new run starts from scratch (poll 0, no
/// continuation) and must follow what the cloud is already doing, never start it twice.
@Suite("AWS provider: steps run again after a lost run", .serialized, .timeLimit(.minutes(5)))
struct AWSRerunTests {
    /// Runs `validate`, `create_image` and `create_models` of a deployment.
    func prepare(_ runner: StepRunner) async throws {
        for step in [StepName.validate, .createImage, .createModels] {
            let outcome = try await runner.run(step)
            #expect(outcome.isSuccess, "\(step): \(outcome)")
        }
    }

    @Test("replace_instances follows the instance refresh a lost run started instead of failing")
    func followsRefresh() async throws {
        let cloud = try await MotoCloud(emulateInstanceRefresh: true)
        defer { cloud.moto.stop() }
        let proxy = try #require(cloud.proxy)
        let runner = StepRunner(
            cloud.provider, settings: cloud.settings(["replacement": "instanceRefresh"]), options: .init(lockInstances: true))
        try await prepare(runner)

        // The first run starts the refresh; its answer (the continuation) is lost.
        let lost = try await cloud.provider.execute(runner.command(.replaceInstances)) { _ in }
        guard case .inProgress = lost else { throw TestFailure("the first run should wait on its refresh: \(lost)") }
        let started = try await proxy.refreshes()
        #expect(started.count == 1)
        let refreshId = try #require(started.first?.id)

        // Run again from scratch: StartInstanceRefresh answers InstanceRefreshInProgress.
        let outcome = try await runner.run(.replaceInstances)
        #expect(outcome.isSuccess, "\(outcome)")
        #expect(outcome.outputs["instanceRefreshId"] == refreshId, "the refresh already under way was followed")
        #expect(runner.allLines.contains("following instance refresh \(refreshId), already in progress"))
        #expect(try await proxy.refreshes().count == 1, "no second refresh")
        let group = try await cloud.autoScaling.describeGroup(cloud.seed["autoScalingGroupName"]!)
        #expect(group.tags["hangar:lock"] == nil && group.suspendedProcesses.isEmpty, "the lock the lost run took is released")
        #expect(group.instances.allSatisfy { !$0.protectedFromScaleIn })
    }

    @Test("replace_instances waits while another refresh is being cancelled, then starts its own")
    func waitsForCancellingRefresh() async throws {
        let cloud = try await MotoCloud(emulateInstanceRefresh: true)
        defer { cloud.moto.stop() }
        let proxy = try #require(cloud.proxy)
        let group = cloud.seed["autoScalingGroupName"]!
        let runner = StepRunner(cloud.provider, settings: cloud.settings(["replacement": "instanceRefresh"]))
        try await prepare(runner)
        // Someone else's refresh, being cancelled (through the proxy: moto has none).
        let other = AutoScaling(
            client: AWSQueryClient(
                configuration: AWSClientConfiguration(
                    region: "us-east-1", endpointOverride: URL(string: proxy.endpoint),
                    credentials: { AWSCredentials(accessKeyId: "testing", secretAccessKey: "testing") }),
                logger: MotoCloud.logger))
        _ = try await other.startInstanceRefresh(
            group: group, templateId: cloud.seed["launchTemplateId"]!, version: "1",
            preferences: InstanceRefreshPreferences(minHealthyPercentage: 90, instanceWarmupSeconds: 0, skipMatching: true))
        try await other.cancelInstanceRefresh(group: group)

        let first = try await cloud.provider.execute(runner.command(.replaceInstances)) { _ in }
        guard case .inProgress(_, _, let detail) = first else { throw TestFailure("expected a wait: \(first)") }
        #expect(detail?.contains("(Cancelling), blocks this one") == true, "\(detail ?? "")")
        let outcome = try await runner.run(.replaceInstances)
        #expect(outcome.isSuccess, "\(outcome)")
        let refreshes = try await proxy.refreshes()
        #expect(refreshes.count == 2)
        #expect(refreshes.filter { $0.status == "Successful" }.map(\.id) == [outcome.outputs["instanceRefreshId"] ?? "-"])
    }

    @Test("a rolling replacement run again after a lost check replaces every instance once")
    func rollingRerun() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let groupName = cloud.seed["autoScalingGroupName"]!
        let runner = StepRunner(cloud.provider, settings: cloud.settings(["replacement": "rolling"]), options: .init(lockInstances: true))
        try await prepare(runner)
        let before = try await cloud.autoScaling.describeGroup(groupName).instances.map(\.id)

        // The first check terminates a batch; its answer is lost.
        let lost = try await cloud.provider.execute(runner.command(.replaceInstances)) { _ in }
        guard case .inProgress = lost else { throw TestFailure("expected the first batch under way: \(lost)") }
        let outcome = try await runner.run(.replaceInstances)
        #expect(outcome.isSuccess, "\(outcome)")
        #expect(outcome.outputs["replacedInstances"].flatMap(Int.init) ?? 0 <= before.count)

        let imageId = try #require(runner.outputs.withLock { $0["imageId"] })
        let group = try await cloud.autoScaling.describeGroup(groupName)
        let images = try await cloud.ec2.describeInstances(ids: group.instances.map(\.id)).map(\.imageId)
        #expect(images.allSatisfy { $0 == imageId }, "every instance runs the new image: \(images)")
        let launched = try await cloud.ec2.describeInstances(filters: [("image-id", [imageId])])
        #expect(launched.count == before.count, "each old instance was replaced once: \(launched.map(\.id))")
        #expect(group.tags["hangar:lock"] == nil)
    }

    @Test("create_image run again while its image is pending waits on that image")
    func imageRerun() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let runner = StepRunner(cloud.provider, settings: cloud.settings())
        #expect(try await runner.run(.validate).isSuccess)
        let lost = try await cloud.provider.execute(runner.command(.createImage)) { _ in }
        let again = try await runner.run(.createImage)
        let imageId = try #require(again.outputs["imageId"])
        if case .succeeded(let outputs, _) = lost { #expect(outputs["imageId"] == imageId) }
        let images = try await cloud.ec2.describeImages(filters: [("tag:hangar:deployment", [runner.deploymentId.uuidString.lowercased()])])
        #expect(images.map(\.id) == [imageId], "one image")
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
