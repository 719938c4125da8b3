import Foundation
import HangarContracts
import Hummingbird

extension IntakeAPI {
    /// Makes the freeze window `body` describes, of `environment` or of every environment
    /// (admin); answers it as listed.
    func createFreeze(_ body: [String: JSONValue], environment: EnvironmentResource?, by caller: Caller) async throws -> FreezeView {
        let window: FreezeWindow
        switch FreezeRequest.validate(body, environmentId: environment?.id, createdBy: caller.name, now: Date()) {
        case .success(let value): window = value
        case .failure(let problem): throw problem
        }
        // The scheduler applies the windows when scheduled deployments fall due.
        await outbox.publish([try await intake.insertFreeze(window, outbox: outbox)])
        AuditNotes.note(
            "froze \(environment.map { "environment \($0.name)" } ?? "every environment"): '\(window.reason)' (\(window.id.lowercasedString))")
        return FreezeView(window: window, now: Date())
    }

    /// Deletes the freeze window `key` (admin), or answers 404.
    func deleteFreeze(_ key: String) async throws {
        guard let id = UUID(parsing: key), let (window, snapshot) = try await intake.deleteFreeze(id, outbox: outbox) else {
            throw Problem.notFound("no freeze window has the id '\(key)'")
        }
        // The scheduler applies the windows when scheduled deployments fall due.
        await outbox.publish([snapshot])
        AuditNotes.note("deleted freeze '\(window.reason)' (\(id.lowercasedString))")
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
        let id = frozen.window.id.lowercasedString
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

/// A freeze window as listed: with, when it holds now, the end of that occurrence (the
/// document's `FreezeWindow`).
struct FreezeView: Codable, Hashable, Sendable {
    var window: FreezeWindow
    var activeUntil: Date?

    init(window: FreezeWindow, now: Date) {
        self.window = window
        activeUntil = window.occurrence(containing: now)?.end
    }

    private enum Keys: String, CodingKey { case activeUntil }

    init(from decoder: any Decoder) throws {
        window = try FreezeWindow(from: decoder)
        activeUntil = try decoder.container(keyedBy: Keys.self).decodeIfPresent(Date.self, forKey: .activeUntil)
    }

    func encode(to encoder: any Encoder) throws {
        try window.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(activeUntil, forKey: .activeUntil)
    }
}

extension FreezeView {
    static func == (lhs: FreezeView, rhs: FreezeView) -> Bool { lhs.window == rhs.window && lhs.activeUntil == rhs.activeUntil }
    func hash(into hasher: inout Hasher) { hasher.combine(window.id) }

    /// `windows` as listed at `now`.
    static func list(_ windows: [FreezeWindow], now: Date) -> [FreezeView] { windows.map { FreezeView(window: $0, now: now) } }
}
