import Foundation
import HangarContracts
import HangarProviders

/// Validates `POST /v1/environments` and `PATCH /v1/environments/{env}` bodies onto an
/// environment, naming every bad field.
enum EnvironmentRequest {
    static let fields: Set<String> = [
        "name", "description", "provider", "target", "instanceType", "region", "port", "startCommand", "maxInstances", "limits",
        "notifications", "approval", "replacement",
    ]
    static let providers: Set<String> = ["simulated", "aws"]

    /// Applies `body` to `environment`. With `creating`, `name` and `provider` are required.
    static func apply(_ body: [String: JSONValue], to environment: inout EnvironmentResource, creating: Bool) -> [Problem.FieldError] {
        var errors: [Problem.FieldError] = []
        func fail(_ field: String, _ message: String) { errors.append(.init(field: field, message: message)) }
        for key in body.keys.sorted() where !fields.contains(key) {
            fail(key, "unknown field; expected one of \(fields.sorted().joined(separator: ", "))")
        }
        func text(_ key: String, max: Int, apply: (String?) -> Void) {
            switch body[key] {
            case nil: return
            case .null?: apply(nil)
            case .string(let value)?:
                if value.count > max { fail(key, "at most \(max) characters") } else { apply(value) }
            default: fail(key, "must be a string")
            }
        }
        func integer(_ key: String, range: ClosedRange<Int>, apply: (Int?) -> Void) {
            switch body[key] {
            case nil: return
            case .null?: apply(nil)
            case .number(let value)?:
                if let whole = Int(exactly: value), range.contains(whole) {
                    apply(whole)
                } else {
                    fail(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                }
            default: fail(key, "must be a number")
            }
        }

        switch body["name"] {
        case nil: if creating { fail("name", "is required") }
        case .string(let name)?:
            if isName(name) {
                environment.name = name
            } else {
                fail("name", "must be 1 to 63 lowercase letters, digits and dashes, starting with a letter or digit")
            }
        default: fail("name", "must be a string")
        }
        text("description", max: 500) { environment.description = $0 ?? "" }
        switch body["provider"] {
        case nil:
            // No silent fallback to the simulator: a new environment names where it deploys.
            if creating {
                fail("provider", "is required: one of \(providers.sorted().joined(separator: ", ")) (simulated deploys nothing to a cloud)")
            }
        case .string(let provider)? where providers.contains(provider): environment.provider = provider
        default: fail("provider", "must be one of \(providers.sorted().joined(separator: ", "))")
        }
        switch body["target"] {
        case nil: break
        case .object(let target)?: environment.target = target
        default: fail("target", "must be an object of provider settings")
        }
        if environment.provider == "simulated" {
            do { _ = try SimulatedSettings(settings: environment.target) } catch { fail("target", "\(error)") }
        }
        if environment.provider == "aws" {
            do { _ = try AWSSettings(settings: environment.target) } catch {
                for problem in error.problems { fail("target.\(problem.field)", problem.message) }
            }
        }
        text("instanceType", max: 64) { environment.instanceType = $0 }
        text("region", max: 64) { environment.region = $0 }
        text("startCommand", max: 1000) { environment.startCommand = $0 }
        integer("port", range: 1...65535) { environment.port = $0 }
        integer("maxInstances", range: 1...10000) { environment.maxInstances = $0 }
        switch body["limits"] {
        case nil: break
        case .object(let limits)?:
            for key in limits.keys.sorted() where key != "reconnectionsPerMonth" {
                fail("limits.\(key)", "unknown limit; expected reconnectionsPerMonth")
            }
            if let value = limits["reconnectionsPerMonth"] {
                if let number = value.doubleValue, number.rounded() == number, (0...1000).contains(number) {
                    environment.limits.reconnectionsPerMonth = Int(number)
                } else {
                    fail("limits.reconnectionsPerMonth", "must be a whole number from 0 to 1000")
                }
            }
        default: fail("limits", "must be an object")
        }
        if case .some(let notifications) = NotificationChoices.environment(body["notifications"], current: environment.notifications, fail: fail) {
            environment.notifications = notifications
        }
        if case .some(let approval) = ApprovalChoices.validate(body["approval"], field: "approval", current: environment.approval, fail: fail) {
            environment.approval = approval
        }
        if case .some(let replacement) = ReplacementChoices.validate(
            body["replacement"], field: "replacement", current: environment.replacement, fail: fail)
        {
            environment.replacement = replacement
        }
        return errors
    }

    static func isName(_ name: String) -> Bool {
        guard (1...63).contains(name.count), let first = name.first, first.isLetter || first.isNumber else { return false }
        return name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
    }
}
