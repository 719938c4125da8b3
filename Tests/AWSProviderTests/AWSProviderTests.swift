import AWSClient
import Foundation
import HangarContracts
import HangarHarness
import HangarProviders
import Synchronization
import Testing

@testable import HangarAWSProvider

/// The `aws` provider's steps against a real moto server (deploy/moto/start.sh), one per test.
@Suite("AWS provider against moto", .serialized, .timeLimit(.minutes(5)))
struct AWSProviderTests {
    @Test("a whole deployment: image, models, rolling replacement, locks released, server restored")
    func wholeDeployment() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let group = cloud.seed["autoScalingGroupName"]!
        let templateId = cloud.seed["launchTemplateId"]!
        let preparation = cloud.seed["preparationInstanceId"]!
        let runner = StepRunner(
            cloud.provider, settings: cloud.settings(), options: .init(lockInstances: true, stopPreparationServer: true), version: "1.0")

        #expect(try await runner.run(.validate).isSuccess)
        #expect(try await runner.run(.stopPreparationServer).outputs["preparationServerStopped"] == "true")
        #expect(try await cloud.ec2.describeInstance(preparation).state == "stopped")
        let image = try await runner.run(.createImage)
        let imageId = try #require(image.outputs["imageId"])
        #expect(try await cloud.ec2.describeImages(ids: [imageId]).first?.tags["hangar:deployment"] == runner.deploymentId.uuidString.lowercased())

        let models = try await runner.run(.createModels)
        #expect(models.outputs["mainModelVersion"] == "4")
        #expect(models.outputs["backupModelVersion"] == "3")
        let template = try await cloud.ec2.describeLaunchTemplate(id: templateId, name: nil)
        #expect(template.defaultVersion == 4)
        let versions = try await cloud.ec2.describeLaunchTemplateVersions(templateId: templateId)
        #expect(versions.first { $0.number == 4 }?.imageId == imageId)
        // moto does not implement DeleteLaunchTemplateVersions: the step says so and lists what is left.
        #expect(models.outputs["staleModelVersions"] == "1")
        #expect(runner.allLines.contains { $0.contains("could not remove old models (versions 1)") })

        let replaced = try await runner.run(.replaceInstances)
        #expect(replaced.isSuccess, "\(replaced)")
        #expect(replaced.outputs["replacement"] == "rolling")
        #expect(runner.allLines.contains { $0.contains("instance refresh is not available here") })
        let after = try await cloud.autoScaling.describeGroup(group)
        #expect(after.instances.count == 3)
        let images = try await cloud.ec2.describeInstances(ids: after.instances.map(\.id)).map(\.imageId)
        #expect(images.allSatisfy { $0 == imageId }, "every instance runs the new image: \(images)")
        #expect(after.suspendedProcesses.isEmpty, "scaling processes resumed")
        #expect(after.instances.allSatisfy { !$0.protectedFromScaleIn }, "scale-in protection lifted")
        #expect(after.tags["hangar:lock"] == nil)

