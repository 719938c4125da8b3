import AWSClient
import AsyncHTTPClient
import Foundation
import HangarContracts
import HangarProviders
import Logging

/// The `aws` provider: EC2 and Auto Scaling through their Query APIs.
///
/// preparation server = an EC2 instance, image = an AMI, models = versions of a launch
/// template (main = the new default, backup = the previous default), instance group = an Auto
/// Scaling group, replacement = an instance refresh or, where that is unavailable, a rolling
/// replacement in batches. What each step does is told in ``AWSStep``.
///
/// The environment's settings are ``AWSSettings``. Credentials and the endpoint are the
/// worker's: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` or the profile
/// `AWS_PROFILE` of `~/.aws/credentials`, and `HANGAR_AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL`)
/// to talk to an emulator. They are read on each step, never put in messages or logs.
public struct AWSProvider: Provider {
    /// The name environments use for it.
    public static let name = "aws"

    private let environment: [String: String]
    private let httpClient: HTTPClient
    private let logger: Logger

    /// - Parameter environment: where credentials and the endpoint override are read from.
    public init(environment: [String: String], httpClient: HTTPClient = .shared, logger: Logger) {
        self.environment = environment
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Checks that `settings` are valid `aws` settings without calling AWS; throws ``AWSSettingsError`` with every problem.
    public func validate(settings: [String: JSONValue]) throws {
        _ = try AWSSettings(settings: settings)
    }

    /// The clients for `settings.region`.
    func clients(_ settings: AWSSettings) -> (ec2: EC2, autoScaling: AutoScaling, systemsManager: SystemsManager, loadBalancing: LoadBalancing) {
        let environment = self.environment
        let configuration = AWSClientConfiguration(
            region: settings.region, endpointOverride: AWSClientConfiguration.endpointOverride(environment: environment),
            credentials: { () throws(AWSError) in try AWSCredentials.resolve(environment: environment) })
        let client = AWSQueryClient(configuration: configuration, httpClient: httpClient, logger: logger)
        return (EC2(client: client), AutoScaling(client: client), SystemsManager(client: client), LoadBalancing(client: client))
    }

    /// Runs the command's step against AWS with clients for the settings' region (see ``AWSStep``). Invalid settings fail
    /// the step permanently; an ``AWSError`` fails it, transiently when it is retriable; other errors are thrown.
    public func execute(_ command: ExecuteStep, progress: @escaping @Sendable (String) async -> Void) async throws -> StepOutcome {
        let settings: AWSSettings
        do {
            settings = try AWSSettings(settings: command.target.settings)
        } catch {
            return .failed(error: error.description, transient: false)
        }
        var logger = self.logger
        logger[metadataKey: "deployment.id"] = "\(command.deploymentId)"
        logger[metadataKey: "step.name"] = "\(command.step.rawValue)"
        let (ec2, autoScaling, systemsManager, loadBalancing) = clients(settings)
        let step = AWSStep(
            command: command, settings: settings, ec2: ec2, autoScaling: autoScaling, systemsManager: systemsManager,
            loadBalancing: loadBalancing, progress: progress, logger: logger)
        do {
            return try await step.run()
        } catch let error as AWSError {
            logger.info("aws.step.error", metadata: ["error": "\(error)"])
            return .failed(error: error.description, transient: error.isRetriable)
        }
    }

    /// The preparation server (with the state of the newest image made from it); when `supportServerTag` is set, the
    /// support servers with that tag that are pending, running, stopping or stopped; then the Auto Scaling group's instances.
    public func servers(of target: ProviderTarget) async throws -> [ServerInfo] {
        let settings = try AWSSettings(settings: target.settings)
        let (ec2, autoScaling, _, _) = clients(settings)
        let servers = AWSServers(settings: settings, ec2: ec2, autoScaling: autoScaling)
        return try await servers.list() + servers.groupInstances()
    }

    /// Release: records the group's minimum size, desired capacity and running servers in its `hangar:released` tag, scales
    /// the group to 0 and stops those servers. Resume: restores the group's size, starts the servers the release stopped and
    /// removes the tag. Answers one line per group or server.
    public func perform(_ action: EnvironmentCloudAction, of target: ProviderTarget) async throws -> [String] {
        let settings = try AWSSettings(settings: target.settings)
        let (ec2, autoScaling, _, _) = clients(settings)
        let release = AWSRelease(settings: settings, ec2: ec2, autoScaling: autoScaling)
        switch action {
        case .release: return try await release.release()
        case .resume: return try await release.resume()
        }
    }

    /// Starts, stops or restarts the preparation server or a support server through EC2 (restart reboots a running server and
    /// starts any other) and answers how it stands right after. An instance of the Auto Scaling group is refused with
    /// ``ProviderUnsupportedError``: the group starts and stops its instances. Any other unknown id throws a `NotFound`
    /// ``AWSError``.
    public func perform(_ action: ServerAction, on serverId: String, of target: ProviderTarget) async throws -> ServerInfo {
        let settings = try AWSSettings(settings: target.settings)
        let (ec2, autoScaling, _, _) = clients(settings)
        return try await AWSServers(settings: settings, ec2: ec2, autoScaling: autoScaling).perform(action, on: serverId)
    }
}
