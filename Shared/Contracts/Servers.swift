import Foundation

/// What a server is for in an environment.
public enum ServerRole: String, Codable, Sendable, CaseIterable {
    /// The server a new version is prepared on and imaged from.
    case preparation
    /// A server the environment needs beside its instance group (license, file, database…).
    case support
    /// An instance of the environment's instance group: listed (for its state, its cost and to
    /// connect to it) but started, stopped and replaced by the group, never by a server action.
    case instance
}

/// What an operator can ask of a server.
public enum ServerAction: String, Codable, Sendable, CaseIterable {
    /// Starts a stopped server.
    case start
    /// Stops a running server.
    case stop
    /// Reboots a running server, or starts one that is not running.
    case restart
}

/// What releasing an environment, or resuming a released one, asks of its provider.
public enum EnvironmentCloudAction: String, Codable, Sendable, CaseIterable {
    /// Free what the environment runs: its instance group scaled to zero, its preparation and
    /// support servers stopped, and what they were remembered.
    case release
    /// Bring back what a release freed: the group's capacity, the servers that were running.
    case resume
}

/// A server as the environment's provider reports it.
public struct ServerInfo: Codable, Sendable, Equatable {
    /// The provider's id for it (an EC2 instance id for `aws`).
    public var id: String
    /// The server's name for people: on `aws` its `Name` tag, or its id when it has none.
    public var name: String
    /// What the server is for in the environment.
    public var role: ServerRole
    /// The provider's state word: `pending`, `running`, `stopping`, `stopped`…
    public var status: String
    /// Its public IP address, if it has one.
    public var publicIP: String?
    /// Its private IP address, if known.
    public var privateIP: String?
    /// Platform or image description (for example "Linux/UNIX", "Windows").
    public var platform: String?
    /// Its machine size, for example the EC2 instance type `t3.large`.
    public var instanceType: String?
    /// For the preparation server: the state of the newest image made from it, if any.
    public var imageStatus: String?
    /// When it was last launched or started, as the provider reports it.
    public var launchedAt: Date?
    /// An instance of the group: the launch model version it was launched from (a launch
    /// template version on `aws`), when the provider knows it; `nil` for other servers.
    public var modelVersion: String?
    /// An instance of the group: its health as the group sees it (`healthy`, `unhealthy`),
    /// when the provider reports it; `nil` for other servers.
    public var health: String?
    /// A stop planned for later (the preparation server's scheduled shutdown). Intake adds it
    /// from its schedule when it lists servers; providers never set it.
    public var scheduledShutdown: ScheduledShutdown?

    /// Creates a server as a provider reports it. ``scheduledShutdown`` starts `nil`; intake sets it.
    public init(
        id: String, name: String, role: ServerRole, status: String, publicIP: String? = nil, privateIP: String? = nil,
        platform: String? = nil, instanceType: String? = nil, imageStatus: String? = nil, launchedAt: Date? = nil,
        modelVersion: String? = nil, health: String? = nil
    ) {
        self.modelVersion = modelVersion
        self.health = health
        self.id = id
        self.name = name
        self.role = role
        self.status = status
        self.publicIP = publicIP
        self.privateIP = privateIP
        self.platform = platform
        self.instanceType = instanceType
        self.imageStatus = imageStatus
        self.launchedAt = launchedAt
    }
}

/// A server's stop planned for a time: the scheduler keeps the schedule and, when it is due,
/// asks a worker to stop the server, trying again until one confirms.
public struct ScheduledShutdown: Codable, Sendable, Equatable {
    /// When the server is to be stopped.
    public var at: Date
    /// Who scheduled it (a token's name).
    public var requestedBy: String
    /// When it was scheduled.
    public var requestedAt: Date
    /// Attempts to stop it that failed (no worker answered, the provider failed) and the last
    /// one's error; the schedule stays until a worker has stopped the server.
    public var failedAttempts: Int
    /// The error of the last failed attempt; `nil` until one fails.
    public var lastError: String?

    /// Creates a planned stop; by default no attempt has failed yet.
    public init(at: Date, requestedBy: String, requestedAt: Date, failedAttempts: Int = 0, lastError: String? = nil) {
        self.at = at
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
        self.failedAttempts = failedAttempts
        self.lastError = lastError
    }
}