        let final = try await runner.run(.finalize)
        #expect(final.outputs["generatedVersion"] == "1.0")
        #expect(try await cloud.ec2.describeInstance(preparation).state == "running", "the preparation server is running again")
    }

    @Test("a launch template with more versions than moto answers by default (15): all are listed, and create_models finds the default")
    func manyModelVersions() async throws {
        let cloud = try await MotoCloud(versions: 20)
        defer { cloud.moto.stop() }
        let templateId = cloud.seed["launchTemplateId"]!
        #expect(try await cloud.ec2.describeLaunchTemplateVersions(templateId: templateId).map(\.number) == Array(1...20))
        let runner = StepRunner(cloud.provider, settings: cloud.settings(), version: "1.0")
        #expect(try await runner.run(.validate).isSuccess)
        #expect(try await runner.run(.createImage).isSuccess)
        let models = try await runner.run(.createModels)
        #expect(models.outputs["mainModelVersion"] == "21", "\(models)")
        #expect(models.outputs["backupModelVersion"] == "20")
    }

    @Test("steps run again find what they made")
    func idempotent() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let runner = StepRunner(cloud.provider, settings: cloud.settings())
        try await runner.run(.validate)
        let first = try await runner.run(.createImage).outputs["imageId"]
        let second = try await runner.run(.createImage).outputs["imageId"]
        #expect(first != nil && first == second)
        let images = try await cloud.ec2.describeImages(filters: [("tag:hangar:deployment", [runner.deploymentId.uuidString.lowercased()])])
        #expect(images.count == 1)
        let models = try await runner.run(.createModels).outputs
        let again = try await runner.run(.createModels).outputs
        #expect(models["mainModelVersion"] == again["mainModelVersion"])
        #expect(models["backupModelVersion"] == again["backupModelVersion"], "the backup is remembered, not the new default")
        #expect(try await cloud.ec2.describeLaunchTemplate(id: cloud.seed["launchTemplateId"]!, name: nil).latestVersion == 4)
        // Not asked to stop: skipped; already stopped by someone else: left stopped.
        #expect(try await runner.run(.stopPreparationServer) == .skipped(reason: "the preparation server was not asked to stop"))
    }

    @Test("a failure while replacing returns the group to the backup model and releases the lock")
    func rollback() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let templateId = cloud.seed["launchTemplateId"]!
        // moto has no instance refresh: asking for it explicitly fails the replacement.
        let runner = StepRunner(
            cloud.provider, settings: cloud.settings(["replacement": "instanceRefresh"]), options: .init(lockInstances: true))
        try await runner.run(.validate)
        try await runner.run(.createImage)
        #expect(try await runner.run(.createModels).outputs["mainModelVersion"] == "4")
        let outcome = try await runner.run(.replaceInstances)
        let error = try #require(outcome.failure)
        #expect(error.contains("StartInstanceRefresh"))
        #expect(error.contains("returned to backup model version 3"))
        #expect(try await cloud.ec2.describeLaunchTemplate(id: templateId, name: nil).defaultVersion == 3)
        let group = try await cloud.autoScaling.describeGroup(cloud.seed["autoScalingGroupName"]!)
        #expect(group.suspendedProcesses.isEmpty)
        #expect(group.instances.allSatisfy { !$0.protectedFromScaleIn })
        #expect(group.tags["hangar:lock"] == nil)
    }

    @Test("a lock left by a cancelled deployment is taken over and released by the next one")
    func staleLock() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let name = cloud.seed["autoScalingGroupName"]!
        var group = try await cloud.autoScaling.describeGroup(name)
        try await cloud.autoScaling.suspendProcesses(group: name, InstanceLock.processes)
        try await cloud.autoScaling.setInstanceProtection(group: name, instances: group.instances.map(\.id), protected: true)
        try await cloud.autoScaling.setTag(
            group: name, key: "hangar:lock", value: "0190a000-0000-7000-8000-000000000000 \(InstanceLock.processes.joined(separator: ","))")

        let runner = StepRunner(cloud.provider, settings: cloud.settings(), options: .init(lockInstances: true))
        for step in [StepName.validate, .createImage, .createModels, .replaceInstances] {
            let outcome = try await runner.run(step)
            #expect(outcome.isSuccess, "\(step): \(outcome)")
        }
        group = try await cloud.autoScaling.describeGroup(name)
        #expect(group.suspendedProcesses.isEmpty)
        #expect(group.instances.allSatisfy { !$0.protectedFromScaleIn })
        #expect(group.tags["hangar:lock"] == nil)
    }

    @Test("a deployment cancelled mid-replacement: its cleanup finalize restarts the server, unlocks, restores the default model")
    func cleanupAfterCancel() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let name = cloud.seed["autoScalingGroupName"]!
        let templateId = cloud.seed["launchTemplateId"]!
        let preparation = cloud.seed["preparationInstanceId"]!
        let runner = StepRunner(cloud.provider, settings: cloud.settings(), options: .init(lockInstances: true, stopPreparationServer: true))
        for step in [StepName.validate, .stopPreparationServer, .createImage, .createModels] {
            #expect(try await runner.run(step).isSuccess, "\(step)")
        }
        let partial = try await runner.run(.replaceInstances, maxPolls: 1)
        guard case .inProgress = partial else {
            Issue.record("expected the replacement to be under way: \(partial)")
            return
        }
        #expect(try await cloud.ec2.describeInstance(preparation).state == "stopped")
        #expect(try await cloud.ec2.describeLaunchTemplate(id: templateId, name: nil).defaultVersion == 4)

        // Cancelled: the scheduler dispatches finalize as a cleanup.
        let cleaned = try await runner.run(.finalize, cleanup: "cancelled by ops")
        #expect(cleaned.isSuccess && cleaned.outputs.isEmpty, "\(cleaned)")
        #expect(runner.allLines.contains("cleaning up after: cancelled by ops"))
        let server = try await cloud.ec2.describeInstance(preparation)
        #expect(server.state == "running" && server.tags["hangar:stopped-by"] == nil, "the preparation server is back")
        let group = try await cloud.autoScaling.describeGroup(name)
        #expect(group.suspendedProcesses.isEmpty && group.instances.allSatisfy { !$0.protectedFromScaleIn } && group.tags["hangar:lock"] == nil)
        #expect(try await cloud.ec2.describeLaunchTemplate(id: templateId, name: nil).defaultVersion == 3, "the backup model is the default again")
    }

    @Test("a replacement interrupted mid-way (continuation lost, as after a worker crash) is finished by a new attempt")
    func interruptedReplacement() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let name = cloud.seed["autoScalingGroupName"]!
        let runner = StepRunner(cloud.provider, settings: cloud.settings(), options: .init(lockInstances: true))
        for step in [StepName.validate, .createImage, .createModels] { #expect(try await runner.run(step).isSuccess) }
        // Two checks, then the worker "crashes": the lock is on, one batch replaced.
        let partial = try await runner.run(.replaceInstances, maxPolls: 1)
        guard case .inProgress = partial else {
            Issue.record("expected the replacement to be under way: \(partial)")
            return
        }
        var group = try await cloud.autoScaling.describeGroup(name)
        #expect(group.tags["hangar:lock"]?.hasPrefix(runner.deploymentId.uuidString.lowercased()) == true)
        #expect(!group.suspendedProcesses.isEmpty)
        // The scheduler dispatches a new attempt from poll 0 without the continuation.
        let finished = try await runner.run(.replaceInstances)
        #expect(finished.isSuccess, "\(finished)")
        group = try await cloud.autoScaling.describeGroup(name)
        let images = try await cloud.ec2.describeInstances(ids: group.instances.map(\.id)).map(\.imageId)
        #expect(Set(images) == [runner.outputs.withLock { $0["imageId"] }])
        #expect(group.suspendedProcesses.isEmpty && group.instances.allSatisfy { !$0.protectedFromScaleIn })
        #expect(group.tags["hangar:lock"] == nil)
    }

    @Test("keep users connected drains each batch before replacing it; a server already stopped stays stopped")
    func drainAndStoppedServer() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let preparation = cloud.seed["preparationInstanceId"]!
        try await cloud.ec2.stopInstances([preparation])
        let runner = StepRunner(
            cloud.provider, settings: cloud.settings(["drainSeconds": 1, "minHealthyPercentage": 50]),
            options: .init(stopPreparationServer: true), mode: .keepUsersConnected)
        #expect(try await runner.run(.validate).isSuccess)
        #expect(try await runner.run(.stopPreparationServer).outputs["preparationServerStopped"] == "false")
        for step in [StepName.createImage, .createModels] { #expect(try await runner.run(step).isSuccess) }
        let started = ContinuousClock.now
        let replaced = try await runner.run(.replaceInstances)
        #expect(replaced.isSuccess, "\(replaced)")
        #expect(replaced.outputs["replacement"] == "rolling", "draining needs the rolling replacement")
        let drains = runner.allLines.filter {
            $0.hasPrefix("the instance group has no load balancer target group: tagged ") && $0.contains("hangar:draining; replacing them in 1 s")
        }
        #expect(drains.count == 3, "3 instances at 50 %: batches of 1 → 3 drains (\(drains))")
        #expect(ContinuousClock.now - started >= .seconds(3), "each batch drained for 1 s")
        #expect(try await runner.run(.finalize).isSuccess)
        #expect(try await cloud.ec2.describeInstance(preparation).state == "stopped", "left as it was")
    }

    @Test("keep users connected behind a load balancer: each batch leaves the target group before it is replaced")
    func drainFromTargetGroup() async throws {
        let cloud = try await MotoCloud(targetGroup: true)
        defer { cloud.moto.stop() }
        let targetGroup = try #require(cloud.seed["targetGroupArn"])
        let group = try await cloud.autoScaling.describeGroup(cloud.seed["autoScalingGroupName"]!)
        #expect(group.targetGroupARNs == [targetGroup])
        let before = group.instances.map(\.id)
        #expect(try await cloud.loadBalancing.targetStates(targetGroup, instanceIds: before).values.allSatisfy { $0 != "unused" })
        let runner = StepRunner(
            cloud.provider, settings: cloud.settings(["drainSeconds": 30, "minHealthyPercentage": 50]), mode: .keepUsersConnected)
        for step in [StepName.validate, .createImage, .createModels] { #expect(try await runner.run(step).isSuccess) }
        let started = ContinuousClock.now
        let replaced = try await runner.run(.replaceInstances)
        #expect(replaced.isSuccess, "\(replaced)")
        #expect(ContinuousClock.now - started < .seconds(30), "drained as soon as the targets were no longer draining, not after drainSeconds")

        let lines = runner.allLines
        for id in before {
            let left = try #require(lines.firstIndex { $0.hasPrefix("deregistered \(id) from target group test-tg") }, "\(lines)")
            let drained = try #require(lines.firstIndex(of: "\(id) drained: no connection left through the load balancer"))
            let replacing = try #require(lines.firstIndex { $0.hasPrefix("replacing \(id) ") })
            #expect(left < drained && drained < replacing, "out of the target group, drained, then replaced")
        }
        #expect(!lines.contains { $0.contains("no load balancer") })
        // The new instances are in the target group (moto registers a group's instances as they launch).
        let now = try await cloud.autoScaling.describeGroup(cloud.seed["autoScalingGroupName"]!).instances.map(\.id)
        #expect(Set(now).isDisjoint(with: before))
        #expect(try await cloud.loadBalancing.targetStates(targetGroup, instanceIds: now).values.allSatisfy { $0 != "unused" })
    }

    @Test("a gateway's HTML 503 in front of the endpoint is tried again: two pass unseen, three fail the call as retriable")
    func gatewayErrorsAreRetried() async throws {
        let cloud = try await MotoCloud(instances: 1)
        defer { cloud.moto.stop() }
        func ec2(through proxy: MotoProxy) -> EC2 {
            let environment = proxy.environment
            return EC2(
                client: AWSQueryClient(
                    configuration: AWSClientConfiguration(
                        region: "us-east-1", endpointOverride: URL(string: proxy.endpoint),
                        credentials: { () throws(AWSError) in try AWSCredentials.resolve(environment: environment) }),
                    logger: MotoCloud.logger))
        }
        let twice = try await MotoProxy(upstream: cloud.moto, gatewayErrors: 2)
        defer { twice.stop() }
        let instances = try await ec2(through: twice).describeInstances(ids: [cloud.seed["preparationInstanceId"]!])
        #expect(instances.count == 1, "the third try of the call got moto's answer")

        let thrice = try await MotoProxy(upstream: cloud.moto, gatewayErrors: 3)
        defer { thrice.stop() }
        do {
            _ = try await ec2(through: thrice).describeInstances(ids: [cloud.seed["preparationInstanceId"]!])
            Issue.record("three gateway errors in a row should fail the call (3 tries in all)")
        } catch {
            #expect(error.code == .server && error.isRetriable && error.httpStatus == 503, "\(error)")
        }
    }

    @Test("keep users connected: a batch still draining is waited for, and replaced when drainSeconds run out, saying so")
    func drainWaitsThenGivesUp() async throws {
        let cloud = try await MotoCloud(instances: 2, targetGroup: true)
        defer { cloud.moto.stop() }
        // The first batch drains for 2 health checks; the second never finishes within 1 s.
        let proxy = try await MotoProxy(upstream: cloud.moto, drainingChecks: 2)
        defer { proxy.stop() }
        let provider = AWSProvider(environment: proxy.environment, logger: MotoCloud.logger)
        let runner = StepRunner(
            provider, settings: cloud.settings(["drainSeconds": 20, "minHealthyPercentage": 50]), mode: .keepUsersConnected)
        for step in [StepName.validate, .createImage, .createModels] { #expect(try await runner.run(step).isSuccess) }
        #expect(try await runner.run(.replaceInstances).isSuccess)
        let lines = runner.allLines
        let waits = lines.filter { $0.hasPrefix("draining ") && $0.hasSuffix("still has connections") }
        #expect(waits.count >= 2, "the step waited while the targets were draining: \(lines)")
        #expect(lines.filter { $0.hasSuffix("drained: no connection left through the load balancer") }.count == 2, "\(lines)")

        let slow = try await MotoCloud(instances: 1, targetGroup: true)
        defer { slow.moto.stop() }
        let stuck = try await MotoProxy(upstream: slow.moto, drainingChecks: 1000)
        defer { stuck.stop() }
        let slowRunner = StepRunner(
            AWSProvider(environment: stuck.environment, logger: MotoCloud.logger),
            settings: slow.settings(["drainSeconds": 1, "minHealthyPercentage": 0]), mode: .keepUsersConnected)
        for step in [StepName.validate, .createImage, .createModels] { #expect(try await slowRunner.run(step).isSuccess) }
        #expect(try await slowRunner.run(.replaceInstances).isSuccess)
        #expect(
            slowRunner.allLines.contains { $0.hasPrefix("1 s passed: replacing i-") && $0.hasSuffix("still has connections") },
            "\(slowRunner.allLines)")
    }

    @Test("request reconnection: the request reaches every instance through Run Command, then users get their minutes")
    func reconnectionNotice() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let runner = StepRunner(cloud.provider, settings: cloud.settings(), mode: .requestReconnection)
        for step in [StepName.validate, .createImage, .createModels] { #expect(try await runner.run(step).isSuccess) }
        var command = runner.command(.replaceInstances)
        command.reconnection = Reconnection(minutes: 5, message: "Please save your work, it's time")
        let before = try await cloud.autoScaling.describeGroup(cloud.seed["autoScalingGroupName"]!).instances.map(\.id)
        let reported = Mutex<[String]>([])

        // The first run sends the request and waits for the deliveries.
        let sending = try await cloud.provider.execute(command) { line in reported.withLock { $0.append(line) } }
        guard case .inProgress(let sent, _, let sendingDetail) = sending else {
            Issue.record("expected a wait for the deliveries: \(sending)")
            return
        }
        #expect(sendingDetail?.contains("sending the reconnection request to 3 instances") == true)
        let commands = try await cloud.systemsManager.commands(onInstance: before[0])
        #expect(commands.count == 1)
        let notice = try #require(commands.first)
        // moto 5.2.1 adds every instance of the region to a command sent without `Targets`, so
        // its record can only show that the group's instances are among them; the step's own
        // lines below show it asked for those three.
        #expect(Set(before).isSubset(of: notice.instanceIds), "sent to every instance of the group")
        #expect(notice.documentName == "AWS-RunShellScript")
        #expect(
            notice.parameters["commands"] == [
                "wall 'web: Please save your work, it'\\''s time (this server is being replaced: please reconnect within 5 minutes)'"
            ],
            "the message and the minutes, quoted for sh: \(notice.parameters)")

        // A run again from the start (its continuation lost) follows that command, sends no second one.
        _ = try await cloud.provider.execute(command) { _ in }
        #expect(try await cloud.systemsManager.commands(onInstance: before[0]).count == 1)

        // The next check finds every delivery done: one line per instance, then the users' minutes.
        command.poll = 1
        command.continuation = sent
        let outcome = try await cloud.provider.execute(command) { line in reported.withLock { $0.append(line) } }
        guard case .inProgress(let continuation, let checkAfter, let detail) = outcome else {
            Issue.record("expected a wait: \(outcome)")
            return
        }
        #expect(checkAfter > .seconds(290) && checkAfter <= .seconds(300))
        #expect(detail?.contains("users were asked to reconnect") == true)
        #expect(continuation.objectValue?["phase"] == "notice")
        let lines = reported.withLock { $0 }
        for id in before { #expect(lines.contains("reconnection request delivered to \(id)"), "\(lines)") }
        #expect(lines.filter { $0.hasPrefix("reconnection request ") }.count == 3, "one line per instance of the group")
        #expect(lines.contains { $0.hasPrefix("users were asked to reconnect on 3 of 3 instances") })
        let after = try await cloud.autoScaling.describeGroup(cloud.seed["autoScalingGroupName"]!).instances.map(\.id)
        #expect(after == before, "nothing replaced yet")
    }

    @Test("request reconnection: an instance the command could not reach is named, with the reason; the others are told")
    func reconnectionNotDelivered() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let group = try await cloud.autoScaling.describeGroup(cloud.seed["autoScalingGroupName"]!).instances.map(\.id)
        let proxy = try await MotoProxy(upstream: cloud.moto, unreachableInstances: [group[1]])
        defer { proxy.stop() }
        let provider = AWSProvider(environment: proxy.environment, logger: MotoCloud.logger)
        let runner = StepRunner(provider, settings: cloud.settings(), mode: .requestReconnection)
        for step in [StepName.validate, .createImage, .createModels] { #expect(try await runner.run(step).isSuccess) }
        var command = runner.command(.replaceInstances)
        command.reconnection = Reconnection(minutes: 1, message: "Please save your work")
        let reported = Mutex<[String]>([])
        var outcome = try await provider.execute(command) { line in reported.withLock { $0.append(line) } }
        while case .inProgress(let continuation, _, let detail) = outcome, detail?.hasPrefix("sending") == true {
            command.poll += 1
            command.continuation = continuation
            outcome = try await provider.execute(command) { line in reported.withLock { $0.append(line) } }
        }
        guard case .inProgress(_, let checkAfter, let detail) = outcome else {
            Issue.record("expected the users' minute: \(outcome)")
            return
        }
        #expect(checkAfter > .seconds(50) && checkAfter <= .seconds(60))
        #expect(detail?.contains("users were asked to reconnect") == true)
        let lines = reported.withLock { $0 }
        #expect(lines.contains("reconnection request delivered to \(group[0])"))
        #expect(lines.contains("reconnection request not delivered to \(group[1]): Failed: wall: cannot open terminals"), "\(lines)")
        #expect(lines.contains("reconnection request delivered to \(group[2])"))
        #expect(lines.contains { $0.hasPrefix("users were asked to reconnect on 2 of 3 instances") })
    }

    @Test("terminate sessions: ended through Run Command on the preparation server before it stops and on the group before replacing")
    func terminateSessions() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let preparation = cloud.seed["preparationInstanceId"]!
        let group = try await cloud.autoScaling.describeGroup(cloud.seed["autoScalingGroupName"]!).instances.map(\.id)
        let runner = StepRunner(
            cloud.provider, settings: cloud.settings(["replacement": "rolling", "minHealthyPercentage": 50]),
            options: .init(stopPreparationServer: true, terminateSessions: true))
        #expect(try await runner.run(.validate).isSuccess)
        #expect(try await runner.run(.stopPreparationServer).outputs["preparationServerStopped"] == "true")
        let onServer = try await cloud.systemsManager.commands(onInstance: preparation).filter { $0.comment?.contains("end sessions") == true }
        #expect(onServer.count == 1)
        #expect(onServer.first?.parameters["commands"]?.first?.contains("loginctl terminate-session") == true)
        for step in [StepName.createImage, .createModels, .replaceInstances] { #expect(try await runner.run(step).isSuccess) }

        let lines = runner.allLines
        let ended = try #require(lines.firstIndex(of: "user sessions ended on \(preparation)"))
        let stopping = try #require(lines.firstIndex(of: "stopping the preparation server"))
        #expect(ended < stopping, "sessions ended before the server stops")
        let groupCommands = try await cloud.systemsManager.commands(onInstance: group[0])
            .filter { $0.comment == "hangar end sessions replace_instances \(runner.deploymentId.uuidString.lowercased())" }
        #expect(groupCommands.count == 1, "one command for the group, however many checks the step took")
        let lastEnded = try #require(group.compactMap { lines.lastIndex(of: "user sessions ended on \($0)") }.max())
        #expect(group.allSatisfy { lines.contains("user sessions ended on \($0)") }, "\(lines)")
        let firstReplacing = try #require(lines.firstIndex { $0.hasPrefix("replacing i-") })
        #expect(lastEnded < firstReplacing, "every session ended before the first instance is replaced")
    }

    @Test("release frees the group and the servers, remembering them; run again it finishes what is left; resume brings it all back")
    func releaseAndResume() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let name = cloud.seed["autoScalingGroupName"]!
        let preparation = cloud.seed["preparationInstanceId"]!
        let support = cloud.seed["supportInstanceId"]!
        try await cloud.ec2.stopInstances([support])  // stopped before: stays stopped after resume
        let before = try await cloud.autoScaling.describeGroup(name)
        #expect(before.desiredCapacity == 3)

        let released = try await cloud.provider.perform(.release, of: cloud.target)
        #expect(released.first == "scaled instance group \(name) from 3 to 0 instances (minimum 0 to 0)", "\(released)")
        #expect(released.contains { $0.hasPrefix("stopped preparation server") && $0.contains(preparation) })
        #expect(released.contains { $0.contains(support) && $0.hasSuffix("was stopped already; it stays so") })
        var group = try await cloud.autoScaling.describeGroup(name)
        #expect(group.desiredCapacity == 0 && group.minSize == 0)
        #expect(group.tags["hangar:released"] == "min=0;desired=3;servers=\(preparation)")
        #expect(try await cloud.ec2.describeInstance(preparation).state == "stopped")
        let listedReleased = try await cloud.provider.servers(of: cloud.target)
        #expect(!listedReleased.contains { $0.role == .instance && $0.status == "running" }, "nothing of the group runs: \(listedReleased)")

        // Run again (its answer lost): what it remembered stays the first run's, nothing is done twice.
        let again = try await cloud.provider.perform(.release, of: cloud.target)
        #expect(again.first == "instance group \(name) is at 0 instances", "\(again)")
        #expect(!again.contains { $0.hasPrefix("stopped ") })
        #expect(try await cloud.autoScaling.describeGroup(name).tags["hangar:released"] == "min=0;desired=3;servers=\(preparation)")

        let resumeAsked = Date()
        let resumed = try await cloud.provider.perform(.resume, of: cloud.target)
        #expect(resumed.first == "scaled instance group \(name) back to 3 instances (minimum 0)", "\(resumed)")
        #expect(resumed.contains { $0.hasPrefix("started preparation server") && $0.contains(preparation) })
        group = try await cloud.autoScaling.describeGroup(name)
        #expect(group.desiredCapacity == 3 && group.tags["hangar:released"] == nil)
        #expect(try await cloud.ec2.describeInstance(preparation).state == "running")
        #expect(try await cloud.ec2.describeInstance(support).state == "stopped", "a server stopped before the release stays stopped")
        // The group's instances are new ones, launched by the resume: their cost counts from it.
        let relaunched = try await cloud.provider.servers(of: cloud.target).filter { $0.role == .instance }
        #expect(relaunched.count == 3)
        #expect(relaunched.allSatisfy { ($0.launchedAt ?? .distantPast) >= resumeAsked.addingTimeInterval(-1) }, "\(relaunched)")
        #expect(try await cloud.provider.perform(.resume, of: cloud.target).first?.contains("nothing to restore") == true)
    }

    @Test("servers: the preparation server and support servers by tag; start, stop, restart")
    func servers() async throws {
        let cloud = try await MotoCloud()
        defer { cloud.moto.stop() }
        let listed = try await cloud.provider.servers(of: cloud.target)
        let servers = listed.filter { $0.role != .instance }
        #expect(servers.map(\.role) == [.preparation, .support])
        // The group's instances follow, as EC2 describes them (type and launch time price them).
        let group = try await cloud.autoScaling.describeGroup(cloud.target.settings["autoScalingGroupName"]?.stringValue ?? "")
        let instances = listed.filter { $0.role == .instance }
        #expect(instances.map(\.id) == group.instances.map(\.id).sorted() && !instances.isEmpty, "\(listed)")
        #expect(instances.allSatisfy { $0.instanceType != nil && $0.launchedAt != nil && $0.status == "running" }, "\(instances)")
        await #expect(throws: ProviderUnsupportedError.self, "the group starts and stops its instances") {
            try await cloud.provider.perform(.stop, on: instances[0].id, of: cloud.target)
        }
        #expect(servers[0].id == cloud.seed["preparationInstanceId"])
        #expect(servers[0].name == "test-preparation")
        #expect(servers[0].status == "running")
        #expect(servers[0].privateIP != nil)
        #expect(servers[1].id == cloud.seed["supportInstanceId"])
        let stopped = try await cloud.provider.perform(.stop, on: servers[1].id, of: cloud.target)
        #expect(stopped.status == "stopped" || stopped.status == "stopping")
        let started = try await cloud.provider.perform(.restart, on: servers[1].id, of: cloud.target)
        #expect(started.status == "running" || started.status == "pending")
        await #expect(throws: AWSError.self) { try await cloud.provider.perform(.stop, on: "i-0123456789abcdef0", of: cloud.target) }
    }
}

