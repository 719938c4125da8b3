import Foundation
import HangarContracts
import HangarMessaging

/// Recurring schedules (`…/environments/{env}/schedules`): list and read (viewer); create,
/// change, pause, resume and delete (deployer). Intake keeps the definitions and sends each
/// change to the scheduler, which fires the occurrences (``RecurringScheduleSet``).
extension IntakeAPI {
    /// The schedules of the environment `key`, as listed.
    func schedules(of key: String) async throws -> ScheduleList {
        let environment = try await environment(key)
        let now = Date()
        let items = try await intake.schedules(environment: environment.id).map { ScheduleView($0, environment: environment, now: now) }
        return ScheduleList(environment: environment.name, items: items)
    }

    /// The schedule `id` of the environment `key`.
    func schedule(_ id: String, of key: String) async throws -> ScheduleView {
        let environment = try await environment(key)
        return ScheduleView(try await schedule(id, environment: environment), environment: environment, now: Date())
    }

    /// Deletes the schedule `id` of the environment `key`, and tells the scheduler.
    func deleteSchedule(_ id: String, of key: String, by caller: Caller) async throws {
        let environment = try await environment(key)
        var schedule = try await schedule(id, environment: environment)
        let now = Date()
        schedule.revision += 1
        let accepted = try Self.validated(ScheduleRequest.deployment(of: schedule, now: now))
        let set = Self.set(schedule, accepted: accepted, environment: environment, now: now, deleted: true)
        await outbox.publish([try await intake.delete(schedule, set: set, outbox: outbox)])
        AuditNotes.note("deleted schedule \(schedule.id.lowercasedString) (\(schedule.cron) \(schedule.timeZone))")
        logger.info("intake.schedule.deleted", metadata: ["schedule.id": "\(schedule.id)", "by": "\(caller.name)"])
    }

    /// `POST …/schedules`: `{"cron", "timeZone", "deployment", "enabled", "misfire"}`; the
    /// schedule made, with its next occurrences, and its path.
    func createSchedule(_ body: [String: JSONValue], in key: String, by caller: Caller) async throws -> (view: ScheduleView, location: String) {
        let environment = try await environment(key)
        let now = Date()
        var schedule = ScheduleResource(
            id: UUID.v7(at: now), environmentId: environment.id, cron: "", timeZone: "", deployment: [:], enabled: true, misfire: .skip,
            createdBy: caller.name, createdAt: now, updatedBy: caller.name, updatedAt: now, revision: 1)
        let accepted = try Self.validated(ScheduleRequest.apply(body, to: &schedule, creating: true, now: now))
        try requireOverrideRole(accepted, caller: caller)
        let set = Self.set(schedule, accepted: accepted, environment: environment, now: now)
        await outbox.publish([try await intake.save(schedule, set: set, outbox: outbox)])
        let view = ScheduleView(schedule, environment: environment, now: now)
        AuditNotes.note(
            "created schedule \(schedule.id.lowercasedString): \(schedule.cron) \(schedule.timeZone), misfire \(schedule.misfire.rawValue)")
        logger.info(
            "intake.schedule.created", metadata: ["schedule.id": "\(schedule.id)", "environment": "\(environment.name)", "cron": "\(schedule.cron)"])
        return (view, "/v1/environments/\(environment.id.lowercasedString)/schedules/\(schedule.id.lowercasedString)")
    }

    /// `PATCH …/schedules/{id}`: the fields of `body` applied.
    func updateSchedule(_ id: String, of key: String, _ body: [String: JSONValue], by caller: Caller) async throws -> ScheduleView {
        try await changeSchedule(id, of: key, body: body, by: caller) { schedule, body, now in
            try Self.validated(ScheduleRequest.apply(body, to: &schedule, creating: false, now: now))
        }
    }

    /// Pauses (`enabled` false) or resumes the schedule `id` of the environment `key`.
    func setSchedule(_ id: String, of key: String, enabled: Bool, by caller: Caller) async throws -> ScheduleView {
        try await changeSchedule(id, of: key, body: [:], by: caller) { schedule, _, now in
            schedule.enabled = enabled
            return try Self.validated(ScheduleRequest.deployment(of: schedule, now: now))
        }
    }

