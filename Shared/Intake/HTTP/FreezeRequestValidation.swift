import Foundation
import HangarContracts

/// A `POST /v1/freezes` or `POST /v1/environments/{env}/freezes` body, validated: every bad
/// field is named.
enum FreezeRequest {
    static let fields: Set<String> = ["reason", "start", "end", "weekly", "timeZone", "scheduled"]

    static func validate(
        _ body: [String: JSONValue], environmentId: UUID?, createdBy: String, now: Date
    ) -> Result<FreezeWindow, Problem> {
        var errors: [Problem.FieldError] = []
        func fail(_ field: String, _ message: String) { errors.append(.init(field: field, message: message)) }
        for key in body.keys.sorted() where !fields.contains(key) {
            fail(key, "unknown field; expected one of \(fields.sorted().joined(separator: ", "))")
        }
        var reason = ""
        switch body["reason"] {
        case .string(let text)? where !text.trimmingCharacters(in: .whitespaces).isEmpty && text.count <= 500: reason = text
        case nil: fail("reason", "is required: what the freeze is for")
        default: fail("reason", "must be a text of 1 to 500 characters")
        }
        func date(_ key: String) -> Date? {
            switch body[key] {
            case nil, .null?: return nil
            case .string(let text)?:
                if let date = HangarJSON.parseDate(text) { return date }
                fail(key, "must be an RFC 3339 date-time, for example 2026-12-24T00:00:00Z")
            default: fail(key, "must be an RFC 3339 date-time string")
            }
            return nil
        }
        let start = date("start")
        let end = date("end")
        var weekly: FreezeWindow.Weekly?
        switch body["weekly"] {
        case nil, .null?: break
        case .object(let object)?:
            for key in object.keys.sorted() where !["days", "from", "to"].contains(key) {
                fail("weekly.\(key)", "unknown field; expected days, from, to")
            }
            var days: [FreezeWindow.Weekday] = []
            if case .array(let list)? = object["days"], !list.isEmpty {
                for item in list {
                    if let day = item.stringValue.flatMap(FreezeWindow.Weekday.init(rawValue:)) {
                        if !days.contains(day) { days.append(day) }
                    } else {
                        fail("weekly.days", "must list days among \(FreezeWindow.Weekday.allCases.map(\.rawValue).joined(separator: ", "))")
                        break
                    }
                }
            } else {
                fail("weekly.days", "must be a non-empty array such as [\"MON\", \"TUE\"]")
            }
            let from = object["from"]?.stringValue
            let to = object["to"]?.stringValue
            if from.flatMap(FreezeWindow.minutes) == nil { fail("weekly.from", "must be a time of day HH:MM, such as 09:00") }
            if to.flatMap(FreezeWindow.minutes) == nil { fail("weekly.to", "must be a time of day HH:MM, such as 18:00") }
            if let from, let to, from == to { fail("weekly.to", "must differ from weekly.from") }
            if let from, let to { weekly = .init(days: days, from: from, to: to) }
        default: fail("weekly", "must be an object {\"days\": [...], \"from\": \"HH:MM\", \"to\": \"HH:MM\"}")
        }
        let oneOff = body["start"].map { $0 != .null } == true || body["end"].map { $0 != .null } == true
        if weekly != nil || body["weekly"].map({ $0 != .null }) == true {
            if oneOff { fail("weekly", "give start and end, or weekly, not both") }
        } else if !oneOff {
            fail("start", "give start and end, or weekly")
        } else if body["start"].map({ $0 != .null }) != true {
            fail("start", "is required with end")
        } else if body["end"].map({ $0 != .null }) != true {
            fail("end", "is required with start")
        } else if let start, let end {
            if end <= start { fail("end", "must be after start") } else if end <= now { fail("end", "is in the past") }
        }
        var timeZone = "UTC"
        switch body["timeZone"] {
        case nil, .null?: break
        case .string(let name)? where TimeZone(identifier: name) != nil && name.count <= 64: timeZone = name
        default: fail("timeZone", "must be an IANA time zone name such as Europe/Paris")
        }
        var scheduled = FreezeWindow.ScheduledPolicy.defer
        switch body["scheduled"] {
        case nil, .null?: break
        case .string(let text)? where FreezeWindow.ScheduledPolicy(rawValue: text) != nil: scheduled = FreezeWindow.ScheduledPolicy(rawValue: text)!
        default: fail("scheduled", "must be defer or skip")
        }
        guard errors.isEmpty else { return .failure(.invalid(errors)) }
        return .success(
            FreezeWindow(
                id: UUID.v7(at: now), environmentId: environmentId, reason: reason, start: start, end: end, weekly: weekly, timeZone: timeZone,
                scheduled: scheduled, createdBy: createdBy, createdAt: now))
    }
}
