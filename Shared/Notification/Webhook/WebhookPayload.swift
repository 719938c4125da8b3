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
    /// The deployment the event is about: the `deployment` object of the body.
    public struct Deployment: Codable, Sendable, Equatable {
        /// The deployment's id, a lowercase UUID.
        public var id: String
        /// The name of the environment the deployment targets.
        public var environment: String
        /// The version being deployed, as requested; nil when none was given.
        public var version: String?
        /// Who requested the deployment.
        public var owner: String
        /// The deployment's status after this event: `scheduled`, `queued`, `running`, `awaiting_approval`, `paused`, `succeeded`,
        /// `failed`, `cancelled`, `rejected` or `rolled_back`.
        public var status: String
        /// The publish mode, a ``PublishMode`` raw value (`optimized`, `standard`, `keepUsersConnected`, `requestReconnection`).
        public var mode: String
        /// When the deployment was requested.
        public var createdAt: Date
        /// When the deployment is due, for a scheduled one.
        public var scheduledAt: Date?
        /// When the deployment started running, as the notifier saw it; nil before it started or when unknown.
        public var startedAt: Date?
        /// When the deployment ended: the event's time for a final status, nil otherwise.
        public var finishedAt: Date?
        /// Milliseconds from `startedAt` to `finishedAt`; nil unless both are known.
        public var durationMs: Int64?
        /// Why the deployment failed, was rejected or was cancelled.
        public var reason: String?
        /// For a failed deployment: the step that failed, a ``StepName`` raw value.
        public var failedStep: String?
        /// For a succeeded deployment: what it produced (the generated version, the image id…).
        public var outputs: [String: String]?
        /// The deployment's steps in pipeline order, as far as they are known.
        public var steps: [Step]
        /// `release` (a new version) or `rollback` (an earlier release again).
        public var kind: String
        /// For a rollback: the release it returns to and the deployment it rolls back from.
        public var rollback: RollbackOf?
        /// Once it has waited for approval: who was asked, until when, and the decision.
        public var approval: ApprovalState?
        /// Once a failed health gate paused its rollout: why, until when, and how it ended.
        public var pause: PauseState?
    }

    /// One step of the deployment in the webhook body.
    public struct Step: Codable, Sendable, Equatable {
        /// The step's name, a ``StepName`` raw value such as `create_image`.
        public var name: String
        /// Where the step stands, a ``StepStatus`` raw value (`pending`, `running`, `succeeded`, `failed`, `skipped`, `cancelled`).
        public var status: String
        /// When the step's first run started; nil if it never ran.
        public var startedAt: Date?
        /// When the step ended; nil while it is open.
        public var finishedAt: Date?
        /// Milliseconds from the step's `startedAt` to its `finishedAt`; nil unless both are known.
        public var durationMs: Int64?
        /// How many times the step was tried (the highest attempt number seen).
        public var attempts: Int
        /// The step's last error, if it failed (or failed transiently and is being retried).
        public var error: String?
    }

    /// The notification's id, `<deployment id>.<status>`: the same on every retry, so receivers deduplicate with it.
    public var id: String
    /// The event's type, such as `deployment.succeeded`; a deployment that started running is `deployment.started`.
    public var type: String
    /// When the deployment's status changed.
    public var occurredAt: Date
    /// The deployment's summary with its steps.
    public var deployment: Deployment

    /// The payload for `event`, with the steps the notifier saw.
    public init(event: DeploymentEvent, steps: [NotifiedStep], startedAt: Date?) {
        let finishedAt = event.status.isTerminal ? event.at : nil
        id = NotificationComposer.eventKey(event)
        type = event.messageType == "deployment.running" ? "deployment.started" : event.messageType
        occurredAt = event.at
        deployment = Deployment(
            id: event.deploymentId.lowercasedString, environment: event.environmentName, version: event.version, owner: event.owner,
            status: event.status == .running ? "running" : event.status.rawValue, mode: event.mode.rawValue, createdAt: event.createdAt,
            scheduledAt: event.scheduledAt, startedAt: startedAt, finishedAt: finishedAt,
            durationMs: Self.milliseconds(from: startedAt, to: finishedAt), reason: event.reason, failedStep: event.failedStep?.rawValue,
            outputs: event.outputs,
            steps: steps.map { step in
                Step(
                    name: step.name.rawValue, status: step.status.rawValue, startedAt: step.startedAt, finishedAt: step.finishedAt,
                    durationMs: Self.milliseconds(from: step.startedAt, to: step.finishedAt), attempts: step.attempts, error: step.error)
            }, kind: event.rollback == nil ? DeploymentKind.release.rawValue : DeploymentKind.rollback.rawValue, rollback: event.rollback,
            approval: event.approval, pause: event.pause)
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
