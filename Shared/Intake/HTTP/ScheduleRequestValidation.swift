import Foundation
import HangarContracts

/// A `POST` or `PATCH …/schedules` body, validated onto a schedule: every bad field named.
enum ScheduleRequest {
    static let fields: Set<String> = ["cron", "timeZone", "deployment", "enabled", "misfire"]

    /// Applies `body` to `schedule` (all of `cron`, `timeZone` and `deployment` are required
    /// when `creating`); the validated deployment comes back too, to build the occurrences' template.
    static func apply(
        _ body: [String: JSONValue], to schedule: inout ScheduleResource, creating: Bool, now: Date
    ) -> Result<DeploymentRequest, Problem> {
        var errors: [Problem.FieldError] = []
        func fail(_ field: String, _ message: String) { errors.append(.init(field: field, message: message)) }
        for key in body.keys.sorted() where !fields.contains(key) {
            fail(key, "unknown field; expected one of \(fields.sorted().joined(separator: ", "))")
        }
        switch body["cron"] {
        case .string(let text)?:
            do {
                _ = try CronExpression(text)
                schedule.cron = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            } catch {
                fail("cron", error.description)
            }
        case nil where !creating: break
        case nil: fail("cron", "is required: five fields (minute hour day-of-month month day-of-week), or six with leading seconds")
        default: fail("cron", "must be a string such as \"0 3 * * SUN\"")
        }
        switch body["timeZone"] {
        case .string(let text)?:
            if TimeZone(identifier: text) != nil, text.contains("/") || text == "UTC" {
                schedule.timeZone = text
            } else {
                fail("timeZone", "must be an IANA time zone such as Europe/Paris or UTC")
            }
        case nil where !creating: break
        case nil: fail("timeZone", "is required: an IANA time zone such as Europe/Paris")
        default: fail("timeZone", "must be a string such as \"Europe/Paris\"")
        }
        switch body["enabled"] {
        case .bool(let value)?: schedule.enabled = value
        case nil: break
        default: fail("enabled", "must be true or false")
        }
        switch body["misfire"] {
        case .string(let text)?:
            if let policy = MisfirePolicy(rawValue: text) { schedule.misfire = policy } else { fail("misfire", "must be skip or runOnce") }
        case nil: break
        default: fail("misfire", "must be skip or runOnce")
        }
        switch body["deployment"] {
        case .object(let object)?:
            if object["scheduledAt"] != nil { fail("deployment.scheduledAt", "is the schedule's to set: leave it out") }
            schedule.deployment = object.filter { $0.key != "scheduledAt" }
        case nil where !creating: break
        case nil: fail("deployment", "is required: the body of POST …/deployments (version, options, mode, notify…)")
        default: fail("deployment", "must be an object: the body of POST …/deployments")
        }
        var accepted: DeploymentRequest?
        switch deployment(of: schedule, now: now) {
        case .success(let value): accepted = value
        case .failure(let problem): errors += problem.errors
        }
        guard errors.isEmpty, let accepted else { return .failure(Problem.invalid(errors)) }
        return .success(accepted)
    }

    /// The schedule's deployment validated as the deploy route validates a body (each bad field
    /// named `deployment.…`): what each run submits.
    static func deployment(of schedule: ScheduleResource, now: Date) -> Result<DeploymentRequest, Problem> {
        DeploymentRequest.validate(schedule.deployment, now: now).mapError { problem in
            Problem.invalid(problem.errors.map { .init(field: "deployment.\($0.field)", message: $0.message) })
        }
    }
}
