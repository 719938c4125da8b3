import Foundation
import HangarContracts

/// A `POST /v1/environments/{env}/deployments` body, validated: every bad field is named.
struct DeploymentRequest: Sendable {
    var version: String?
    var scheduledAt: Date?
    var options: DeploymentOptions
    var mode: PublishMode
    var reconnection: Reconnection?
    var emails: [String]
    /// The deployment's own choice of notifying events; `nil`: the environment's.
    var events: [String]?
    /// Why an admin starts it inside a freeze window (`overrideFreeze.reason`).
    var overrideFreeze: String?
    /// The deployment's own `approval` settings, tightening its environment's.
    var approval: ApprovalSettings?
    /// The deployment's own `replacement` settings, over its environment's field by field.
    var replacement: ReplacementSettings?

    static let fields: Set<String> = [
        "version", "scheduledAt", "options", "mode", "reconnection", "notify", "overrideFreeze", "approval", "replacement",
    ]
    static let optionFields: Set<String> = ["lockInstances", "stopPreparationServer", "terminateSessions"]

    /// Validates `body` (a JSON object) at time `now`.
    static func validate(_ body: [String: JSONValue], now: Date) -> Result<DeploymentRequest, Problem> {
        var errors: [Problem.FieldError] = []
        func fail(_ field: String, _ message: String) { errors.append(.init(field: field, message: message)) }

        for key in body.keys.sorted() where !fields.contains(key) {
            fail(key, "unknown field; expected one of \(fields.sorted().joined(separator: ", "))")
        }

        var version: String?
        switch body["version"] {
        case nil, .null?: break
        case .string(let text)?:
            if text.isEmpty || text.count > 100 {
                fail("version", "must be 1 to 100 characters")
            } else if text.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
                fail("version", "must not contain control characters (such as line breaks)")
            } else {
                version = text
            }
        default: fail("version", "must be a string")
        }

        var scheduledAt: Date?
        switch body["scheduledAt"] {
        case nil, .null?: break
        case .string(let text)?:
            if let date = HangarJSON.parseDate(text) {
                if date < now.addingTimeInterval(-5) {
                    fail("scheduledAt", "is in the past")
                } else if date > now.addingTimeInterval(366 * 24 * 3600) {
                    fail("scheduledAt", "is more than a year ahead")
                } else {
                    scheduledAt = date
                }
            } else {
                fail("scheduledAt", "must be an RFC 3339 date-time, for example 2026-12-01T09:30:00Z")
            }
        default: fail("scheduledAt", "must be an RFC 3339 date-time string")
        }

        var options = DeploymentOptions()
        switch body["options"] {
        case nil, .null?: break
        case .object(let object)?:
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                guard optionFields.contains(key) else {
                    fail("options.\(key)", "unknown option; expected one of \(optionFields.sorted().joined(separator: ", "))")
                    continue
                }
                guard let flag = value.boolValue else {
                    fail("options.\(key)", "must be true or false")
                    continue
                }
                switch key {
                case "lockInstances": options.lockInstances = flag
                case "stopPreparationServer": options.stopPreparationServer = flag
                default: options.terminateSessions = flag
                }
            }
        default: fail("options", "must be an object")
        }

        var mode = PublishMode.optimized
        switch body["mode"] {
        case nil, .null?: break
        case .string(let text)?:
            if let value = PublishMode(rawValue: text) {
                mode = value
            } else {
                fail("mode", "unknown mode '\(text)'; expected one of \(PublishMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        default: fail("mode", "must be a string")
        }

        var reconnection: Reconnection?
        switch body["reconnection"] {
        case nil, .null?:
            if mode == .requestReconnection { fail("reconnection", "is required with mode requestReconnection") }
        case .object(let object)?:
            let minutes = object["minutes"]?.doubleValue
            let message = object["message"]?.stringValue
            for key in object.keys.sorted() where key != "minutes" && key != "message" {
                fail("reconnection.\(key)", "unknown field; expected minutes, message")
            }
            if minutes == nil || minutes! < 1 || minutes! > 1440 || minutes!.rounded() != minutes! {
                fail("reconnection.minutes", "must be a whole number of minutes from 1 to 1440")
            }
            if message == nil || message!.isEmpty || message!.count > 500 {
                fail("reconnection.message", "must be 1 to 500 characters")
            }
            if mode != .requestReconnection { fail("reconnection", "is only allowed with mode requestReconnection") }
            if let minutes, let message { reconnection = Reconnection(minutes: Int(minutes), message: message) }
        default: fail("reconnection", "must be an object")
        }

        var emails: [String] = []
        var events: [String]?
        switch body["notify"] {
        case nil, .null?: break
        case .object(let object)?:
            for key in object.keys.sorted() where key != "emails" && key != "events" {
                fail("notify.\(key)", "unknown field; expected emails, events")
            }
            if case .some(let chosen) = NotificationChoices.events(object["events"], field: "notify.events", fail: fail) { events = chosen }
            switch object["emails"] {
            case nil, .null?: break
            case .array(let values)?:
                if values.count > 50 { fail("notify.emails", "at most 50 recipients") }
                for (index, value) in values.enumerated() {
                    if let email = value.stringValue, isEmail(email) {
                        emails.append(email)
                    } else {
                        fail("notify.emails[\(index)]", "is not a valid email address")
                    }
                }
            default: fail("notify.emails", "must be an array of email addresses")
            }
        default: fail("notify", "must be an object")
        }

        var overrideFreeze: String?
        switch body["overrideFreeze"] {
        case nil, .null?: break
        case .object(let object)?:
            for key in object.keys.sorted() where key != "reason" { fail("overrideFreeze.\(key)", "unknown field; expected reason") }
            if let reason = object["reason"]?.stringValue, !reason.trimmingCharacters(in: .whitespaces).isEmpty, reason.count <= 500 {
                overrideFreeze = reason
            } else {
                fail("overrideFreeze.reason", "is required: why the deployment goes ahead inside a freeze (1 to 500 characters)")
            }
        default: fail("overrideFreeze", "must be an object {\"reason\": \"…\"}")
        }

        var approval: ApprovalSettings?
        if case .some(let chosen) = ApprovalChoices.validate(
            body["approval"], field: "approval", current: ApprovalSettings(required: nil), fail: fail)
        {
            approval = chosen
        }

        var replacement: ReplacementSettings?
        if case .some(let chosen) = ReplacementChoices.validate(body["replacement"], field: "replacement", current: nil, fail: fail) {
            replacement = chosen
        }

        guard errors.isEmpty else { return .failure(.invalid(errors)) }
        return .success(
            DeploymentRequest(
                version: version, scheduledAt: scheduledAt, options: options, mode: mode, reconnection: reconnection, emails: emails,
                events: events, overrideFreeze: overrideFreeze, approval: approval, replacement: replacement))
    }

    /// A practical check: one `@`, a dotted domain, no spaces, control characters or angle brackets.
    static func isEmail(_ text: String) -> Bool {
        guard text.count <= 254, !text.contains(where: { $0.isWhitespace || "<>()[],;:\\\"".contains($0) }),
            !text.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) })
        else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && $0.count <= 63 && !$0.hasPrefix("-") && !$0.hasSuffix("-") }
    }
}
