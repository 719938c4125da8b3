import Foundation
import HangarContracts

#if canImport(Glibc)
import Glibc
#endif

/// How output looks: colours and redrawing only on a terminal (and not with NO_COLOR).
struct Style {
    let isTerminal: Bool
    let colors: Bool

    static let standard: Style = {
        let terminal = isatty(STDOUT_FILENO) == 1
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return Style(isTerminal: terminal, colors: terminal && !noColor && ProcessInfo.processInfo.environment["TERM"] != "dumb")
    }()

    func paint(_ text: String, _ code: String) -> String { colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func bold(_ text: String) -> String { paint(text, "1") }
    func dim(_ text: String) -> String { paint(text, "2") }

    /// A deployment status with its mark and colour.
    func status(_ status: DeploymentStatus) -> String {
        switch status {
        case .succeeded: return paint("✔ succeeded", "32")
        case .failed: return paint("✘ failed", "31")
        case .cancelled: return paint("⊘ cancelled", "33")
        case .rejected: return paint("⊘ rejected", "33")
        case .rolledBack: return paint("↶ rolled back", "31")
        case .running: return paint("● running", "36")
        case .awaitingApproval: return paint("◍ awaiting approval", "35")
        case .paused: return paint("⏸ paused", "35")
        case .queued: return paint("◌ queued", "34")
        case .scheduled: return paint("◷ scheduled", "34")
        }
    }

    /// A step status with its mark and colour.
    func step(_ status: StepStatus) -> String {
        switch status {
        case .succeeded: return paint("✔", "32")
        case .failed: return paint("✘", "31")
        case .skipped: return dim("–")
        case .cancelled: return paint("⊘", "33")
        case .running: return paint("●", "36")
        case .pending: return dim("○")
        }
    }
}

enum Format {
    /// 850 ms, 12.4 s, 3 min 05 s, 2 h 01 min.
    static func duration(_ milliseconds: Int64?) -> String {
        guard let milliseconds else { return "" }
        if milliseconds < 1000 { return "\(milliseconds) ms" }
        if milliseconds < 60_000 { return String(format: "%.1f s", Double(milliseconds) / 1000) }
        let seconds = milliseconds / 1000
        if seconds < 3600 { return String(format: "%d min %02d s", seconds / 60, seconds % 60) }
        return String(format: "%d h %02d min", seconds / 3600, (seconds % 3600) / 60)
    }

    /// Local date and time, to the second.
    static func date(_ date: Date?) -> String {
        guard let date else { return "" }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        formatter.timeZone = .current
        return formatter.string(from: date)
    }

    static func id(_ id: UUID) -> String { id.lowercasedString }
}
