import Foundation
import HangarContracts

/// A step for the summary table: from the finished deployment's event (the scheduler's view),
/// or from the notifier's own table for an event that carries none.
public typealias NotifiedStep = DeploymentStepSummary

extension DeploymentStepSummary {
    /// How long the step took in milliseconds, from its start to its end; nil unless both are known.
    public var durationMs: Int64? {
        guard let startedAt, let finishedAt else { return nil }
        return max(0, finishedAt.epochMilliseconds - startedAt.epochMilliseconds)
    }
}

/// Writes the email for a deployment event: subject, text and HTML.
public struct NotificationComposer: Sendable {
    /// The display name in the `From` header of the emails it writes; nil for the bare address.
    public var fromName: String?
    /// The address in the `From` header of the emails it writes.
    public var fromAddress: String
    /// The console's address (`HANGAR_CONSOLE_URL`), for links to a deployment; `nil`: no links.
    public var consoleURL: String?

    /// Creates a composer whose emails come from this sender.
    public init(fromName: String?, fromAddress: String, consoleURL: String? = nil) {
        self.fromName = fromName
        self.fromAddress = fromAddress
        self.consoleURL = consoleURL
    }

    /// The console's page of a deployment, when the console's address is known.
    func link(to deployment: UUID) -> String? {
        guard let consoleURL, !consoleURL.isEmpty else { return nil }
        let base = consoleURL.hasSuffix("/") ? consoleURL : consoleURL + "/"
        return "\(base)#/deployments/\(deployment.lowercasedString)"
    }

    /// `steps` in pipeline order (missing ones are shown as not run); `startedAt` when the
    /// deployment started running, if known.
    public func compose(_ event: DeploymentEvent, steps: [NotifiedStep], startedAt: Date?, recipient: String, now: Date) -> EmailMessage {
        let content = Content(event: event, steps: steps, startedAt: startedAt, link: link(to: event.deploymentId))
        let key = Self.eventKey(event)
        return EmailMessage(
            fromName: fromName, fromAddress: fromAddress, to: recipient, subject: content.subject, date: now,
            messageId: "\(key).\(String(EmailMessage.fnv1a(recipient.lowercased()), radix: 36))@hangar",
            text: content.text, html: content.html,
            extraHeaders: [("X-Hangar-Deployment", event.deploymentId.lowercasedString), ("X-Hangar-Event", event.messageType)])
    }

    /// One notification per deployment and status, one per deferral past a freeze window (a
    /// `scheduled` event with a reason, keyed by its new start) and one per pause of a rollout
    /// (keyed by its time): the sent log's event key.
    public static func eventKey(_ event: DeploymentEvent) -> String {
        let key = "\(event.deploymentId.lowercasedString).\(event.status.rawValue)"
        // A rollout may pause at more than one batch: one notification per pause.
        if event.status == .paused, let pause = event.pause { return "\(key).\(pause.pausedAt.epochMilliseconds)" }
        guard isDeferral(event), let start = event.scheduledAt else { return key }
        return "\(key).\(start.epochMilliseconds)"
    }

    /// Whether `event` says the scheduler deferred the deployment past a freeze window.
    static func isDeferral(_ event: DeploymentEvent) -> Bool { event.status == .scheduled && event.reason != nil }
}

/// The words of one email.
struct Content {
    let subject: String
    let text: String
    let html: String

