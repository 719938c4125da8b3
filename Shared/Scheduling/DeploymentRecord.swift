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
    /// The steps as their events told them (see ``DeploymentStepSummary``).
    var steps: [DeploymentStepSummary] = []
    /// The JSON columns as read, so an update that left them alone writes them back as they
    /// were instead of encoding them again.
    var storedOutputs: (value: [String: String], json: String)?
    var storedSteps: (value: [DeploymentStepSummary], json: String?)?
    /// The changeable columns as the row has them (read, inserted or last updated in this
    /// transaction), so that an update writes only what changed; `nil`: unknown, all are written.
    var storedColumns: DeploymentColumns?
    /// The trace the deployment's messages join (a W3C `traceparent`); `nil` when tracing was off.
    var traceParent: String?
    /// Once it has waited for approval: where that stands. While it waits its status stays
    /// `running` here (it holds its environment) with no dispatch, and an `approval` timer.
    var approval: ApprovalState?
    /// Once a failed health gate paused its rollout: where that stands. While it waits its
    /// status stays `running` here with no dispatch, and a `pause` timer.
    var pause: PauseState?

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

    /// Whether this `requestReconnection` deployment counts against its environment's monthly
    /// quota: one still to run or running does (it may yet reach users); one that ended counts
    /// only if its request may have reached someone: not when it was rejected, ended before
    /// `replace_instances` started, or its provider reported the request delivered to no
    /// instance (`reconnectionDelivered` 0). One that failed while replacing counts (the
    /// request may have gone out before the failure).
    var usesReconnectionQuota: Bool {
        switch status {
        case .rejected: return false
        case .succeeded, .failed, .cancelled, .rolledBack:
            if outputs["reconnectionDelivered"] == "0" { return false }
            return steps.contains { $0.name == .replaceInstances && ($0.startedAt != nil || $0.status != .pending) }
        default: return true
        }
    }

    /// Whether its rollout is paused by a failed health gate now.
    var pausedNow: Bool { holdsForDecision && pause.map { $0.decision == nil } ?? false }

    /// Whether it waits for a decision on its approval now.
    var awaitsApproval: Bool { holdsForDecision && approval.map { $0.decision == nil } ?? false }

    /// Running with nothing dispatched and not ending: how a deployment holds its environment
    /// while it waits for someone's decision.
    private var holdsForDecision: Bool { status == .running && dispatchId == nil && pendingEnd == nil }

    /// The lifecycle event for the record's current status, or for `status` when given (a
    /// deployment waiting for approval is `running` to the scheduler).
    func event(at: Date, reason: String? = nil, failedStep: StepName? = nil, status announced: DeploymentStatus? = nil) -> HangarMessage {
        let status = announced ?? status
        return .deploymentEvent(
            DeploymentEvent(
                status: status, deploymentId: id, environmentId: environmentId,
                environmentName: request.environmentName, version: request.version, owner: request.owner, at: at,
                createdAt: request.createdAt, scheduledAt: request.scheduledAt, mode: request.mode,
                options: request.options, notify: request.notify, reason: reason, failedStep: failedStep,
                outputs: status == .succeeded ? outputs : nil, notifyEvents: request.notifyEvents, webhooks: request.webhooks,
                steps: [.succeeded, .failed, .cancelled, .rolledBack].contains(status)
                    ? steps.map { $0.closed(by: status, failedStep: failedStep, reason: reason, at: at) } : nil,
                rollback: request.rollback, approval: approval, pause: pause))
    }
}

/// A timer: start a scheduled deployment, dispatch a step (a retry or a check on a
/// waiting step), check the lease of a running step's dispatch, or reject a deployment
/// nobody approved in time.
struct TimerRecord: Sendable {
    enum Kind: String, Sendable { case start, dispatch, lease, approval, pause }

    struct Dispatch: Codable, Sendable {
        var step: StepName
        var attempt: Int
        var poll: Int
        var continuation: JSONValue?
        /// A lease timer: the dispatch whose lease it checks.
        var dispatchId: UUID?
    }

    var id: String
    var deploymentId: UUID
    var kind: Kind
    var dueAt: Date
    var dispatch: Dispatch?
}

/// How a deployment that is ending early will end, kept while its cleanup `finalize` runs.
/// It lives in the record's outputs (under `hangar.end.*`), which are stored with the record.
struct PendingEnd: Sendable, Equatable {
    var status: DeploymentStatus
    var reason: String?
    var failedStep: StepName?
}

extension DeploymentRecord {
    private static let statusKey = "hangar.end.status"
    private static let reasonKey = "hangar.end.reason"
    private static let failedStepKey = "hangar.end.failedStep"

    /// Set while the cleanup `finalize` of a deployment ending early runs.
    var pendingEnd: PendingEnd? {
        get {
            guard let status = outputs[Self.statusKey].flatMap(DeploymentStatus.init(rawValue:)) else { return nil }
            return PendingEnd(
                status: status, reason: outputs[Self.reasonKey], failedStep: outputs[Self.failedStepKey].flatMap(StepName.init(rawValue:)))
        }
        set {
            outputs[Self.statusKey] = newValue?.status.rawValue
            outputs[Self.reasonKey] = newValue?.reason
            outputs[Self.failedStepKey] = newValue?.failedStep?.rawValue
        }
    }

    /// A deployment ending early runs `finalize` to undo what it left behind once it got past
    /// `validate` (locks, a stopped preparation server, a new default model), unless that is
    /// what failed.
    var needsCleanup: Bool {
        guard status == .running, pendingEnd == nil, let step = currentStep else { return false }
        return step != .validate && step != .finalize
    }
}
