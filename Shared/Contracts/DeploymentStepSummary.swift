import Foundation

/// One step of a deployment as its events told it: status, start, end, attempts, last error.
/// The scheduler keeps one per step from the step events it applies and sends them in a
/// finished deployment's event; the notifier's summary emails show them.
public struct DeploymentStepSummary: Codable, Sendable, Equatable {
    /// Which step of the pipeline this is.
    public var name: StepName
    /// Where the step stands, as its events (and the deployment's end) moved it.
    public var status: StepStatus
    /// When the step started: the earliest time its events tell of; `nil` if it never started.
    public var startedAt: Date?
    /// When the step ended; `nil` while it is open.
    public var finishedAt: Date?
    /// The highest attempt number its events named; 0 before any event.
    public var attempts: Int
    /// The last failure's message, transient failures included. When the deployment failed on this step without an
    /// error from it, the deployment's reason.
    public var error: String?

    /// Creates a step summary. A step no event has touched yet is `pending`, with no times and 0 attempts.
    public init(name: StepName, status: StepStatus, startedAt: Date? = nil, finishedAt: Date? = nil, attempts: Int = 0, error: String? = nil) {
        self.name = name
        self.status = status
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.attempts = attempts
        self.error = error
    }

    /// This step after `event` (of this step): a step that ended stays as it ended; a
    /// transient failure leaves it running with its error.
    public func applying(_ event: StepEvent) -> DeploymentStepSummary {
        var step = self
        step.attempts = max(step.attempts, event.attempt)
        let open = !step.status.isTerminal
        let startedAt = [step.startedAt, event.startedAt, event.kind == .started || event.kind == .progress ? event.at : nil]
            .compactMap { $0 }.min()
        switch event.kind {
        case .started, .progress:
            if open { step.status = .running }
            step.startedAt = startedAt ?? event.at
        case .succeeded, .skipped:
            if open {
                step.status = event.kind == .succeeded ? .succeeded : .skipped
                step.startedAt = startedAt ?? event.at
                step.finishedAt = event.at
            }
        case .failed:
            if open {
                step.error = event.error ?? "failed"
                step.startedAt = startedAt ?? event.at
                if event.transient != true && !event.pausesRollout {
                    step.status = .failed
                    step.finishedAt = event.at
                } else {
                    step.status = .running
                }
            }
        }
        return step
    }

    /// This step once its deployment ended as `status` at `at`, if it was still open: the step
    /// that failed the deployment fails, a running one (or any, on cancel) is cancelled.
    public func closed(by status: DeploymentStatus, failedStep: StepName?, reason: String?, at: Date) -> DeploymentStepSummary {
        guard !self.status.isTerminal, status.isTerminal else { return self }
        var step = self
        if (status == .failed || status == .rolledBack) && step.name == failedStep {
            step.status = .failed
            step.error = step.error ?? reason
        } else if step.status == .running || status == .cancelled {
            step.status = .cancelled
        } else {
            return self
        }
        step.finishedAt = step.finishedAt ?? at
        return step
    }
}

extension [DeploymentStepSummary] {
    /// Applies `event` to its step's summary (added if new), keeping pipeline order.
    public mutating func apply(_ event: StepEvent) {
        if let index = firstIndex(where: { $0.name == event.step }) {
            self[index] = self[index].applying(event)
        } else {
            append(DeploymentStepSummary(name: event.step, status: .pending).applying(event))
            sort { $0.name.position < $1.name.position }
        }
    }
}

extension StepEvent {
    /// What a failed health gate left (the `healthGate` output of a failed step); `nil` for
    /// any other event.
    public var healthGate: HealthGateOutcome? {
        guard kind == .failed else { return nil }
        return outputs?[HealthGateOutcome.outputKey].flatMap(HealthGateOutcome.init(rawValue:))
    }

    /// A failed health gate that paused the rollout (``HealthGateOutcome/paused``): the step
    /// stays open, as for a transient failure, until the rollout is resumed or rolled back.
    public var pausesRollout: Bool { healthGate == .paused }
}
