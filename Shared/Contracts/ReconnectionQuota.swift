import Foundation

/// `quota.query`: intake asks the scheduler, before it accepts a `requestReconnection`
/// deployment, whether the environment's monthly reconnection quota has room. The scheduler
/// alone counts the quota (the same count it rejects a submission over); intake only maps its
/// answer to the HTTP response. Published to `hangar.commands` with `reply_to` = the asker's
/// reply queue and `correlation_id` = ``requestId``; not durable work: the scheduler drops a
/// question that reached it after ``expiresAt``.
public struct ReconnectionQuotaQuery: Codable, Sendable, Equatable {
    /// The AMQP `type` and routing key.
    public static let messageType = "quota.query"

    /// Names the question; the answer carries it back.
    @LowercaseID public var requestId: UUID
    /// The environment whose quota is asked about.
    @LowercaseID public var environmentId: UUID
    /// The environment's monthly limit (`limits.reconnectionsPerMonth`).
    public var limit: Int
    /// When the asker gives up waiting.
    public var expiresAt: Date

    /// Creates a question.
    public init(requestId: UUID = UUID(), environmentId: UUID, limit: Int, expiresAt: Date) {
        self.requestId = requestId
        self.environmentId = environmentId
        self.limit = limit
        self.expiresAt = expiresAt
    }
}

/// `quota.reply`: the scheduler's answer to a ``ReconnectionQuotaQuery``, to its `reply_to`.
public struct ReconnectionQuotaReply: Codable, Sendable, Equatable {
    /// The AMQP `type` of an answer.
    public static let messageType = "quota.reply"

    /// The ``ReconnectionQuotaQuery/requestId`` it answers.
    @LowercaseID public var requestId: UUID
    /// Requests of the month that count against the quota.
    public var used: Int
    /// The limit it was counted against.
    public var limit: Int
    /// Why another request would be rejected; `nil` when the quota has room.
    public var refusal: String?

    /// Creates an answer.
    public init(requestId: UUID, used: Int, limit: Int, refusal: String?) {
        self.requestId = requestId
        self.used = used
        self.limit = limit
        self.refusal = refusal
    }
}