    /// Reads the schedule, applies `change`, counts its revision up, stores it and sends it to the scheduler.
    private func changeSchedule(
        _ id: String, of key: String, body: [String: JSONValue], by caller: Caller,
        _ change: (inout ScheduleResource, [String: JSONValue], Date) throws -> DeploymentRequest
    ) async throws -> ScheduleView {
        let environment = try await environment(key)
        var schedule = try await schedule(id, environment: environment)
        let now = Date()
        let accepted = try change(&schedule, body, now)
        // Changing what it deploys is checked as a deployment is; pausing an admin's override is not overriding.
        if body["deployment"] != nil { try requireOverrideRole(accepted, caller: caller) }
        schedule.revision += 1
        schedule.updatedAt = now
        schedule.updatedBy = caller.name
        let set = Self.set(schedule, accepted: accepted, environment: environment, now: now)
        await outbox.publish([try await intake.save(schedule, set: set, outbox: outbox)])
        AuditNotes.note(
            "schedule \(schedule.id.lowercasedString): \(schedule.enabled ? "enabled" : "paused"), \(schedule.cron) \(schedule.timeZone)")
        return ScheduleView(schedule, environment: environment, now: now)
    }

    /// Sends every schedule of `environment` again, counted up (its target, notifications or
    /// lifecycle changed; `deleted`: the environment was deleted, and its schedules with it).
    func resendSchedules(of environment: EnvironmentResource, by: String, deleted: Bool = false) async throws {
        let now = Date()
        var entries: [TransactionalOutbox.Entry] = []
        for var schedule in try await intake.schedules(environment: environment.id) {
            schedule.revision += 1
            guard case .success(let accepted) = ScheduleRequest.deployment(of: schedule, now: now) else { continue }
            let set = Self.set(schedule, accepted: accepted, environment: environment, now: now, deleted: deleted)
            entries.append(try await deleted ? intake.delete(schedule, set: set, outbox: outbox) : intake.save(schedule, set: set, outbox: outbox))
        }
        guard !entries.isEmpty else { return }
        await outbox.publish(entries)
        logger.info(
            "intake.schedules.resent", metadata: ["environment": "\(environment.name)", "hangar.count": "\(entries.count)", "by": "\(by)"])
    }

    /// The `schedule.set` for `schedule`: active while enabled and the environment takes deployments.
    static func set(
        _ schedule: ScheduleResource, accepted: DeploymentRequest, environment: EnvironmentResource, now: Date, deleted: Bool = false
    ) -> RecurringScheduleSet {
        RecurringScheduleSet(
            scheduleId: schedule.id, revision: schedule.revision, active: !deleted && schedule.enabled && environment.lifecycle == .activated,
            deleted: deleted, cron: schedule.cron, timeZone: schedule.timeZone, misfire: schedule.misfire,
            template: submission(accepted, to: environment, owner: "schedule:\(schedule.id.lowercasedString)", now: now, scheduledAt: nil))
    }

    static func validated(_ result: Result<DeploymentRequest, Problem>) throws -> DeploymentRequest {
        switch result {
        case .success(let accepted): return accepted
        case .failure(let problem): throw problem
        }
    }

    /// Overriding freezes takes the admin role, for a schedule as for a deployment.
    private func requireOverrideRole(_ accepted: DeploymentRequest, caller: Caller) throws {
        guard accepted.overrideFreeze != nil, caller.role < .admin else { return }
        throw Problem(
            .forbidden, title: "Not allowed",
            detail: "overriding a freeze needs the admin role; the token '\(caller.name)' is \(caller.role.rawValue)")
    }

    private func schedule(_ text: String, environment: EnvironmentResource) async throws -> ScheduleResource {
        guard let id = UUID(parsing: text), let schedule = try await intake.schedule(id, environment: environment.id) else {
            throw Problem.notFound("no schedule of '\(environment.name)' has the id '\(text)'")
        }
        return schedule
    }
}
