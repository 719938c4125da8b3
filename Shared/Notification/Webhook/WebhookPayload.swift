import Foundation
import HangarContracts

/// The JSON body of a webhook: the event and the deployment's summary with its steps.
///
/// ```json
/// {"id": "<deployment>.succeeded", "type": "deployment.succeeded", "occurredAt": "…",
///  "deployment": {"id": "…", "environment": "web", "status": "succeeded", "steps": [...], …}}
/// ```
/// `id` is the same on every retry of the same notification: receivers deduplicate with it.
public struct WebhookPayload: Codable, Sendable, Equatable {
    public struct Deployment: Codable, Sendable, Equatable {
        public var id: String
        public var environment: String
        public var version: String?
        public var owner: String
        public var status: String
        public var mode: String
        public var createdAt: Date
        public var scheduledAt: Date?
        public var startedAt: Date?
        public var finishedAt: Date?
        public var durationMs: Int64?
        public var reason: String?
        public var failedStep: String?
        public var outputs: [String: String]?
        public var steps: [Step]
    }

    public struct Step: Codable, Sendable, Equatable {
        public var name: String
        public var status: String
        public var startedAt: Date?
        public var finishedAt: Date?
        public var durationMs: Int64?
        public var attempts: Int
        public var error: String?
    }

    public var id: String
    public var type: String
    public var occurredAt: Date
    public var deployment: Deployment

    /// The payload for `event`, with the steps the notifier saw.
    public init(event: DeploymentEvent, steps: [NotifiedStep], startedAt: Date?) {
        let finishedAt = event.status.isTerminal ? event.at : nil
        id = NotificationComposer.eventKey(event)
        type = event.messageType == "deployment.running" ? "deployment.started" : event.messageType
        occurredAt = event.at
        deployment = Deployment(
            id: event.deploymentId.uuidString.lowercased(), environment: event.environmentName, version: event.version, owner: event.owner,
            status: event.status == .running ? "running" : event.status.rawValue, mode: event.mode.rawValue, createdAt: event.createdAt,
            scheduledAt: event.scheduledAt, startedAt: startedAt, finishedAt: finishedAt,
            durationMs: Self.milliseconds(from: startedAt, to: finishedAt), reason: event.reason, failedStep: event.failedStep?.rawValue,
            outputs: event.outputs,
            steps: steps.map { step in
                Step(
                    name: step.name.rawValue, status: step.status.rawValue, startedAt: step.startedAt, finishedAt: step.finishedAt,
                    durationMs: Self.milliseconds(from: step.startedAt, to: step.finishedAt), attempts: step.attempts, error: step.error)
            })
    }

    /// The body as sent: compact JSON with sorted keys and RFC 3339 times.
    public func encoded() throws -> [UInt8] {
        Array(try HangarJSON.encoder.encode(self))
    }

    static func milliseconds(from start: Date?, to end: Date?) -> Int64? {
        guard let start, let end else { return nil }
        return max(0, end.epochMilliseconds - start.epochMilliseconds)
    }
}