@Suite("AWS provider settings and model bookkeeping")
struct AWSSettingsTests {
    @Test("old model versions: the newest kept, never the main or backup one")
    func versionsToDelete() {
        #expect(AWSStep.versionsToDelete([1, 2, 3, 4], keep: 3, main: 4, backup: 3) == [1])
        #expect(AWSStep.versionsToDelete([1, 2, 3, 4, 5, 6], keep: 2, main: 6, backup: 2) == [1, 3, 4, 5])
        #expect(AWSStep.versionsToDelete([1, 2], keep: 5, main: 2, backup: 1) == [])
        #expect(AWSStep.backupVersion(in: "7.1 image ami-1 hangar:abc backup=12") == 12)
    }

    @Test("every bad field is named")
    func problems() {
        #expect {
            try AWSSettings(settings: ["preparationInstanceId": "web-1", "minHealthyPercentage": 150, "replacement": "fast", "colour": "red"])
        } throws: { error in
            let fields = Set((error as! AWSSettingsError).problems.map(\.field))
            return fields == [
                "region", "preparationInstanceId", "launchTemplateId", "autoScalingGroupName", "minHealthyPercentage", "replacement", "colour",
            ]
        }
        // A number far beyond Int's range is a bad field, not a crash (the API fuzzer found it).
        #expect {
            try AWSSettings(settings: [
                "region": "us-east-1", "preparationInstanceId": "i-0abc", "launchTemplateId": "lt-1", "autoScalingGroupName": "g",
                "warmupSeconds": .number(3.1e21), "drainSeconds": .number(-.infinity),
            ])
        } throws: { error in
            Set((error as! AWSSettingsError).problems.map(\.field)) == ["warmupSeconds", "drainSeconds"]
        }
    }

    @Test("a support server tag without a key is a bad field, not a crash; an empty value is kept")
    func supportServerTagWithoutKey() throws {
        let base: [String: JSONValue] = [
            "region": "eu-west-1", "preparationInstanceId": "i-1", "launchTemplateName": "web", "autoScalingGroupName": "web",
        ]
        for tag in ["=", "=support", " =x"] {
            var settings = base
            settings["supportServerTag"] = .string(tag)
            #expect("\(tag)") {
                try AWSSettings(settings: settings)
            } throws: { error in
                (error as! AWSSettingsError).problems.map(\.field) == ["supportServerTag"]
            }
        }
        var settings = base
        settings["supportServerTag"] = "role="
        let parsed = try AWSSettings(settings: settings)
        #expect(parsed.supportServerTag?.key == "role" && parsed.supportServerTag?.value == "")
        settings["supportServerTag"] = "role"
        #expect(try AWSSettings(settings: settings).supportServerTag.map { [$0.key, $0.value ?? "nil"] } == ["role", "nil"])
    }

    @Test("defaults")
    func defaults() throws {
        let settings = try AWSSettings(settings: [
            "region": "eu-west-1", "preparationInstanceId": "i-1", "launchTemplateName": "web", "autoScalingGroupName": "web",
            "supportServerTag": "role=support",
        ])
        #expect(settings.keepModelVersions == 5)
        #expect(settings.replacement == .auto)
        #expect(settings.minHealthyPercentage == 90)
        #expect(settings.supportServerTag?.key == "role" && settings.supportServerTag?.value == "support")
    }
}

