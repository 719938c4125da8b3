import Foundation
import HangarContracts
import Hummingbird

/// `PUT` and `DELETE /v1/environments/{env}/servers/{server}/shutdown`: schedule, extend or
/// cancel a server's shutdown (deployer). Intake keeps the schedule and fires it
/// (``ShutdownScheduler``); `GET …/servers` shows it on each server as `scheduledShutdown`.
extension IntakeAPI {
    /// The furthest ahead a shutdown can be scheduled.
    static let shutdownHorizon: TimeInterval = 90 * 24 * 3600

    func addShutdownRoutes(to v1: RouterGroup<BasicRequestContext>) {
        v1.put("environments/:env/servers/:server/shutdown") { request, context in try await scheduleShutdown(request, context) }
        v1.delete("environments/:env/servers/:server/shutdown") { request, context in try await cancelShutdown(request, context) }
    }

    /// Body `{"at": "<RFC 3339>"}`, in the future: schedules the stop, replacing an earlier time
    /// (extend or advance). Answers the server as its provider reports it, with the shutdown.
    private func scheduleShutdown(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let caller = try auth.authenticate(request, requiring: .deployer)
        let environment = try await environment(context)
        let body = try await jsonObject(request)
        let unknown = body.keys.sorted().filter { $0 != "at" }
        guard unknown.isEmpty else { throw Problem.invalid(unknown.map { .init(field: $0, message: "is not a field of a shutdown") }) }
        let now = Date()
        let at: Date
        switch body["at"] {
        case .string(let text)?:
            guard let date = HangarJSON.parseDate(text) else {
                throw Problem.invalid([.init(field: "at", message: "must be an RFC 3339 date and time, like 2026-12-04T18:00:00Z")])
            }
            at = date
        case nil, .null?:
            throw Problem.invalid([.init(field: "at", message: "is required: when to stop the server (RFC 3339)")])
        default:
            throw Problem.invalid([.init(field: "at", message: "must be a string with an RFC 3339 date and time")])
        }
        guard at > now else { throw Problem.invalid([.init(field: "at", message: "must be in the future")]) }
        guard at.timeIntervalSince(now) <= Self.shutdownHorizon else {
            throw Problem.invalid([.init(field: "at", message: "must be within 90 days")])
        }
        // The server must exist: ask a worker, as the listing does.
        let serverId = context.parameters.get("server") ?? ""
        var server = try await managedServer(environment, caller: caller, serverId: serverId)
        guard server.role != .instance else {
            throw Problem(
                .conflict, title: "An instance of the group",
                detail:
                    "'\(serverId)' is an instance of the environment's group, which starts and stops it; only its servers can be scheduled to stop")
        }
        server.scheduledShutdown = try await intake.scheduleShutdown(environment: environment.id, server: serverId, at: at, by: caller.name, now: now)
        AuditNotes.note("\(server.name) (\(serverId)) to stop at \(HangarJSON.formatDate(at))")
        logger.info(
            "intake.server.shutdown.scheduled",
            metadata: ["environment": "\(environment.name)", "server": "\(serverId)", "at": "\(HangarJSON.formatDate(at))", "by": "\(caller.name)"])
        return try json(server)
    }

    /// Cancels the server's scheduled shutdown: 204, or 404 when none is scheduled.
    private func cancelShutdown(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let caller = try auth.authenticate(request, requiring: .deployer)
        let environment = try await environment(context)
        let serverId = context.parameters.get("server") ?? ""
        guard try await intake.cancelShutdown(environment: environment.id, server: serverId) else {
            throw Problem(.notFound, title: "No shutdown scheduled", detail: "no shutdown of '\(serverId)' is scheduled in '\(environment.name)'")
        }
        AuditNotes.note("the scheduled shutdown of \(serverId) cancelled")
        logger.info(
            "intake.server.shutdown.cancelled", metadata: ["environment": "\(environment.name)", "server": "\(serverId)", "by": "\(caller.name)"])
        return Response(status: .noContent)
    }
}
