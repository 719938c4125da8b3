import Foundation
import HangarContracts

/// An environment of the catalog: what deployments publish to.
public struct EnvironmentResource: Codable, Sendable, Equatable {
    public enum Lifecycle: String, Codable, Sendable {
        case activated, suspended, released
    }

    /// Per-environment limits.
    public struct Limits: Codable, Sendable, Equatable {
        /// `requestReconnection` publishes allowed per calendar month (UTC).
        public var reconnectionsPerMonth: Int

        public init(reconnectionsPerMonth: Int = 4) {
            self.reconnectionsPerMonth = reconnectionsPerMonth
        }
    }

    public var id: UUID
    public var name: String
    public var description: String
    /// `simulated` or `aws`.
    public var provider: String
    /// The provider's target settings (for `simulated`: durations, polls, failures).
    public var target: [String: JSONValue]
    public var instanceType: String?
    public var region: String?
    public var port: Int?
    public var startCommand: String?
    public var maxInstances: Int?
    public var limits: Limits
    /// Which events notify and the webhooks that receive them; `nil`: the notifier's default
    /// events and no webhooks.
    public var notifications: EnvironmentNotifications?
    public var lifecycle: Lifecycle
    public var createdAt: Date
    public var updatedAt: Date
    /// When ``lifecycle`` last changed, and who changed it (absent until the first change).
    public var lifecycleChangedAt: Date?
    public var lifecycleChangedBy: String?
    /// When it last stopped running (was suspended or released); while activated it runs now.
    public var lastRunningAt: Date?
    /// What the provider did at the last release, or resume of a release, one line each.
    public var lifecycleReport: [String]?
}