@Suite("AWS reconnection request settings")
struct AWSNoticeSettingsTests {
    private let base: [String: JSONValue] = [
        "region": "eu-west-1", "preparationInstanceId": "i-1", "launchTemplateId": "lt-1", "autoScalingGroupName": "g",
    ]

    @Test("the request is one quoted argument for sh, whatever the message holds")
    func linuxQuoting() throws {
        let settings = try AWSSettings(settings: base)
        #expect(settings.runCommandDocument == "AWS-RunShellScript")
        #expect(settings.noticeCommand(text: "it's $(reboot) `id`\nbye") == #"wall 'it'\''s $(reboot) `id` bye'"#)
    }

    @Test("windows: PowerShell single quotes, curly ones too; a custom document and command")
    func windowsQuoting() throws {
        var settings = base
        settings["platform"] = "windows"
        let windows = try AWSSettings(settings: settings)
        #expect(windows.runCommandDocument == "AWS-RunPowerShellScript")
        #expect(windows.noticeCommand(text: "don\u{2019}t $env:PATH 'x'") == "msg * 'don''t $env:PATH ''x'''")
        settings["runCommandDocument"] = "Company-Notify"
        settings["noticeCommand"] = "notify --all {text}"
        let custom = try AWSSettings(settings: settings)
        #expect(custom.runCommandDocument == "Company-Notify")
        #expect(custom.noticeCommand(text: "hi") == "notify --all 'hi'")
    }

    @Test("bad notice settings are named")
    func badSettings() {
        var settings = base
        settings["platform"] = "beos"
        settings["noticeCommand"] = "wall hello"
        settings["runCommandTimeoutSeconds"] = 5
        #expect {
            try AWSSettings(settings: settings)
        } throws: { error in
            let fields = (error as? AWSSettingsError)?.problems.map(\.field) ?? []
            return fields == ["platform", "noticeCommand", "runCommandTimeoutSeconds"]
        }
    }
}
