import Foundation

/// A message to publish: body and the AMQP basic properties Hangar uses.
public struct Message: Sendable, Equatable {
    /// The payload.
    public var body: [UInt8]
    /// MIME type of the body, for example `application/json`.
    public var contentType: String?
    /// Unique id of this message; consumers deduplicate on it. Default: a random UUID.
    public var messageId: String
    /// Ties the message to a conversation (in Hangar: the deployment id).
    public var correlationId: String?
    /// The message's type (in Hangar: `deployment.submit`, `step.succeeded`, …).
    public var type: String?
    /// Application headers.
    public var headers: [String: FieldValue]
    /// Persistent (delivery mode 2) messages survive a broker restart. Default: `true`.
    public var persistent: Bool
    /// When the message was created (seconds precision on the wire).
    public var timestamp: Date?
    /// The publishing application.
    public var appId: String?
    /// Where a reply goes (a queue name, published to through the default exchange).
    public var replyTo: String?
    /// Per-message time to live in milliseconds, as the decimal string AMQP wants
    /// (`"30000"`): the broker drops (or dead-letters) it when it expires in a queue.
    public var expiration: String?

    /// Builds a message to publish. By default it is persistent, its id is a new lowercase UUID, and the
    /// other properties are unset.
    public init(
        body: [UInt8],
        contentType: String? = nil,
        messageId: String = UUID().uuidString.lowercased(),
        correlationId: String? = nil,
        type: String? = nil,
        headers: [String: FieldValue] = [:],
        persistent: Bool = true,
        timestamp: Date? = nil,
        appId: String? = nil,
        replyTo: String? = nil,
        expiration: String? = nil
    ) {
        self.body = body
        self.contentType = contentType
        self.messageId = messageId
        self.correlationId = correlationId
        self.type = type
        self.headers = headers
        self.persistent = persistent
        self.timestamp = timestamp
        self.appId = appId
        self.replyTo = replyTo
        self.expiration = expiration
    }
}
