import Foundation
import HangarContracts

/// The emails of scheduled server stops: sent to the addresses the schedule names when the
/// server was stopped, when the stop was given up, and when the first attempt failed (the
/// scheduler keeps trying; later failures are in the shutdown history, not in more emails).
extension NotificationComposer {
    /// Whether `event` calls for an email.
    public static func notifies(_ event: ServerShutdownEvent) -> Bool {
        switch event.status {
        case .stopped, .dropped: true
        case .failed: event.attempt == 1
        case .scheduled, .cancelled: false
        }
    }

    /// The email for `event` to `recipient`.
    public func compose(_ event: ServerShutdownEvent, recipient: String, now: Date) -> EmailMessage {
        let content = Content(shutdown: event)
        return EmailMessage(
            fromName: fromName, fromAddress: fromAddress, to: recipient, subject: content.subject, date: now,
            messageId: "\(event.messageId).\(String(EmailMessage.fnv1a(recipient.lowercased()), radix: 36))@hangar",
            text: content.text, html: content.html,
            extraHeaders: [("X-Hangar-Environment", event.environmentId.lowercasedString), ("X-Hangar-Event", event.messageType)])
    }
}

extension Content {
    init(shutdown event: ServerShutdownEvent) {
        let environment = HeaderSafety.singleLine(event.environmentName)
        let server = HeaderSafety.singleLine(event.serverName == event.serverId ? event.serverId : "\(event.serverName) (\(event.serverId))")
        let headline: String
        switch event.status {
        case .stopped:
            // As the provider put it: a stop it took may still be under way.
            let state = HeaderSafety.singleLine(event.serverStatus ?? "stopped")
            headline = "Server \(server) of \(environment) " + (state == "stopped" ? "was stopped" : "is \(state)") + " as scheduled"
        case .dropped: headline = "The scheduled stop of server \(server) of \(environment) was given up"
        case .failed: headline = "The scheduled stop of server \(server) of \(environment) failed; it will be tried again"
        case .scheduled: headline = "Server \(server) of \(environment) is scheduled to stop"
        case .cancelled: headline = "The scheduled stop of server \(server) of \(environment) was cancelled"
        }
        subject = "[Hangar] \(headline)"
        var facts: [(String, String)] = [("Environment", event.environmentName), ("Server", server)]
        if let dueAt = event.dueAt { facts.append(("Scheduled for", Self.time(dueAt))) }
        facts.append(("Scheduled by", event.requestedBy))
        facts.append(("Attempts", "\(event.attempt)"))
        if let status = event.serverStatus { facts.append(("Server status", status)) }
        if let error = event.error { facts.append(("Error", error)) }
        if let retryAt = event.retryAt { facts.append(("Next attempt", Self.time(retryAt))) }
        if let worker = event.worker { facts.append(("Worker", worker)) }
        facts.append(("At", Self.time(event.at)))

        text = Self.textHead(headline, facts) + "\n-- \nHangar\n"
        html = Self.htmlHead(headline, facts) + "<p style=\"color:#888\">Hangar</p>\n</body></html>\n"
    }
}
