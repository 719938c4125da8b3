import ArgumentParser
import Foundation
import HangarContracts

/// `hangar show ID`: a deployment's details, each step with its detail lines and error.
struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a deployment: status, times, steps with their details.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The deployment's id.") var id: String

    func run() async throws {
        try await reportingErrors {
            let (details, raw) = try await connection.client().get(
                "/v1/deployments/\(APIClient.segment(id.lowercased()))", as: DeploymentDetails.self)
            if connection.json { return printJSON(raw) }
            let style = Style.standard
            var lines = [
                "\(style.bold("Deployment")) \(Format.id(details.id))  \(style.status(details.status))",
                "  Environment: \(details.environmentName ?? "?")",
                "  Version:     \(details.version ?? "")",
                "  Owner:       \(details.owner ?? "")",
                "  Mode:        \(details.mode?.rawValue ?? "")",
            ]
            if let scheduled = details.scheduledAt { lines.append("  Scheduled:   \(Format.date(scheduled))") }
            lines.append("  Start:       \(Format.date(details.startedAt))")
            lines.append("  End:         \(Format.date(details.finishedAt))")
            lines.append("  Total:       \(Format.duration(details.durationMs))")
            if let model = details.outputs["mainModelVersion"] { lines.append("  Model:       \(model)") }
            if let generated = details.outputs["generatedVersion"] { lines.append("  Generated:   \(generated)") }
            if let rollback = details.rollback {
                lines.append("  Rollback:    to version \(rollback.version) (model \(rollback.modelVersion)) from version \(rollback.fromVersion)")
            }
            if let approval = details.approval { lines.append("  Approval:    \(DeploymentView.approvalLine(approval))") }
            if let pause = details.pause { lines.append("  Pause:       \(DeploymentView.pauseLine(pause))") }
            if let reason = details.reason { lines.append("  Reason:      \(reason)") }
            lines.append("")
            for step in details.steps {
                let attempts = step.attempts > 1 ? style.dim(" (\(step.attempts) attempts)") : ""
                lines.append(
                    "  \(style.step(step.status)) \(step.name.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0)) \(step.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(Format.duration(step.durationMs))\(attempts)"
                )
                for line in step.detail { lines.append(style.dim("      \(Format.date(line.at))  \(line.message)")) }
                if let error = step.error { lines.append("      " + style.paint("error: \(error)", "31")) }
            }
            print(lines.joined(separator: "\n"))
        }
    }
}
