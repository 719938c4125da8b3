import Foundation
import HangarStorage
import SQLKit

/// Where one deployment's time goes, from the history's wall-clock stamps (milliseconds) and
/// the benchmark's own: submit → first step started (intake, the scheduler, the first hop to a
/// worker), each step's run as the worker stamped it, each gap from a step's end to the next
/// one's start (the outcome's hop to the scheduler, its transaction, the command's hop back),
/// and the last step's end → `succeeded` seen in the history (the scheduler's last event, the
/// recorder's batch, the poll). Medians over the deployments measured one at a time.
struct Timeline {
    /// Wall-clock milliseconds at which each deployment was submitted and seen succeeded.
    var marks: [UUID: (submitted: Int64, seen: Int64)] = [:]

    static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// `| where the time goes, … |`: medians in milliseconds.
    func summary(history: SQLStore) async throws -> String {
        var toFirst: [Double] = []
        var runs: [Double] = []
        var gaps: [Double] = []
        var toSeen: [Double] = []
        for (id, mark) in marks {
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
            toSeen.append(Double(mark.seen - last.1))
            for (index, step) in steps.enumerated() {
                runs.append(Double(step.1 - step.0))
                if index > 0 { gaps.append(Double(step.0 - steps[index - 1].1)) }
            }
        }
        func median(_ values: [Double]) -> String {
            guard !values.isEmpty else { return "-" }
            let sorted = values.sorted()
            return String(format: "%.1f", sorted[sorted.count / 2])
        }
        let stepsPer = marks.isEmpty ? 0 : runs.count / marks.count
        return "| where one deployment's time goes (medians, ms) | submit → first step \(median(toFirst)); "
            + "a step's run \(median(runs)) (×\(stepsPer)); step end → next start \(median(gaps)) (×\(max(0, stepsPer - 1))); "
            + "last step end → succeeded seen \(median(toSeen)) |"
    }
}
