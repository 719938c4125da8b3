import Foundation
import HangarContracts
import HangarHistory

/// `PUT` and `DELETE /v1/environments/{env}/servers/{server}/shutdown`: schedule, extend or
/// cancel a server's shutdown (deployer); `GET /v1/environments/{env}/shutdowns`: the
/// environment's shutdown history (viewer). Intake records the request and sends it to the
/// scheduler, which fires it with its timers and publishes every turn as a
/// `server.shutdown.*` event (kept by the recorder, emailed by the notifier, streamed by
/// intake); `GET …/servers` shows it on each server as `scheduledShutdown` until it is done.
extension IntakeAPI {
    /// The furthest ahead a shutdown can be scheduled.
    static let shutdownHorizon: TimeInterval = 90 * 24 * 3600

    /// The environment `key`'s shutdown history.
    func shutdownHistory(of key: String) async throws -> ShutdownHistory {
        let environment = try await environment(key)
        return ShutdownHistory(environment: environment.name, items: try await history.shutdownEvents(environment: environment.id))
    }

    /// Body `{"at": "<RFC 3339>", "notify": ["<email>", …]}`, `at` in the future: schedules the
    /// stop, replacing an earlier time (extend or advance); `notify` is told when the server
    /// was stopped or could not be. Answers the server as its provider reports it, with the shutdown.
    func scheduleShutdown(of serverId: String, in key: String, _ body: [String: JSONValue], by caller: Caller) async throws -> ServerInfo {
        let environment = try await environment(key)
        let now = Date()
        let (at, notify) = try Self.validateShutdown(body, now: now)
        // The server must exist: ask a worker, as the listing does.
        var server = try await managedServer(environment, caller: caller, serverId: serverId)
        guard server.role != .instance else {
            throw Problem(
                .conflict, title: "An instance of the group",
                detail:
                    "'\(serverId)' is an instance of the environment's group, which starts and stops it; only its servers can be scheduled to stop")
        }
        let command = ScheduleServerShutdown(
            environment, serverId: serverId, serverName: server.name, at: at, requestedBy: caller.name, requestedAt: now, notify: notify)
        // The scheduler fires it.
        await outbox.publish([try await intake.scheduleShutdown(command, outbox: outbox)])
        server.scheduledShutdown = ScheduledShutdown(at: Date(epochMilliseconds: at.epochMilliseconds), requestedBy: caller.name, requestedAt: now)
        AuditNotes.note("\(server.name) (\(serverId)) to stop at \(HangarJSON.formatDate(at))")
        logger.info(
            "intake.server.shutdown.scheduled",
            metadata: ["environment": "\(environment.name)", "server": "\(serverId)", "at": "\(HangarJSON.formatDate(at))", "by": "\(caller.name)"])
        return server
    }

    /// Every bad field of a shutdown's body, named; else its time and who to tell.
    static func validateShutdown(_ body: [String: JSONValue], now: Date) throws -> (at: Date, notify: [String]) {
        var problems: [Problem.FieldError] = []
        for key in body.keys.sorted() where key != "at" && key != "notify" {
            problems.append(.init(field: key, message: "is not a field of a shutdown; expected at, notify"))
        }
        var at: Date?
        switch body["at"] {
        case .string(let text)?:
            if let date = HangarJSON.parseDate(text) {
                if date <= now {
                    problems.append(.init(field: "at", message: "must be in the future"))
                } else if date.timeIntervalSince(now) > shutdownHorizon {
                    problems.append(.init(field: "at", message: "must be within 90 days"))
                } else {
                    at = date
                }
            } else {
                problems.append(.init(field: "at", message: "must be an RFC 3339 date and time, like 2026-12-04T18:00:00Z"))
            }
        case nil, .null?: problems.append(.init(field: "at", message: "is required: when to stop the server (RFC 3339)"))
        default: problems.append(.init(field: "at", message: "must be a string with an RFC 3339 date and time"))
        }
        var notify: [String] = []
        switch body["notify"] {
        case nil, .null?: break
        case .array(let values)?:
            if values.count > 50 { problems.append(.init(field: "notify", message: "at most 50 recipients")) }
            for (index, value) in values.enumerated() {
                if let email = value.stringValue, DeploymentRequest.isEmail(email) {
                    if !notify.contains(email) { notify.append(email) }
                } else {
                    problems.append(.init(field: "notify[\(index)]", message: "is not a valid email address"))
                }
            }
        default: problems.append(.init(field: "notify", message: "must be an array of email addresses"))
        }
        guard problems.isEmpty, let at else { throw Problem.invalid(problems) }
        return (at, notify)
    }

    /// Cancels the server's scheduled shutdown, or answers 404 when none is scheduled.
    func cancelShutdown(of serverId: String, in key: String, by caller: Caller) async throws {
        let environment = try await environment(key)
        let command = ScheduleServerShutdown(
            environment, serverId: serverId, serverName: serverId, at: nil, requestedBy: caller.name, requestedAt: Date())
        guard try await scheduledShutdowns(of: environment)[serverId] != nil,
            let entry = try await intake.cancelShutdown(command, outbox: outbox)
        else {
            throw Problem(.notFound, title: "No shutdown scheduled", detail: "no shutdown of '\(serverId)' is scheduled in '\(environment.name)'")
        }
        await outbox.publish([entry])
        AuditNotes.note("the scheduled shutdown of \(serverId) cancelled")
        logger.info(
            "intake.server.shutdown.cancelled", metadata: ["environment": "\(environment.name)", "server": "\(serverId)", "by": "\(caller.name)"])
    }

    /// The environment's shutdowns still to come, by server id: those asked for, less those
    /// the scheduler has carried out, given up or cancelled since (the recorder's state), with
    /// the failed attempts of each so far.
    func scheduledShutdowns(of environment: EnvironmentResource) async throws -> [String: ScheduledShutdown] {
        let asked = try await intake.shutdowns(environment: environment.id)
        guard !asked.isEmpty else { return [:] }
        let states = try await history.shutdownStates(environment: environment.id)
        var shutdowns: [String: ScheduledShutdown] = [:]
        for (server, var shutdown) in asked {
            if let state = states[server], state.requestedAt.epochMilliseconds >= shutdown.requestedAt.epochMilliseconds {
                switch state.status {
                case .stopped, .dropped, .cancelled: continue
                case .failed:
                    shutdown.failedAttempts = state.attempt
                    shutdown.lastError = state.lastError
                case .scheduled: break
                }
            }
            shutdowns[server] = shutdown
        }
        return shutdowns
    }

    /// Cancels every shutdown of an environment that is released or deleted.
    func cancelShutdowns(of environment: EnvironmentResource, by: String) async throws {
        let entries = try await intake.cancelShutdowns(of: environment, by: by, outbox: outbox)
        guard !entries.isEmpty else { return }
        await outbox.publish(entries)
        AuditNotes.note("\(entries.count) scheduled server shutdown(s) cancelled")
    }
}

/// `GET /v1/environments/{env}/shutdowns`: the environment's scheduled-shutdown events, newest first.
struct ShutdownHistory: Codable, Sendable, Hashable {
    var environment: String
    var items: [ServerShutdownEvent]
}
