import Foundation
import HangarContracts
import Hummingbird
import Metrics

/// The audit log's name for each write route of the API, and how an entry is made from a
/// request.
enum AuditAction {
    /// Method and route (as Hummingbird names it, `{name}` for a parameter) → action; `{action}`
    /// in an action is the path's own `{action}`, when it is one the route knows.
    static let routes: [String: String] = [
        "POST v1/environments": "environment.create",
        "PATCH v1/environments/{env}": "environment.update",
        "DELETE v1/environments/{env}": "environment.delete",
        "POST v1/environments/{env}/actions/{action}": "environment.{action}",
        "POST v1/environments/{env}/deployments": "deployment.submit",
        "POST v1/environments/{env}/rollbacks": "deployment.rollback",
        "POST v1/deployments/{id}/cancel": "deployment.cancel",
        "POST v1/deployments/{id}/approve": "deployment.approve",
        "POST v1/deployments/{id}/reject": "deployment.reject",
        "POST v1/deployments/{id}/resume": "pause.resume",
        "POST v1/deployments/{id}/rollback": "pause.rollBack",
        "POST v1/environments/{env}/servers/{server}/actions/{action}": "server.{action}",
        "PUT v1/environments/{env}/servers/{server}/shutdown": "shutdown.schedule",
        "DELETE v1/environments/{env}/servers/{server}/shutdown": "shutdown.cancel",
        "POST v1/dead-letters/{id}/replay": "deadLetter.replay",
        "DELETE v1/dead-letters/{id}": "deadLetter.delete",
        "POST v1/freezes": "freeze.create",
        "POST v1/environments/{env}/freezes": "freeze.create",
        "DELETE v1/freezes/{id}": "freeze.delete",
        "POST v1/environments/{env}/schedules": "schedule.create",
        "PATCH v1/environments/{env}/schedules/{id}": "schedule.update",
        "POST v1/environments/{env}/schedules/{id}/pause": "schedule.pause",
        "POST v1/environments/{env}/schedules/{id}/resume": "schedule.resume",
        "DELETE v1/environments/{env}/schedules/{id}": "schedule.delete",
    ]

    /// The `{action}` words the routes take; any other is recorded as `unknown`.
    static let actionWords: Set<String> = ["suspend", "resume", "release", "start", "stop", "restart"]

    static func entry(
        request: Request, route: String, caller: Caller?, requestId: String, status: Int, summary: [String], now: Date = Date()
    ) -> AuditEntry {
        let pattern = route.split(separator: "/").map(String.init)
        let path = request.uri.path
        let segments = path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        var values: [String: String] = [:]
        for (part, segment) in zip(pattern, segments) where part.hasPrefix("{") && part.hasSuffix("}") {
            values[String(part.dropFirst().dropLast())] = String(segment.prefix(200))
        }
        let key = "\(request.method.rawValue) \(pattern.joined(separator: "/"))"
        var action = routes[key] ?? key
        if action.contains("{action}") {
            let word = values["action"].flatMap { actionWords.contains($0) ? $0 : nil } ?? "unknown"
            action = action.replacingOccurrences(of: "{action}", with: word)
        }
        let outcome: AuditEntry.Outcome = status < 400 ? .succeeded : status < 500 ? .refused : .failed
        return AuditEntry(
            id: UUID.v7(at: now), at: now, actor: caller?.name ?? "unauthenticated", role: caller?.role.rawValue, action: action,
            method: request.method.rawValue, path: String(path.prefix(512)), environment: values["env"],
            target: values["server"] ?? values["id"], requestId: requestId, status: status, outcome: outcome, summary: summary)
    }
}

/// Counters of the audit log.
enum AuditMetrics {
    /// Entries the store refused (the request was answered all the same).
    static let writeFailures = Counter(label: "hangar_audit_write_failures_total")
}
