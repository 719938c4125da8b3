import Foundation
import HangarContracts

/// A deployment's live step view: a header, a progress bar and one line per step; on a
/// terminal it redraws in place, elsewhere it prints a line per change.
struct DeploymentView {
    let style: Style
    private var drawnLines = 0
    private var printed: Set<String> = []

    init(style: Style) { self.style = style }

    /// Shows `details`: redraws the block on a terminal, prints what changed otherwise.
    mutating func update(_ details: DeploymentDetails) {
        if style.isTerminal {
            let lines = Self.lines(details, style: style)
            var output = ""
            if drawnLines > 0 { output += "\u{1B}[\(drawnLines)A" }
            for line in lines { output += "\u{1B}[2K" + line + "\n" }
            drawnLines = lines.count
            FileHandle.standardOutput.write(Data(output.utf8))
        } else {
            for line in changeLines(details) where printed.insert(line).inserted { print(line) }
        }
    }

    /// The whole block: who, what, progress, steps.
    static func lines(_ details: DeploymentDetails, style: Style) -> [String] {
        let finished = details.steps.filter { $0.status == .succeeded || $0.status == .skipped || $0.status == .failed }.count
        let total = max(details.steps.count, StepName.allCases.count)
        let width = 24
        let filled = total == 0 ? 0 : finished * width / total
        var lines = [
            "\(style.bold(details.kind == .rollback ? "Rollback" : "Deployment")) \(Format.id(details.id)) · \(details.environmentName ?? "?") · "
                + "\(details.version ?? "no version")\(details.rollback.map { " (from \($0.fromVersion))" } ?? "") · \(style.status(details.status))",
            "[\(String(repeating: "█", count: filled))\(String(repeating: "░", count: width - filled))] \(finished)/\(total) steps"
                + (details.durationMs.map { " · \(Format.duration($0))" } ?? ""),
        ]
        for step in details.steps {
            var line =
                "  \(style.step(step.status)) \(step.name.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0)) \(Format.duration(step.durationMs))"
            if step.status == .running, let last = step.detail.last { line += style.dim("  \(last.message)") }
            if let error = step.error, step.status == .failed { line += "  " + style.paint(error, "31") }
            lines.append(line)
        }
        if let approval = details.approval { lines.append("  \(Self.approvalLine(approval))") }
        if let pause = details.pause { lines.append("  \(Self.pauseLine(pause))") }
        // Why it ended so, or (scheduled) which freeze window deferred it.
        if let reason = details.reason { lines.append("  \(reason)") }
        return lines
    }

    /// Where a paused rollout stands, in one line.
    static func pauseLine(_ pause: PauseState) -> String {
        switch pause.decision {
        case nil:
            return "paused: \(pause.reason); rolled back at \(HangarJSON.formatDate(pause.expiresAt)) unless resumed (hangar resume ID [--roll-back])"
        case .resumed?: return "resumed by \(pause.decidedBy ?? "?") after: \(pause.reason)"
        case .rolledBack?: return "rolled back by \(pause.decidedBy ?? "?") after: \(pause.reason)"
        case .expired?: return "rolled back, nobody decided by \(HangarJSON.formatDate(pause.expiresAt)), after: \(pause.reason)"
        }
    }

    /// Where an approval stands, in one line.
    static func approvalLine(_ approval: ApprovalState) -> String {
        let comment = approval.comment.map { ": \($0)" } ?? ""
        switch approval.decision {
        case nil:
            let approvers = approval.approvers.isEmpty ? "any deployer" : approval.approvers.joined(separator: ", ")
            return "awaiting approval from \(approvers) until \(HangarJSON.formatDate(approval.expiresAt))"
                + " (hangar approve|reject ID)"
        case .approved?: return "approved by \(approval.decidedBy ?? "?")\(comment)"
        case .rejected?: return "rejected by \(approval.decidedBy ?? "?")\(comment)"
        case .expired?: return "approval expired at \(HangarJSON.formatDate(approval.expiresAt)): nobody decided"
        }
    }

    /// For logs and pipes: one line per step change and per status.
    private func changeLines(_ details: DeploymentDetails) -> [String] {
        var lines = ["deployment \(Format.id(details.id)) \(details.status.rawValue)"]
        if let approval = details.approval { lines.append(Self.approvalLine(approval)) }
        if let pause = details.pause { lines.append(Self.pauseLine(pause)) }
        for step in details.steps where step.status != .pending {
            let duration = step.status.isTerminalForView ? " \(Format.duration(step.durationMs))" : ""
            lines.append(
                "step \(step.name.rawValue) \(step.status.rawValue)\(duration)\(step.error.map { step.status == .failed ? ": \($0)" : "" } ?? "")")
        }
        return lines
    }
}

extension StepStatus {
    var isTerminalForView: Bool { self == .succeeded || self == .failed || self == .skipped || self == .cancelled }
}
