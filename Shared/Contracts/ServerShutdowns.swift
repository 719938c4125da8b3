import Foundation

/// `server.shutdown.schedule`: intake asks the scheduler to stop a server at a time (``at``),
/// or, with ``at`` `nil`, not to. The scheduler keeps the newest request per server (by
/// ``requestedAt``), fires it on its durable timers under the timer lease (so once with
/// several replicas), asks a worker to stop the server, and publishes each turn as a
/// ``ServerShutdownEvent``.
public struct ScheduleServerShutdown: Codable, Sendable, Equatable {
    /// The AMQP `type` and routing key (on `hangar.commands`).
    public static let messageType = "server.shutdown.schedule"

    /// The environment the server belongs to.
    @LowercaseID public var environmentId: UUID
    /// The environment's name, for events and emails.
    public var environmentName: String
    /// The provider's id of the server.
    public var serverId: String
    /// The server's name for people, as the provider reported it when the stop was scheduled.
    public var serverName: String
    /// When to stop it; `nil` cancels the scheduled stop.
    public var at: Date?
    /// Who asked (a token's name).
    public var requestedBy: String
    /// When intake took the request: of two requests for one server, the later wins, whatever
    /// order they arrive in.
    public var requestedAt: Date
    /// Email addresses told when the server was stopped, or could not be.
    public var notify: [String]
    /// The environment's provider and settings, handed to the worker that stops the server.
    public var target: ProviderTarget

    /// Creates a request; `at` `nil` cancels.
    public init(
        environmentId: UUID, environmentName: String, serverId: String, serverName: String, at: Date?, requestedBy: String,
        requestedAt: Date, notify: [String] = [], target: ProviderTarget
    ) {
        self.environmentId = environmentId
        self.environmentName = environmentName
        self.serverId = serverId
        self.serverName = serverName
        self.at = at
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.notify = notify
        self.target = target
    }

    /// The message id intake publishes it under: one per server and request time.
    public var messageId: String {
        "shutdown-\(environmentId.lowercasedString)-\(serverId)-\(requestedAt.epochMilliseconds)"
    }
}

/// `server.shutdown.<status>`: the scheduler reports a turn in a scheduled server stop (on
/// `hangar.events`). The recorder keeps them as the environment's shutdown history, the
/// notifier emails ``notify`` when the server was stopped or could not be, intake streams them.
public struct ServerShutdownEvent: Codable, Sendable, Equatable {
    /// What happened.
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// The scheduler took the stop (or its new time).
        case scheduled
        /// The stop was cancelled (by an operator, or the environment was released or deleted).
        case cancelled
        /// A worker stopped the server.
        case stopped
        /// An attempt failed (no worker answered in time, or the provider failed); it is tried again at ``retryAt``.
        case failed
        /// The stop cannot be carried out (the server is gone, or the provider cannot stop it): it is given up.
        case dropped
    }

    /// The AMQP `type` and routing key prefix: `server.shutdown.<status>`.
    public static let typePrefix = "server.shutdown."

    /// What happened.
    public var status: Status
    /// The environment the server belongs to.
    @LowercaseID public var environmentId: UUID
    /// The environment's name.
    public var environmentName: String
    /// The provider's id of the server.
    public var serverId: String
    /// The server's name for people.
    public var serverName: String
    /// When the server is (or was) to be stopped.
    public var dueAt: Date?
    /// Who scheduled (or cancelled) it.
    public var requestedBy: String
    /// When that request was taken: it identifies the schedule the event is about.
    public var requestedAt: Date
    /// Attempts made so far (0 before the first).
    public var attempt: Int
    /// What went wrong, for `failed` and `dropped`.
    public var error: String?
    /// For `failed`: when the next attempt is due.
    public var retryAt: Date?
    /// For `stopped`: the server's state as the provider reported it afterwards.
    public var serverStatus: String?
    /// The worker that answered, if one did.
    public var worker: String?
    /// Email addresses to tell (from the schedule).
    public var notify: [String]
    /// When it happened.
    public var at: Date

    /// Creates an event.
    public init(
        status: Status, environmentId: UUID, environmentName: String, serverId: String, serverName: String, dueAt: Date?,
        requestedBy: String, requestedAt: Date, attempt: Int = 0, error: String? = nil, retryAt: Date? = nil,
        serverStatus: String? = nil, worker: String? = nil, notify: [String] = [], at: Date
    ) {
        self.status = status
        self.environmentId = environmentId
        self.environmentName = environmentName
        self.serverId = serverId
        self.serverName = serverName
        self.dueAt = dueAt
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.attempt = attempt
        self.error = error
        self.retryAt = retryAt
        self.serverStatus = serverStatus
        self.worker = worker
        self.notify = notify
        self.at = at
    }

    /// `server.shutdown.<status>`.
    public var messageType: String { Self.typePrefix + status.rawValue }

    /// The message id the scheduler publishes it under: one per schedule, status and attempt,
    /// so a republish is dropped downstream.
    public var messageId: String {
        "shutdown-\(environmentId.lowercasedString)-\(serverId)-\(requestedAt.epochMilliseconds)-\(status.rawValue)-\(attempt)"
    }
}
