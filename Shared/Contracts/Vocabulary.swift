import Foundation

/// The steps of a deployment, in the order they run.
public enum StepName: String, Codable, Sendable, CaseIterable, Hashable {
    case validate
    case stopPreparationServer = "stop_preparation_server"
    case createImage = "create_image"
    case createModels = "create_models"
    case replaceInstances = "replace_instances"
    case finalize

    /// The step after this one, or `nil` after `finalize`.
    public var next: StepName? {
        let all = StepName.allCases
        let index = all.firstIndex(of: self)!
        return index + 1 < all.count ? all[index + 1] : nil
    }

    /// Position in the pipeline, from 0.
    public var position: Int { StepName.allCases.firstIndex(of: self)! }
}

/// Where a step stands.
public enum StepStatus: String, Codable, Sendable, CaseIterable {
    case pending, running, succeeded, failed, skipped, cancelled

    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .skipped || self == .cancelled }
}

/// Where a deployment stands.
public enum DeploymentStatus: String, Codable, Sendable, CaseIterable {
    /// Waiting for its `scheduledAt`.
    case scheduled
    /// Due, waiting for its environment to be free.
    case queued
    case running
    case succeeded
    case failed
    case cancelled
    /// Refused by the scheduler (for example over the reconnection quota).
    case rejected

    public var isTerminal: Bool { [.succeeded, .failed, .cancelled, .rejected].contains(self) }
}

/// How instances are replaced.
public enum PublishMode: String, Codable, Sendable, CaseIterable {
    case optimized
    case standard
    case keepUsersConnected
    case requestReconnection
}

/// Options chosen when publishing.
public struct DeploymentOptions: Codable, Sendable, Equatable {
    /// Protect the instance group from scale-in and suspend scaling while deploying.
    public var lockInstances: Bool
    /// Stop the preparation server while its image is created (and start it again after).
    public var stopPreparationServer: Bool
    /// End the users' sessions on replaced instances.
    public var terminateSessions: Bool

    public init(lockInstances: Bool = false, stopPreparationServer: Bool = false, terminateSessions: Bool = false) {
        self.lockInstances = lockInstances
        self.stopPreparationServer = stopPreparationServer
        self.terminateSessions = terminateSessions
    }
}

/// The notice users get before a `requestReconnection` publish replaces their instance.
public struct Reconnection: Codable, Sendable, Equatable {
    public var minutes: Int
    public var message: String

    public init(minutes: Int, message: String) {
        self.minutes = minutes
        self.message = message
    }
}

/// A snapshot of what a deployment acts on: the provider and its target settings
/// (for `simulated`: step durations and failures; for `aws`: instance, template, group).
public struct ProviderTarget: Codable, Sendable, Equatable {
    public var provider: String
    public var settings: [String: JSONValue]
    /// The environment the target belongs to, when the sender knows it (server requests
    /// carry it, so a provider can tell environments with equal settings apart).
    public var environmentId: UUID?

    public init(provider: String, settings: [String: JSONValue] = [:], environmentId: UUID? = nil) {
        self.provider = provider
        self.settings = settings
        self.environmentId = environmentId
    }
}