    init(event: DeploymentEvent, steps: [NotifiedStep], startedAt: Date?, link: String? = nil) {
        let environment = HeaderSafety.singleLine(event.environmentName)
        let version = HeaderSafety.singleLine(event.version ?? event.outputs?["generatedVersion"] ?? "")
        let label = version.isEmpty ? "a new version" : version
        // A rollback says so: "Rollback of web to v1 succeeded".
        let what = event.rollback == nil ? "Deployment of \(label) to \(environment)" : "Rollback of \(environment) to \(label)"
        let headline: String
        switch event.status {
        case .running where event.approval?.decision == .approved: headline = "\(what) was approved and goes on"
        case .running: headline = "\(what) started"
        case .awaitingApproval: headline = "\(what) awaits approval"
        case .paused: headline = "\(what) is paused by a failed health gate"
        case .running where event.pause?.decision == .resumed: headline = "\(what) was resumed"
        case .succeeded: headline = "\(what) succeeded"
        case .failed: headline = "\(what) failed" + (event.failedStep.map { " at \($0.rawValue)" } ?? "")
        case .cancelled: headline = "\(what) was cancelled"
        case .scheduled where NotificationComposer.isDeferral(event):
            headline = "\(what) deferred" + (event.scheduledAt.map { " to \(Self.time($0))" } ?? "")
        case .scheduled:
            headline = "\(what) scheduled" + (event.scheduledAt.map { " for \(Self.time($0))" } ?? "")
        case .queued: headline = "\(what) is queued"
        case .rejected: headline = "\(what) was rejected"
        case .rolledBack:
            headline = "\(what) was rolled back" + (event.failedStep == .replaceInstances ? " by a failed health gate" : "")
        }
        subject = "[Hangar] \(headline)"

        let finishedAt = event.status.isTerminal ? event.at : nil
        let began = startedAt ?? steps.compactMap(\.startedAt).min()
        var facts: [(String, String)] = [
            ("Environment", event.environmentName), ("Version", version.isEmpty ? "—" : event.version ?? version), ("Owner", event.owner),
            ("Status", event.status == .running ? "running" : event.status.rawValue), ("Deployment", event.deploymentId.lowercasedString),
            ("Mode", event.mode.rawValue), ("Requested", Self.time(event.createdAt)),
        ]
        if let rollback = event.rollback {
            facts.append(
                (
                    "Rollback",
                    "to version \(rollback.version) (deployment \(rollback.deploymentId.lowercasedString), model \(rollback.modelVersion))"
                ))
            facts.append(
                (
                    "Rolled back from",
                    "version \(rollback.fromVersion) (deployment \(rollback.fromDeploymentId.lowercasedString), model \(rollback.fromModelVersion))"
                ))
        }
        if let approval = event.approval { facts += Self.approvalFacts(approval) }
        if event.status == .awaitingApproval, let link { facts.append(("Approve or reject", link)) }
        if let pause = event.pause { facts += Self.pauseFacts(pause) }
        if event.status == .paused, let link { facts.append(("Resume or roll back", link)) }
        if let scheduledAt = event.scheduledAt { facts.append(("Scheduled for", Self.time(scheduledAt))) }
        if let began { facts.append(("Started", Self.time(began))) }
        if let finishedAt { facts.append(("Finished", Self.time(finishedAt))) }
        if let began, let finishedAt {
            facts.append(("Total", Self.duration(finishedAt.epochMilliseconds - began.epochMilliseconds)))
        }
        if event.status == .failed {
            if let step = event.failedStep { facts.append(("Failed step", step.rawValue)) }
            let stepError = steps.first { $0.name == event.failedStep }?.error
            facts.append(("Error", event.reason ?? stepError ?? "unknown"))
        } else if let reason = event.reason, [.cancelled, .rejected, .scheduled, .rolledBack].contains(event.status) {
            facts.append(("Reason", reason))
        }
        for (key, value) in (event.outputs ?? [:]).sorted(by: { $0.key < $1.key }) where event.status == .succeeded {
            facts.append((key, value))
        }

        let showSteps = [.succeeded, .failed, .cancelled, .rolledBack].contains(event.status)
        let table: [NotifiedStep] = StepName.allCases.map { name in
            steps.first { $0.name == name } ?? NotifiedStep(name: name, status: .pending)
        }

        var text = Self.textHead(headline, facts)
        if showSteps {
            text += "\nSteps:\n"
            text += Self.row("Step", "Status", "Started", "Finished", "Duration")
            for step in table {
                text += Self.row(
                    step.name.rawValue, Self.label(step.status), step.startedAt.map(Self.clock) ?? "—", step.finishedAt.map(Self.clock) ?? "—",
                    step.durationMs.map(Self.duration) ?? "—")
                if let error = step.error, step.status == .failed { text += "    error: \(Self.oneLine(error))\n" }
            }
        }
        text += "\n-- \nHangar\n"
        self.text = text

        var html = Self.htmlHead(headline, facts)
        if showSteps {
            html += "<h3>Steps</h3>\n<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\">\n"
            html += "<tr><th>Step</th><th>Status</th><th>Started</th><th>Finished</th><th>Duration</th><th>Error</th></tr>\n"
            for step in table {
                let cells = [
                    step.name.rawValue, Self.label(step.status), step.startedAt.map(Self.clock) ?? "—", step.finishedAt.map(Self.clock) ?? "—",
                    step.durationMs.map(Self.duration) ?? "—", step.status == .failed ? step.error ?? "" : "",
                ]
                html += "<tr>" + cells.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>\n"
            }
            html += "</table>\n"
        }
        html += "<p style=\"color:#888\">Hangar</p>\n</body></html>\n"
        self.html = html
    }