/// A question about an environment's servers that intake asks the workers over the broker
/// (request/reply): list them (`server.query`) or act on one (`server.action`). Published to
/// `hangar.commands`; the AMQP `reply_to` names the asker's reply queue and the
/// `correlation_id` is ``requestId``. Not durable work: a request that waited past
/// ``expiresAt`` is dropped unanswered (the asker has given up by then).
public struct ServerRequest: Codable, Sendable, Equatable {
    /// The AMQP `type` (and routing key) of a listing.
    public static let queryType = "server.query"
    /// The AMQP `type` (and routing key) of an action.
    public static let actionType = "server.action"

    /// Names the request. It is sent as the AMQP `correlation_id`, and the reply carries it back.
    @LowercaseID public var requestId: UUID
    /// The environment whose servers are asked about.
    @LowercaseID public var environmentId: UUID
    /// The environment's name, for the worker's logs.
    public var environmentName: String
    /// The environment's provider and settings (with its id), which the worker hands to that provider.
    public var target: ProviderTarget
    /// `nil`: list the servers.
    public var action: ServerAction?
    /// The server acted on (with ``action``).
    public var serverId: String?
    /// Release or resume the whole environment (instead of ``action`` on one server).
    public var environmentAction: EnvironmentCloudAction?
    /// Who asked (a token's name), for the logs.
    public var requestedBy: String
    /// When the asker gives up waiting. A worker drops a request that reaches it after this time.
    public var expiresAt: Date
    /// The durable queue to answer to when the asker is a service that does not wait for the
    /// reply (the scheduler, carrying out a scheduled stop); `nil`: the AMQP `reply_to`.
    public var replyQueue: String?

    /// Creates a request. With neither `action` nor `environmentAction` it asks for the list of servers.
    public init(
        requestId: UUID = UUID(), environmentId: UUID, environmentName: String, target: ProviderTarget, action: ServerAction? = nil,
        serverId: String? = nil, environmentAction: EnvironmentCloudAction? = nil, requestedBy: String, expiresAt: Date,
        replyQueue: String? = nil
    ) {
        self.replyQueue = replyQueue
        self.requestId = requestId
        self.environmentId = environmentId
        self.environmentName = environmentName
        self.target = target
        self.action = action
        self.serverId = serverId
        self.environmentAction = environmentAction
        self.requestedBy = requestedBy
        self.expiresAt = expiresAt
    }

    /// ``queryType`` for a listing (neither ``action`` nor ``environmentAction`` set), else ``actionType``.
    public var messageType: String { action == nil && environmentAction == nil ? Self.queryType : Self.actionType }
}

/// A worker's answer to a ``ServerRequest`` (`server.reply`, to the request's `reply_to`).
public struct ServerReply: Codable, Sendable, Equatable {
    /// The AMQP `type` of a reply.
    public static let type = "server.reply"

    /// The AMQP message id of the reply to `requestId`: a consumer that deduplicates drops a second copy.
    public static func messageId(answering requestId: UUID) -> String { "server-reply-\(requestId.lowercasedString)" }

    /// Why a request could not be answered with servers.
    public enum Failure: String, Codable, Sendable {
        /// The provider cannot list or act on servers.
        case unsupported
        /// No server of the environment has that id.
        case notFound
        /// The provider failed (the cloud refused, timed out…).
        case failed
    }

    /// The ``ServerRequest/requestId`` it answers.
    @LowercaseID public var requestId: UUID
    /// The servers (for an action: the one acted on, as it stands afterwards).
    public var servers: [ServerInfo]
    /// Why the request could not be answered; `nil` when it was.
    public var failure: Failure?
    /// The error message that goes with ``failure``.
    public var error: String?
    /// The worker that answered.
    public var worker: String
    /// For a release or resume: what the provider did, one line each.
    public var lines: [String]?

    /// Creates a reply: servers (or lines) when the provider answered, a failure and its error when not.
    public init(
        requestId: UUID, servers: [ServerInfo] = [], failure: Failure? = nil, error: String? = nil, worker: String, lines: [String]? = nil
    ) {
        self.requestId = requestId
        self.servers = servers
        self.lines = lines
        self.failure = failure
        self.error = error
        self.worker = worker
    }
}
