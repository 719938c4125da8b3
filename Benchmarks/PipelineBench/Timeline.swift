import Foundation
import HangarStorage
import SQLKit

/// Where one deployment's time goes, from the history's wall-clock stamps (milliseconds) and
/// the benchmark's own: submit → first step started (intake, the scheduler, the first hop to a
/// worker); the steps, from the first one's start to the last one's end (each step's run and
/// the hand-offs between them: an outcome's hop to the scheduler, its transaction, the next
/// command's hop back); and the last step's end → `succeeded` seen in the history (the
/// scheduler's last event, the recorder's batch, the poll). Medians over the deployments
/// measured one at a time. The steps are not split further: every stamp is a whole
/// millisecond, and a zero-time step's events share one (before stop 43 the worker stamped
/// them at least 1 ms apart, which showed such a step as 1–4 ms). The first part is split by the
/// deployment's `created_at` (intake's clock as it takes the request) and `started_at` (the
/// scheduler's, as it starts it), as means: every stamp is a whole millisecond, and a mean
/// over many deployments averages that out where a median would not.
struct Timeline {
    /// Wall-clock milliseconds at which each deployment was submitted and seen succeeded.
    var marks: [UUID: (submitted: Int64, seen: Int64)] = [:]

    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// `| where the time goes, … |`: medians in milliseconds.
    func summary(history: SQLStore) async throws -> String {
        var toFirst: [Double] = []
        var span: [Double] = []
        var toSeen: [Double] = []
        var toCreated: [Double] = []
        var toRunning: [Double] = []
        var toStep: [Double] = []
        var stepCount = 0
        for (id, mark) in marks {
            let deployment = try await history.read { db in
                try await db.raw("SELECT created_at, started_at FROM history_deployments WHERE id = \(bind: id.uuidString)").first()
                    .map { (try $0.decode(column: "created_at", as: Int64?.self), try $0.decode(column: "started_at", as: Int64?.self)) }
            }
            let steps = try await history.read { db in
                try await db.raw(
                    """
                    SELECT started_at, finished_at FROM history_steps
                    WHERE deployment_id = \(bind: id.uuidString) AND started_at IS NOT NULL ORDER BY position
                    """
                ).all().map { (try $0.decode(column: "started_at", as: Int64.self), try $0.decode(column: "finished_at", as: Int64.self)) }
            }
            guard let first = steps.first, let last = steps.last else { continue }
            toFirst.append(Double(first.0 - mark.submitted))
            if let (created, started) = deployment, let created, let started {
                toCreated.append(Double(created - mark.submitted))
                toRunning.append(Double(started - created))
                toStep.append(Double(first.0 - started))
            }
            span.append(Double(last.1 - first.0))
            toSeen.append(Double(mark.seen - last.1))
            stepCount = steps.count
        }
        func median(_ values: [Double]) -> String {
            guard !values.isEmpty else { return "-" }
            let sorted = values.sorted()
            return String(format: "%.1f", sorted[sorted.count / 2])
        }
        func mean(_ values: [Double]) -> String {
            values.isEmpty ? "-" : String(format: "%.2f", values.reduce(0, +) / Double(values.count))
        }
        return "| where one deployment's time goes (medians, ms) | submit → first step started \(median(toFirst)); "
            + "the \(stepCount) steps, first start → last end \(median(span)); last step end → succeeded seen \(median(toSeen)) |\n"
            + "| submit → first step started, split (means of millisecond stamps, ms) | submitted → intake's created_at "
            + "\(mean(toCreated)); → the scheduler's running \(mean(toRunning)); → the worker's first step start \(mean(toStep)) |"
    }
}
