import Foundation
import HangarContracts

/// The scheduler's view of one deployment: a row of `scheduler_deployments`.
struct DeploymentRecord: Sendable {
    var id: UUID
    var environmentId: UUID
    var status: DeploymentStatus
    var request: SubmitDeployment
    var sequence: Int64
    /// The step being run (or waited on), with its attempt and poll.
    var currentStep: StepName?
    var attempt: Int
    var poll: Int
    /// The dispatch in flight; `nil` while waiting on a timer.
    var dispatchId: UUID?
    var dispatchedAt: Date?
    var lastHeardAt: Date?
    var outputs: [String: String]
    var cancelRequested: Bool
    var cancelledBy: String?
    var startedAt: Date?
    var finishedAt: Date?
    var reason: String?

    init(request: SubmitDeployment, status: DeploymentStatus, sequence: Int64) {
        self.id = request.deploymentId
        self.environmentId = request.environmentId
        self.status = status
        self.request = request
        self.sequence = sequence
        self.attempt = 0
        self.poll = 0
        self.outputs = [:]
        self.cancelRequested = false
    }

    /// The lifecycle event for the record's current status.
    func event(at: Date, reason: String? = nil, failedStep: StepName? = nil) -> HangarMessage {
        .deploymentEvent(
            DeploymentEvent(
                status: status, deploymentId: id, environmentId: environmentId,
                environmentName: request.environmentName, version: request.version, owner: request.owner, at: at,
                createdAt: request.createdAt, scheduledAt: request.scheduledAt, mode: request.mode,
                options: request.options, notify: request.notify, reason: reason, failedStep: failedStep,
                outputs: status == .succeeded ? outputs : nil, notifyEvents: request.notifyEvents, webhooks: request.webhooks))
    }
}

/// A timer: start a scheduled deployment, or dispatch a step (a retry or a check on a
/// waiting step).
struct TimerRecord: Sendable {
    enum Kind: String, Sendable { case start, dispatch }

    struct Dispatch: Codable, Sendable {
        var step: StepName
        var attempt: Int
        var poll: Int
        var continuation: JSONValue?
    }

    var id: String
    var deploymentId: UUID
    var kind: Kind
    var dueAt: Date
    var dispatch: Dispatch?
}