    /// Where a paused rollout stands, as facts.
    static func pauseFacts(_ pause: PauseState) -> [(String, String)] {
        switch pause.decision {
        case nil: return [("Paused", pause.reason), ("Rolled back at", Self.time(pause.expiresAt) + " unless someone resumes it")]
        case .resumed?: return [("Pause", "resumed by \(pause.decidedBy ?? "?")\(pause.decidedAt.map { " at \(Self.time($0))" } ?? "")")]
        case .rolledBack?: return [("Pause", "rolled back by \(pause.decidedBy ?? "?")\(pause.decidedAt.map { " at \(Self.time($0))" } ?? "")")]
        case .expired?: return [("Pause", "nobody decided by \(Self.time(pause.expiresAt)): rolled back")]
        }
    }

    /// Where an approval stands, as facts: who was asked and until when, or what was decided.
    static func approvalFacts(_ approval: ApprovalState) -> [(String, String)] {
        let comment = approval.comment.map { ": \($0)" } ?? ""
        switch approval.decision {
        case nil:
            var facts = [("Approvers", approval.approvers.isEmpty ? "any deployer" : approval.approvers.joined(separator: ", "))]
            facts.append(("Decide by", Self.time(approval.expiresAt)))
            if approval.requireDifferentApprover { facts.append(("Approval", "must come from someone other than the owner")) }
            return facts
        case .approved?:
            return [("Approval", "approved by \(approval.decidedBy ?? "?")\(approval.decidedAt.map { " at \(Self.time($0))" } ?? "")\(comment)")]
        case .rejected?:
            return [("Approval", "rejected by \(approval.decidedBy ?? "?")\(approval.decidedAt.map { " at \(Self.time($0))" } ?? "")\(comment)")]
        case .expired?:
            return [("Approval", "nobody decided by \(Self.time(approval.expiresAt))")]
        }
    }

    /// The headline and the facts, one a line with the values aligned: how every email's text begins.
    static func textHead(_ headline: String, _ facts: [(String, String)]) -> String {
        var text = "\(headline).\n\n"
        let width = (facts.map(\.0.count).max() ?? 0) + 2
        for (key, value) in facts {
            text += (key + ":").padding(toLength: width, withPad: " ", startingAt: 0) + oneLine(value) + "\n"
        }
        return text
    }

    /// The headline and the facts as an HTML table: how every email's HTML begins.
    static func htmlHead(_ headline: String, _ facts: [(String, String)]) -> String {
        var html = "<!DOCTYPE html>\n<html><body style=\"font-family:sans-serif\">\n<h2>\(escape(headline))</h2>\n<table>\n"
        for (key, value) in facts {
            html += "<tr><th align=\"left\">\(escape(key))</th><td>\(escape(value))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    static func label(_ status: StepStatus) -> String { status == .pending ? "not run" : status.rawValue }

    static func row(_ cells: String...) -> String {
        let widths = [24, 11, 10, 10, 10]
        return zip(cells, widths).map { $0.padding(toLength: max($1, $0.count + 1), withPad: " ", startingAt: 0) }.joined()
            .trimmingCharacters(in: .whitespaces) + "\n"
    }

    static func oneLine(_ text: String) -> String { HeaderSafety.singleLine(text) }

    /// `2026-11-22 04:21:49 UTC`.
    static func time(_ date: Date) -> String {
        let text = HangarJSON.formatDate(date)  // 2026-11-22T04:21:49.123Z
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8)) + " UTC"
    }

    /// `04:21:49`.
    static func clock(_ date: Date) -> String { String(HangarJSON.formatDate(date).dropFirst(11).prefix(8)) }

    /// `850 ms`, `12.3 s`, `3 min 12 s`, `1 h 05 min`.
    static func duration(_ milliseconds: Int64) -> String {
        let ms = max(0, milliseconds)
        if ms < 1000 { return "\(ms) ms" }
        if ms < 60_000 { return String(format: "%.1f s", Double(ms) / 1000) }
        let seconds = ms / 1000
        if seconds < 3600 { return "\(seconds / 60) min \(seconds % 60) s" }
        let minutes = (seconds % 3600) / 60
        return "\(seconds / 3600) h \(minutes < 10 ? "0" : "")\(minutes) min"
    }

    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
