import Foundation
import HangarContracts

/// An environment of the catalog: what deployments publish to.
public struct EnvironmentResource: Codable, Sendable, Equatable {
    /// Whether the environment takes deployments. `activated` does. `suspended` refuses them and changes the catalog only.
    /// `released` refuses them too, and its instance group was scaled to 0 and its servers stopped. Admins change it
    /// with the suspend, resume and release actions.
    public enum Lifecycle: String, Codable, Sendable {
        case activated, suspended, released
    }

    /// Per-environment limits.
    public struct Limits: Codable, Sendable, Equatable {
        /// `requestReconnection` publishes allowed per calendar month (UTC).
        public var reconnectionsPerMonth: Int

        /// Creates limits; 4 reconnection requests a month unless given.
        public init(reconnectionsPerMonth: Int = 4) {
            self.reconnectionsPerMonth = reconnectionsPerMonth
        }
    }

    /// The environment's id, a UUID v7 made when it was created; paths accept it or the name.
    @LowercaseID public var id: UUID
    /// The environment's unique name (lowercase letters, digits and dashes, at most 63), used in paths and shown everywhere.
    public var name: String
    /// Free text for people, at most 500 characters; empty when none was given.
    public var description: String
    /// `simulated` or `aws`.
    public var provider: String
    /// The provider's target settings (for `simulated`: durations, polls, failures).
    public var target: [String: JSONValue]
    /// The instance type its servers run on, such as `t3.large`; the cost report prices a server by it when the server names none.
    public var instanceType: String?
    /// The cloud region, such as `us-east-1`; the cost report uses it before the target's `region` and the price table's default.
    public var region: String?
    /// The application's port (1–65535), as the admin recorded it; the catalog keeps it, no provider uses it.
    public var port: Int?
    /// The command that starts the application, as the admin recorded it (at most 1000 characters); no provider uses it.
    public var startCommand: String?
    /// The most instances the environment should run (1–10000), as the admin recorded it; no provider uses it.
    public var maxInstances: Int?
    /// Per-environment limits, checked when a deployment is submitted.
    public var limits: Limits
    /// Which events notify and the webhooks that receive them; `nil`: the notifier's default
    /// events and no webhooks.
    public var notifications: EnvironmentNotifications?
    /// Whether its deployments must be approved before they replace the instances, by whom
    /// and how soon; `nil`: no approval.
    public var approval: ApprovalSettings?
    /// How its deployments replace the instances: batch by batch, each health-gated; `nil`:
    /// the provider's usual replacement.
    public var replacement: ReplacementSettings?
    /// Whether the environment takes deployments: `activated` when created.
    public var lifecycle: Lifecycle
    /// When the environment was created.
    public var createdAt: Date
    /// When the environment was last edited or its lifecycle last changed.
    public var updatedAt: Date
    /// When ``lifecycle`` last changed, and who changed it (absent until the first change).
    public var lifecycleChangedAt: Date?
    /// The name of the token that last changed ``lifecycle``.
    public var lifecycleChangedBy: String?
    /// When it last stopped running (was suspended or released); while activated it runs now.
    public var lastRunningAt: Date?
    /// What the provider did at the last release, or resume of a release, one line each.
    public var lifecycleReport: [String]?
}
