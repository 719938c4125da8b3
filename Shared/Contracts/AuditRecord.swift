import Foundation

/// `audit.record` (scheduler → intake): an entry for the audit log that no HTTP request made,
/// such as a recurring schedule submitting a deployment. Intake consumes them from
/// `hangar.audit` and keeps each once (by ``id``).
public struct AuditRecord: Codable, Sendable, Equatable {
    /// The AMQP `type` and routing key.
    public static let messageType = "audit.record"

    /// The entry's id: a UUIDv7 of when it was made (the log's order), the same however often it is sent.
    @LowercaseID public var id: UUID
    /// When it happened.
    public var at: Date
    /// Who did it, for example `schedule:<id>`.
    public var actor: String
    /// What, for example `deployment.submit` or `schedule.misfire`.
    public var action: String
    /// The kind of actor, written where an HTTP entry has its method: `SCHEDULE`.
    public var method: String
    /// The API path of what acted (the schedule's).
    public var path: String
    /// The environment's name.
    public var environment: String?
    /// What it acted on (the deployment).
    public var target: String?
    /// Ties the entry to its cause (the run's time).
    public var requestId: String
    /// What an HTTP answer would have said: 202 for a deployment submitted, 204 for runs skipped.
    public var status: Int
    /// What happened, in words.
    public var summary: [String]

    /// Creates a record.
    public init(
        id: UUID, at: Date, actor: String, action: String, method: String, path: String, environment: String?, target: String?,
        requestId: String, status: Int, summary: [String]
    ) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.method = method
        self.path = path
        self.environment = environment
        self.target = target
        self.requestId = requestId
        self.status = status
        self.summary = summary
    }
}
