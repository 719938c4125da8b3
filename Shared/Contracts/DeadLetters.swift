import Foundation

/// An operator's decision about a kept dead letter, sent by intake to the recorder (which keeps
/// them) as the command `dead-letter.replay` or `dead-letter.purge` on `hangar.commands`.
public struct DeadLetterCommand: Codable, Sendable, Equatable {
    /// What the operator wants done with the dead letter.
    public enum Action: String, Codable, Sendable {
        /// Publish the original message to its queue again, then forget it.
        case replay
        /// Forget it.
        case purge
    }

    /// What to do with the dead letter: replay it or purge it.
    public var action: Action
    /// The dead letter's id (``DeadLetterSummary/id``).
    public var id: String
    /// The token name of the operator who asked.
    public var requestedBy: String
    /// When intake sent the command (now by default). The recorder does not use it.
    public var requestedAt: Date

    /// Creates a command about the dead letter `id`.
    public init(action: Action, id: String, requestedBy: String, requestedAt: Date = Date()) {
        self.action = action
        self.id = id
        self.requestedBy = requestedBy
        self.requestedAt = requestedAt
    }

    /// The AMQP type and routing key.
    public var messageType: String { "dead-letter.\(action.rawValue)" }
}

/// A message no consumer could process, as `GET /v1/dead-letters` lists it.
public struct DeadLetterSummary: Codable, Sendable, Equatable {
    /// Stable while it is kept; names it for replay and purge.
    public var id: String
    /// The queue it was taken from, and to which a replay publishes it again.
    public var queue: String
    /// Why it was dead-lettered.
    public var reason: String
    /// When it was dead-lettered (or, without that header, when the recorder received it).
    public var firstSeenAt: Date
    /// The AMQP `type` property, if any.
    public var messageType: String?
    /// The AMQP `message_id`.
    public var messageId: String?
    /// The deployment it concerns (the AMQP `correlation_id`), if any.
    public var deploymentId: String?
    /// How many times it was replayed before.
    public var replays: Int
    /// The start of its body, with the values of secret-looking JSON keys hidden.
    public var preview: String

    /// Creates a listing entry for one kept dead letter.
    public init(
        id: String, queue: String, reason: String, firstSeenAt: Date, messageType: String?, messageId: String?, deploymentId: String?,
        replays: Int, preview: String
    ) {
        self.id = id
        self.queue = queue
        self.reason = reason
        self.firstSeenAt = firstSeenAt
        self.messageType = messageType
        self.messageId = messageId
        self.deploymentId = deploymentId
        self.replays = replays
        self.preview = preview
    }
}

/// A page of ``DeadLetterSummary``, newest first.
public struct DeadLetterList: Codable, Sendable, Equatable {
    /// The dead letters on this page, newest first: at most the request's `limit`, optionally from one queue only.
    public var items: [DeadLetterSummary]
    /// Creates a page of dead letters.
    public init(items: [DeadLetterSummary]) { self.items = items }
}
