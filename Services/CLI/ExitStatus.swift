import ArgumentParser
import HangarContracts

/// The exit codes scripts can rely on.
enum ExitStatus {
    static let failed = ExitCode(1)
    static let cancelled = ExitCode(2)
    static let refused = ExitCode(3)
    static let unreachable = ExitCode(4)
    static let usage = ExitCode(64)

    /// How a finished deployment exits: 0 succeeded, 1 failed or rolled back by a health gate, 2 cancelled or rejected.
    static func of(_ status: DeploymentStatus) -> ExitCode {
        switch status {
        case .succeeded: return .success
        case .failed, .rolledBack: return failed
        case .cancelled, .rejected: return cancelled
        case .scheduled, .queued, .running, .awaitingApproval, .paused: return .success
        }
    }
}
