import AWSClient
import Foundation
import HangarAWSProvider
import HangarContracts
import HangarHarness
import HangarProviders
import Logging
import Synchronization

/// A seeded moto and the provider and clients pointed at it.
struct MotoCloud {
    let moto: MotoServer
    /// In front of moto when asked: the provider's calls go through it.
    let proxy: MotoProxy?
    let seed: [String: String]
    let provider: AWSProvider
    let ec2: EC2
    let autoScaling: AutoScaling
    let systemsManager: SystemsManager
    let loadBalancing: LoadBalancing

    static let logger = Logger(label: "hangar.test.aws")

    /// - Parameter emulateInstanceRefresh: the provider talks to moto through `deploy/moto/proxy.py`,
    ///   which answers the instance refresh calls moto lacks.
    init(
        name: String = "test", instances: Int = 3, versions: Int = 3, emulateInstanceRefresh: Bool = false, targetGroup: Bool = false,
        refreshRollback: Bool = false
    ) async throws {
        moto = try await MotoServer()
        proxy = emulateInstanceRefresh ? try await MotoProxy(upstream: moto, instanceRefresh: true, refreshRollback: refreshRollback) : nil
        seed = try moto.seed(name: name, instances: instances, versions: versions, targetGroup: targetGroup)
        provider = AWSProvider(environment: proxy?.environment ?? moto.environment, logger: Self.logger)
        let environment = moto.environment
        let client = AWSQueryClient(
            configuration: AWSClientConfiguration(
                region: "us-east-1", endpointOverride: URL(string: moto.endpoint),
                credentials: { () throws(AWSError) in try AWSCredentials.resolve(environment: environment) }),
            logger: Self.logger)
        ec2 = EC2(client: client)
        autoScaling = AutoScaling(client: client)
        systemsManager = SystemsManager(client: client)
        loadBalancing = LoadBalancing(client: client)
    }

    /// The environment's target settings, with `extra` added.
    func settings(_ extra: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var settings: [String: JSONValue] = [
            "region": .string(seed["region"]!), "preparationInstanceId": .string(seed["preparationInstanceId"]!),
            "launchTemplateId": .string(seed["launchTemplateId"]!), "autoScalingGroupName": .string(seed["autoScalingGroupName"]!),
            "supportServerTag": .string(seed["supportServerTag"]!), "checkAfterSeconds": 0.1, "warmupSeconds": 0,
            "keepModelVersions": 3,
        ]
        settings.merge(extra) { _, new in new }
        return settings
    }

    var target: ProviderTarget { ProviderTarget(provider: AWSProvider.name, settings: settings()) }
}

/// Runs the steps of one deployment through the provider the way the scheduler would:
/// checks again on `inProgress` (with the continuation and poll + 1) and passes the outputs on.
final class StepRunner: Sendable {
    let provider: AWSProvider
    let settings: [String: JSONValue]
    let deploymentId: UUID
    let options: DeploymentOptions
    let mode: PublishMode
    let version: String?
    let replacement: ReplacementPolicy?
    let outputs = Mutex<[String: String]>([:])
    let lines = Mutex<[String]>([])

    init(
        _ provider: AWSProvider, settings: [String: JSONValue], deploymentId: UUID = UUID(), options: DeploymentOptions = .init(),
        mode: PublishMode = .optimized, version: String? = nil, replacement: ReplacementPolicy? = nil
    ) {
        self.replacement = replacement
        self.provider = provider
        self.settings = settings
        self.deploymentId = deploymentId
        self.options = options
        self.mode = mode
        self.version = version
    }

    func command(_ step: StepName, poll: Int = 0, continuation: JSONValue? = nil, cleanup: String? = nil) -> ExecuteStep {
        ExecuteStep(
            deploymentId: deploymentId, environmentId: UUID(), environmentName: "web", version: version, step: step, attempt: 1,
            dispatchId: UUID(), target: ProviderTarget(provider: "aws", settings: settings), options: options, mode: mode,
            outputs: outputs.withLock { $0 }, continuation: continuation, poll: poll, cleanup: cleanup,
            replacement: step == .replaceInstances ? replacement : nil)
    }

    /// Runs `step` to its end (at most `maxPolls` checks) and answers the final outcome.
    @discardableResult
    func run(_ step: StepName, maxPolls: Int = 200, cleanup: String? = nil) async throws -> StepOutcome {
        var poll = 0
        var continuation: JSONValue?
        while true {
            let outcome = try await provider.execute(command(step, poll: poll, continuation: continuation, cleanup: cleanup)) { line in
                self.lines.withLock { $0.append(line) }
            }
            switch outcome {
            case .inProgress(let next, let after, let detail):
                if let detail { lines.withLock { $0.append(detail) } }
                poll += 1
                if poll > maxPolls { return outcome }
                continuation = next
                try await Task.sleep(for: min(after, .milliseconds(200)))
            case .succeeded(let produced, _):
                outputs.withLock { $0.merge(produced) { _, new in new } }
                return outcome
            default:
                return outcome
            }
        }
    }

    var allLines: [String] { lines.withLock { $0 } }
}

extension StepOutcome {
    var isSuccess: Bool { if case .succeeded = self { true } else { false } }
    var outputs: [String: String] { if case .succeeded(let outputs, _) = self { outputs } else { [:] } }
    var failure: String? { if case .failed(let error, _) = self { error } else { nil } }
}
