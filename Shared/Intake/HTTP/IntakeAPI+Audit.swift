import Foundation
import HangarContracts
import Hummingbird

extension IntakeAPI {
    /// `GET /v1/audit` (admin): the audit log, newest first, filtered by `actor`,
    /// `environment`, `action`, `since` and `until` (RFC 3339), `limit` (1…500, 50) entries a
    /// page; `nextCursor` fetches the next (older) page.
    func addAuditRoutes(to v1: RouterGroup<BasicRequestContext>) {
        v1.get("audit") { request, _ in
            _ = try auth.authenticate(request, requiring: .admin)
            let query = request.uri.queryParameters
            var filter = IntakeStore.AuditFilter()
            filter.actor = query.get("actor")
            filter.environment = query.get("environment")
            filter.action = query.get("action")
            var problems: [Problem.FieldError] = []
            func date(_ name: String) -> Date? {
                guard let text = query.get(name) else { return nil }
                guard let date = HangarJSON.parseDate(text) else {
                    problems.append(.init(field: name, message: "must be an RFC 3339 date and time"))
                    return nil
                }
                return date
            }
            filter.since = date("since")
            filter.until = date("until")
            if let text = query.get("limit") {
                if let limit = Int(text), (1...500).contains(limit) {
                    filter.limit = limit
                } else {
                    problems.append(.init(field: "limit", message: "must be a whole number from 1 to 500"))
                }
            }
            if let text = query.get("cursor") {
                if let cursor = UUID(parsing: text) {
                    filter.before = cursor
                } else {
                    problems.append(.init(field: "cursor", message: "must be the nextCursor of an earlier page"))
                }
            }
            guard problems.isEmpty else { throw Problem.invalid(problems) }
            let items = try await intake.audit(filter)
            let next = items.count == filter.limit ? items.last?.id.lowercasedString : nil
            return try json(AuditPage(items: items, nextCursor: next))
        }
    }
}

/// A page of the audit log.
struct AuditPage: Encodable {
    var items: [AuditEntry]
    var nextCursor: String?
}
