import Foundation
import HangarContracts

extension DeploymentStatus {
    /// Order of statuses over a deployment's life: a later event never moves it back.
    var rank: Int64 {
        switch self {
        case .scheduled: return 0
        case .queued: return 1
        case .running: return 2
        case .succeeded, .failed, .cancelled, .rejected: return 3
        }
    }
}

/// Milliseconds from `start` to `end`, when both are known.
func durationMs(_ start: Date?, _ end: Date?) -> Int64? {
    guard let start, let end else { return nil }
    return max(0, end.epochMilliseconds - start.epochMilliseconds)
}
