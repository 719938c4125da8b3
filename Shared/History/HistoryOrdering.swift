import Foundation
import HangarContracts

extension DeploymentStatus {
    /// Order of statuses over a deployment's life: a later event never moves it back. Running
    /// and waiting for approval share a rank: between them the newer event wins.
    var rank: Int64 {
        switch self {
        case .scheduled: return 0
        case .queued: return 1
        case .running, .awaitingApproval, .paused: return 2
        case .succeeded, .failed, .cancelled, .rejected, .rolledBack: return 3
        }
    }
}

/// Milliseconds from `start` to `end`, when both are known.
func durationMs(_ start: Date?, _ end: Date?) -> Int64? {
    guard let start, let end else { return nil }
    return max(0, end.epochMilliseconds - start.epochMilliseconds)
}
