import Foundation
import HangarContracts
import Hummingbird

extension IntakeAPI {
    /// Freeze windows: `GET`/`POST /v1/freezes` (every environment's), `GET`/`POST
    /// /v1/environments/{env}/freezes` (the environment's, listed with every environment's),
    /// `DELETE /v1/freezes/{id}`. Reading takes the viewer role, changing them admin.
    func addFreezeRoutes(to v1: RouterGroup<BasicRequestContext>) {
        v1.get("freezes") { request, _ in
            _ = try auth.authenticate(request, requiring: .viewer)
            return try json(FreezeList(items: try await intake.freezes(environment: nil, all: true), now: Date()))
        }
        v1.post("freezes") { request, _ in try await createFreeze(request, environment: nil) }
        v1.get("environments/:env/freezes") { request, context in
            _ = try auth.authenticate(request, requiring: .viewer)
            let environment = try await environment(context)
            return try json(FreezeList(items: try await intake.freezes(environment: environment.id), now: Date()))
        }
        v1.post("environments/:env/freezes") { request, context in try await createFreeze(request, environment: try await environment(context)) }
        v1.delete("freezes/:id") { request, context in
            _ = try auth.authenticate(request, requiring: .admin)
            let text = context.parameters.get("id") ?? ""
            guard let id = UUID(uuidString: text), let (window, snapshot) = try await intake.deleteFreeze(id, outbox: outbox) else {
                throw Problem.notFound("no freeze window has the id '\(text)'")
            }
            // The scheduler applies the windows when scheduled deployments fall due.
            await outbox.publish([snapshot])
            AuditNotes.note("deleted freeze '\(window.reason)' (\(id.uuidString.lowercased()))")
            return Response(status: .noContent)
        }
    }

    private func createFreeze(_ request: Request, environment: EnvironmentResource?) async throws -> Response {
        let caller = try auth.authenticate(request, requiring: .admin)
        let body = try await jsonObject(request)
        let window: FreezeWindow
        switch FreezeRequest.validate(body, environmentId: environment?.id, createdBy: caller.name, now: Date()) {
        case .success(let value): window = value
        case .failure(let problem): throw problem
        }
        // The scheduler applies the windows when scheduled deployments fall due.
        await outbox.publish([try await intake.insertFreeze(window, outbox: outbox)])
        AuditNotes.note(
            "froze \(environment.map { "environment \($0.name)" } ?? "every environment"): '\(window.reason)' (\(window.id.uuidString.lowercased()))")
        return try json(
            FreezeView(window: window, now: Date()), status: .created, headers: [.location: "/v1/freezes/\(window.id.uuidString.lowercased())"])
    }

    /// Whether a deployment may start when it asks to (now, or its `scheduledAt`): inside a
    /// freeze window it is refused with 409 naming the window, unless an admin overrides the
    /// freeze with a reason; a scheduled one is moved past the window when the window says
    /// `defer`. Answers the time to schedule it at (`nil`: now).
    func freezeCheck(_ accepted: DeploymentRequest, environment: EnvironmentResource, caller: Caller, now: Date) async throws -> Date? {
        if accepted.overrideFreeze != nil && caller.role < .admin {
            throw Problem(
                .forbidden, title: "Not allowed",
                detail: "overriding a freeze needs the admin role; the token '\(caller.name)' is \(caller.role.rawValue)")
        }
        let windows = try await intake.freezes(environment: environment.id)
        let at = accepted.scheduledAt ?? now
        guard let frozen = windows.freeze(at: at) else { return accepted.scheduledAt }
        let id = frozen.window.id.uuidString.lowercased()
        if let reason = accepted.overrideFreeze {
            AuditNotes.note("freeze '\(frozen.window.reason)' (\(id)) overridden: \(reason)")
            return accepted.scheduledAt
        }
        let refusal = Problem(
            .conflict, title: "Frozen",
            detail: "'\(environment.name)' is frozen from \(HangarJSON.formatDate(frozen.start)) until \(HangarJSON.formatDate(frozen.end)): "
                + "\(frozen.window.reason)\(accepted.scheduledAt == nil ? "" : " (the window refuses deployments scheduled inside it)"); an admin may override it with a reason"
        )
        if accepted.scheduledAt == nil || frozen.window.scheduled == .skip {
            var problem = refusal
            problem.freeze = FrozenBy(
                id: frozen.window.id, reason: frozen.window.reason, environmentId: frozen.window.environmentId, from: frozen.start, until: frozen.end)
            throw problem
        }
        guard let free = windows.firstFreeMoment(from: at) else { throw refusal }
        AuditNotes.note(
            "scheduled time \(HangarJSON.formatDate(at)) moved to \(HangarJSON.formatDate(free)), after freeze '\(frozen.window.reason)' (\(id))")
        return free
    }
}

/// A freeze window as listed: with, when it holds now, the end of that occurrence.
struct FreezeView: Encodable {
    var window: FreezeWindow
    var activeUntil: Date?

    init(window: FreezeWindow, now: Date) {
        self.window = window
        activeUntil = window.occurrence(containing: now)?.end
    }

    private enum Keys: String, CodingKey { case activeUntil }

    func encode(to encoder: any Encoder) throws {
        try window.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(activeUntil, forKey: .activeUntil)
    }
}

struct FreezeList: Encodable {
    var items: [FreezeView]

    init(items: [FreezeWindow], now: Date) {
        self.items = items.map { FreezeView(window: $0, now: now) }
    }
}
