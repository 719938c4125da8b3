import Foundation
import HangarContracts

/// What reading and writing the critical path's messages costs, in this process: a step
/// command (`step.execute`, which a worker reads) with a provider target of 12 settings as an
/// AWS environment has, and a step's outcome (`step.succeeded`, which the scheduler reads)
/// with outputs, an event batch of three events (which the recorder reads) and a deployment's
/// `deployment.succeeded` with its step table (which the notifier reads), each through
/// ``ContractCodec`` as the services call it. Microseconds per
/// message, the best of five rounds of 20,000 (`--quick`: 2,000).
enum CodecCost {
    static func run(quick: Bool) throws {
        let at = Date(timeIntervalSince1970: 1_796_000_000.123)
        let settings: [String: JSONValue] = [
            "region": .string("eu-west-1"), "autoScalingGroup": .string("web-asg"), "preparationInstanceId": .string("i-0123456789abcdef0"),
            "launchTemplate": .string("web-lt"), "backupLaunchTemplate": .string("web-lt-backup"),
            "targetGroup": .string("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef"),
            "instanceType": .string("t3.micro"), "subnet": .string("subnet-0123"), "securityGroup": .string("sg-0123"),
            "keyName": .string("deploy"), "minHealthyPercentage": .number(90), "tags": .object(["team": .string("web")]),
        ]
        let command = HangarMessage.executeStep(
            ExecuteStep(
                deploymentId: UUID(), environmentId: UUID(), environmentName: "web-production", version: "2026.12.07-1",
                step: .createModels, attempt: 1, dispatchId: UUID(), target: ProviderTarget(provider: "aws", settings: settings),
                options: DeploymentOptions(lockInstances: true, stopPreparationServer: true, terminateSessions: false),
                mode: .standard, outputs: ["imageId": "ami-0123456789abcdef0", "snapshotId": "snap-0123456789abcdef0"]))
        let outcome = HangarMessage.stepEvent(
            StepEvent(
                kind: .succeeded, deploymentId: UUID(), step: .createModels, attempt: 1, dispatchId: UUID(), at: at,
                outputs: ["launchTemplateVersion": "42", "backupLaunchTemplateVersion": "41"], worker: "worker-1@host-a",
                startedAt: at.addingTimeInterval(-0.004)))
        let running = DeploymentEvent(
            status: .running, deploymentId: UUID(), environmentId: UUID(), environmentName: "web-production", version: "2026.12.07-1",
            owner: "release-bot", at: at, createdAt: at, scheduledAt: nil, mode: .standard, options: DeploymentOptions(),
            notify: ["team-web@example.com"])
        // What the recorder reads once per scheduler transaction: here, a step's outcome, the
        // next step's start and the deployment's running event.
        let batch = HangarMessage.eventBatch(
            EventBatch(items: [
                .init(messageId: "a.a1.p0.outcome", message: outcome),
                .init(
                    messageId: "b.a1.p0.started",
                    message: .stepEvent(
                        StepEvent(kind: .started, deploymentId: UUID(), step: .replaceInstances, attempt: 1, dispatchId: UUID(), at: at))),
                .init(messageId: "c-running", message: .deploymentEvent(running)),
            ]))
        // What the notifier and the recorder read at a deployment's end: its step table.
        let steps = StepName.allCases.prefix(6).enumerated().map { index, name in
            DeploymentStepSummary(
                name: name, status: .succeeded, startedAt: Date(epochMilliseconds: 1_796_000_000_123 + Int64(index) * 10),
                finishedAt: Date(epochMilliseconds: 1_796_000_000_127 + Int64(index) * 10), attempts: 1)
        }
        var succeeded = running
        succeeded.status = .succeeded
        succeeded.outputs = ["version": "2026.12.07-1", "imageId": "ami-0123456789abcdef0", "launchTemplateVersion": "42"]
        succeeded.steps = steps
        let ended = HangarMessage.deploymentEvent(succeeded)
        let rounds = quick ? 2_000 : 20_000
        var rows: [String] = []
        for message in [command, outcome, batch, ended] {
            let body = try ContractCodec.encode(message)
            let write = try best(rounds) { _ = try ContractCodec.encode(message) }
            let read = try best(rounds) {
                guard try ContractCodec.decode(type: message.type, schemaVersion: 1, body: body) == message else {
                    throw CodecMismatch(type: message.type)
                }
            }
            rows.append(String(format: "%@ (%d bytes): read %.1f µs, write %.1f µs", message.type, body.count, read, write))
        }
        print("| reading and writing a message, per message | \(rows.joined(separator: "; ")) |")
    }

    struct CodecMismatch: Error { var type: String }

    /// The fastest of five rounds of `count` calls, in microseconds per call.
    static func best(_ count: Int, _ body: () throws -> Void) rethrows -> Double {
        var fastest = Double.infinity
        for _ in 0..<5 {
            let start = ContinuousClock.now
            for _ in 0..<count { try body() }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            fastest = min(fastest, seconds * 1e6 / Double(count))
        }
        return fastest
    }
}
