import Foundation

/// What a deployment of kind `rollback` returns to: a release of the same environment that
/// succeeded earlier, its launch model and image, and the deployment whose version runs now.
///
/// Intake works it out from the history when a rollback is asked for
/// (`POST /v1/environments/{env}/rollbacks`) and puts it on the submission; the scheduler
/// carries it on every step command and lifecycle event of the deployment. A rollback makes
/// no image and leaves the preparation server alone: its `stop_preparation_server` and
/// `create_image` steps are skipped (``ExecuteStep/rollbackSkipReason``), `create_models`
/// makes ``modelVersion`` the default model again, and `replace_instances` replaces the
/// instances with it.
public struct RollbackOf: Codable, Sendable, Equatable {
    /// The release returned to.
    @LowercaseID public var deploymentId: UUID
    /// Its version (its `generatedVersion`).
    public var version: String
    /// Its main model version (a launch template version on `aws`), made the default again.
    public var modelVersion: String
    /// The image that model launches, when the release recorded one.
    public var imageId: String?
    /// The deployment whose version runs now: the one rolled back from.
    @LowercaseID public var fromDeploymentId: UUID
    /// Its version.
    public var fromVersion: String
    /// Its main model version, kept as the backup model while the rollback runs.
    public var fromModelVersion: String

    /// Creates what a rollback returns to.
    public init(
        deploymentId: UUID, version: String, modelVersion: String, imageId: String?, fromDeploymentId: UUID, fromVersion: String,
        fromModelVersion: String
    ) {
        self.deploymentId = deploymentId
        self.version = version
        self.modelVersion = modelVersion
        self.imageId = imageId
        self.fromDeploymentId = fromDeploymentId
        self.fromVersion = fromVersion
        self.fromModelVersion = fromModelVersion
    }
}

extension RollbackOf {
    /// The `finalize` line of a rollback, the same on every provider: "publishing version 1.0
    /// again, rolled back from version 2.0".
    public var publishingLine: String { "publishing version \(version) again, rolled back from version \(fromVersion)" }
}

/// What a deployment does: publish a new version, or return to an earlier one.
public enum DeploymentKind: String, Codable, Sendable, CaseIterable {
    /// A new version: an image of the preparation server, new models, new instances.
    case release
    /// An earlier version again (``RollbackOf``): its model made the default, the instances replaced with it.
    case rollback
}

extension ExecuteStep {
    /// The kind of deployment the step belongs to.
    public var kind: DeploymentKind { rollback == nil ? .release : .rollback }

    /// Why the step is skipped without asking the provider, or `nil` when the provider runs
    /// it: a rollback neither stops the preparation server nor images it (it reuses the
    /// image of the release it returns to).
    public var rollbackSkipReason: String? {
        guard let rollback, cleanup == nil else { return nil }
        switch step {
        case .stopPreparationServer:
            return "a rollback leaves the preparation server as it is"
        case .createImage:
            let image = rollback.imageId.map { "image \($0)" } ?? "the image"
            return "a rollback makes no image: it returns to \(image) of version \(rollback.version)"
        default:
            return nil
        }
    }
}

/// A ``DeploymentKind`` that reads as `release` when its key is missing (what was written
/// before deployments had a kind), and is always written.
@propertyWrapper
public struct ReleaseByDefault: Codable, Sendable, Hashable {
    /// The kind.
    public var wrappedValue: DeploymentKind

    /// Wraps `wrappedValue`.
    public init(wrappedValue: DeploymentKind) {
        self.wrappedValue = wrappedValue
    }

    /// Reads the kind's word.
    public init(from decoder: any Decoder) throws {
        wrappedValue = try decoder.singleValueContainer().decode(DeploymentKind.self)
    }

    /// Writes the kind's word.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

extension KeyedDecodingContainer {
    /// A missing key reads as `release`.
    public func decode(_ type: ReleaseByDefault.Type, forKey key: Key) throws -> ReleaseByDefault {
        try decodeIfPresent(type, forKey: key) ?? ReleaseByDefault(wrappedValue: .release)
    }
}
