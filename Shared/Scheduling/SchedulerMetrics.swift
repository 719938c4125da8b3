import Foundation
import HangarContracts
import HangarMessaging
import Metrics

/// What the scheduler counts, from what it committed (a transaction rolled back counts nothing).
enum SchedulerMetrics {
    /// Counts the deployment events and retries a committed transaction published.
    static func committed(_ outbox: [TransactionalOutbox.Entry]) {
        for outgoing in outbox {
            if case .eventBatch(let batch) = outgoing.message {
                // The transaction's events travel in its batch.
                for item in batch.items { count(item.message, messageId: item.messageId) }
            } else {
                count(outgoing.message, messageId: outgoing.messageId)
            }
        }
    }

    private static func count(_ message: HangarMessage, messageId: String) {
        switch message {
        case .deploymentEvent(let event):
            // Once per deployment and status: a deferral past a freeze window publishes
            // `scheduled` again, under an id of its own.
            if messageId == Transitions.eventMessageId(event.deploymentId, event.status) {
                Counter(
                    label: "hangar_deployments_total", dimensions: [("status", event.status.rawValue), ("environment", event.environmentName)]
                )
                .increment()
            }
            if event.status == .running {
                // The final statuses' series exist (at 0) from an environment's first start, so
                // that rate() and increase() see its first failure too.
                for final in [DeploymentStatus.succeeded, .failed, .cancelled] {
                    _ = Counter(
                        label: "hangar_deployments_total", dimensions: [("status", final.rawValue), ("environment", event.environmentName)])
                }
            }
            if [.succeeded, .failed, .cancelled].contains(event.status) {
                // From submission, or from its scheduled time, to the end.
                let from = max(event.createdAt, event.scheduledAt ?? event.createdAt)
                // By status only: a histogram per environment would multiply its buckets by
                // the environments (160 KB per scrape with 100 environments).
                Timer(label: "hangar_deployment_duration_seconds", dimensions: [("status", event.status.rawValue)])
                    .recordSeconds(max(0, event.at.timeIntervalSince(from)))
            }
        case .executeStep(let command) where command.attempt > 1 && command.poll == 0:
            Counter(label: "hangar_step_retries_total", dimensions: [("step", command.step.rawValue)]).increment()
        default:
            break
        }
    }

    /// A running deployment nobody worked on was dispatched again or failed.
    static func reconciled() {
        Counter(label: "hangar_reconciler_actions_total").increment()
    }

    /// Deployments running, outbox rows not yet confirmed by the broker, and how late the
    /// oldest due timer is (0 when none is due), read every second.
    static func gauges(running: Int, outbox: Int, timerLag: TimeInterval) {
        Gauge(label: "hangar_deployments_in_flight").record(running)
        Gauge(label: "hangar_outbox_backlog").record(outbox)
        Gauge(label: "hangar_timer_lag_seconds").record(max(0, timerLag))
    }

    /// Deployments waiting for their environment's turn, per environment name.
    static let queued = CountsGauge(label: "hangar_deployments_queued", dimension: "environment")
}
