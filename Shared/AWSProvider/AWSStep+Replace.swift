import AWSClient
import Foundation
import HangarContracts
import HangarProviders

/// `replace_instances`: the group's instances are replaced by ones launched from the main model.
///
/// - With `lockInstances`, the group is locked (``InstanceLock``) first and unlocked at the end,
///   whether the step succeeds or fails.
/// - A group pinned to a version number is pointed at the main version (`$Default`/`$Latest`
///   follow the new default on their own).
/// - `requestReconnection`: the request is delivered to the group's instances through Systems
///   Manager Run Command (see `AWSStep+Notice.swift`), the history lists each instance as
///   delivered or not, and the users get `reconnection.minutes` from the sending before anything
///   is replaced (the step waits, as a continuation). `keepUsersConnected`: each rolling batch
///   is drained before it is replaced: taken out of the group's load balancer target groups
///   until its connections are gone or `drainSeconds` passed (see `AWSStep+Drain.swift`). `terminateSessions`: the users' sessions
///   are ended on the group's instances (Run Command, `sessionsCommand`) before the first is
///   replaced, after the reconnection minutes if any.
/// - Strategy (`replacement`): an Auto Scaling instance refresh (minimum healthy percentage,
///   warm-up, skip matching, scale-in protected instances refreshed) or a rolling replacement:
///   batches of `desired × (100 − minHealthyPercentage) %` instances (at least one) are
///   terminated without decrementing the capacity, and the next batch waits until the group has
///   its desired capacity healthy and in service again (and `warmupSeconds` passed). `auto` uses
///   the refresh and falls back to rolling when the endpoint does not implement it.
/// - On failure (the refresh failed, `replaceTimeoutMinutes` passed, the cloud refused) the
///   template's default goes back to the backup model (and a pinned group to the backup
///   version), the lock is released, and the step fails permanently.
extension AWSStep {
    /// Instance refresh states a new run follows: the refresh is replacing (or about to).
    static let followable: Set<String> = ["Pending", "InProgress", "Baking"]
    /// States that refuse a new refresh until they end.
    static let blocking: Set<String> = ["Cancelling", "RollbackInProgress"]

    static let leaving: Set<String> = [
        "Terminating", "Terminating:Wait", "Terminating:Proceed", "Terminated", "Detaching", "Detached",
    ]

    func replaceInstances() async throws -> StepOutcome {
        guard let imageId = command.outputs["imageId"], let main = command.outputs["mainModelVersion"].flatMap(Int.init),
            let backup = command.outputs["backupModelVersion"].flatMap(Int.init), let templateId = command.outputs["launchTemplateId"]
        else {
            return .failed(
                error: "replace_instances needs the imageId, mainModelVersion, backupModelVersion and launchTemplateId of the earlier steps",
                transient: false)
        }
        let models = Models(templateId: templateId, main: main, backup: backup, imageId: imageId)
        var state = continuation
        if state["phase"] == nil { state = try await begin(models) }
        if state["phase"]?.stringValue == "notice-sending", let waiting = try await deliverNotice(&state) { return waiting }
        let now = Date().timeIntervalSince1970
        if let until = state["noticeUntil"]?.doubleValue, until > now {
            let delivered = state["noticeDelivered"]?.intValue ?? 0
            let detail =
                delivered > 0
                ? "users were asked to reconnect; replacing starts in \(Int(until - now)) s"
                : "the reconnection request reached no instance; replacing starts in \(Int(until - now)) s"
            return waiting(state, detail, after: .seconds(until - now))
        }
        if command.options.terminateSessions, state["sessionsEnded"] == nil {
            let instances = state["initial"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if let wait = try await endSessions(on: instances, &state) { return wait }
        }
        state["phase"] = .string("replacing")
        let started = state["startedAt"]?.doubleValue ?? now
        if now - started > Double(settings.replaceTimeoutMinutes * 60) {
            return try await rollback(state, models, reason: "replacing instances took longer than \(settings.replaceTimeoutMinutes) minutes")
        }
        do {
            if state["strategy"] == nil { try await chooseStrategy(&state, models) }
            if let blocked = state.removeValue(forKey: "refreshBlockedBy")?.stringValue {
                return waiting(state, "another instance refresh, \(blocked), blocks this one; trying again")
            }
            if state["strategy"]?.stringValue == "refresh" { return try await checkRefresh(state, models) }
            return try await rollOn(state, models)
        } catch let error as AWSError where !error.isRetriable {
            return try await rollback(state, models, reason: error.description)
        }
    }

    struct Models {
        let templateId: String
        let main: Int
        let backup: Int
        let imageId: String
    }

    /// The first run: lock, mode lines, a pinned group pointed at the main version.
    private func begin(_ models: Models) async throws -> [String: JSONValue] {
        var state: [String: JSONValue] = ["phase": .string("replacing"), "startedAt": .number(Date().timeIntervalSince1970)]
        let group = try await autoScaling.describeGroup(settings.autoScalingGroupName)
        state["initial"] = .array(group.instances.map { .string($0.id) })
        if command.options.lockInstances {
            await progress("locking instances")
            let lock = try await InstanceLock(step: self).lock(group)
            state["lock"] = lock.json
        }
        await progress(modeLine)
        if let version = group.launchTemplateVersion, Int(version) != nil, Int(version) != models.main {
            try await autoScaling.setLaunchTemplate(group: group.name, templateId: models.templateId, version: String(models.main))
            state["pinned"] = .bool(true)
            await progress("pointed instance group \(group.name) at model version \(models.main)")
        }
        if command.mode == .requestReconnection, let minutes = command.reconnection?.minutes, minutes > 0 {
            state["phase"] = .string("notice-sending")
        }
        return state
    }

    var modeLine: String {
        switch command.mode {
        case .optimized: return "replacing instances in optimized publish mode"
        case .standard: return "replacing instances in standard publish mode"
        case .keepUsersConnected:
            return "replacing instances in keep users connected publish mode: each batch gets up to \(settings.drainSeconds) s "
                + "for its users to leave before it is replaced"
        case .requestReconnection:
            let minutes = command.reconnection?.minutes ?? 0
            let message = command.reconnection.map { " (\"\($0.message)\")" } ?? ""
            return "replacing instances in request reconnection publish mode: users have \(minutes) minutes to reconnect\(message)"
        }
    }

    private func chooseStrategy(_ state: inout [String: JSONValue], _ models: Models) async throws {
        guard settings.replacement != .rolling, command.mode != .keepUsersConnected else {
            state["strategy"] = .string("rolling")
            await rollingGateLine()
            return
        }
        var preferences = InstanceRefreshPreferences(
            minHealthyPercentage: settings.minHealthyPercentage, instanceWarmupSeconds: settings.warmupSeconds,
            skipMatching: settings.skipMatching)
        if let policy = command.replacement {
            // The health gate, as the refresh has it (see `Self.refreshPreferences`).
            Self.refreshPreferences(&preferences, policy)
            await progress(Self.gateLine(preferences, policy))
        }
        let started: Result<String, AWSError>
        do {
            started = .success(
                try await autoScaling.startInstanceRefresh(
                    group: settings.autoScalingGroupName, templateId: models.templateId, version: String(models.main),
                    preferences: preferences))
        } catch {
            started = .failure(error)
        }
        switch started {
        case .success(let id):
            state["strategy"] = .string("refresh")
            state["refreshId"] = .string(id)
            await progress("instance refresh \(id) started")
        case .failure(let error) where error.awsCode == "InstanceRefreshInProgress":
            // A run before this one (killed after starting it, its answer lost) or someone
            // else started one: follow it rather than fail. One that is still being cancelled
            // or rolled back, or not listed yet, is waited for and the start tried again.
            let refreshes = try await autoScaling.describeInstanceRefreshes(group: settings.autoScalingGroupName)
            if let running = refreshes.first(where: { Self.followable.contains($0.status) }) {
                state["strategy"] = .string("refresh")
                state["refreshId"] = .string(running.id)
                await progress("following instance refresh \(running.id), already in progress")
            } else {
                let blocking = refreshes.first { Self.blocking.contains($0.status) }
                state["refreshBlockedBy"] = .string(blocking.map { "\($0.id) (\($0.status))" } ?? "a refresh not listed yet")
            }
        case .failure(let error) where Self.isUnavailable(error) && settings.replacement == .auto:
            state["strategy"] = .string("rolling")
            await progress("instance refresh is not available here (\(error)); replacing instances in rolling batches")
            await rollingGateLine()
        case .failure(let error):
            throw error
        }
    }

    /// A ``ReplacementPolicy`` on an instance refresh: the batches are checkpoints at each
    /// `batchPercent` of the group, each held `bakeSeconds`; `minHealthyPercent` is the share of
    /// the group the refresh keeps healthy (AWS judges health by the group's health checks: EC2
    /// status checks, and the load balancer's when the group uses them); `onFailure: rollback` is
    /// `AutoRollback`; `alarms` is the `AlarmSpecification`.
    static func refreshPreferences(_ preferences: inout InstanceRefreshPreferences, _ policy: ReplacementPolicy) {
        preferences.minHealthyPercentage = policy.minHealthyPercent
        preferences.autoRollback = policy.onFailure == .rollback
        preferences.alarms = policy.alarms
        let checkpoints = Array(Set(policy.batches(of: 100).map(\.upperBound))).sorted()
        if checkpoints.count > 1 {
            preferences.checkpointPercentages = checkpoints
            preferences.checkpointDelaySeconds = policy.bakeSeconds
        }
    }

    static func gateLine(_ preferences: InstanceRefreshPreferences, _ policy: ReplacementPolicy) -> String {
        var parts = ["at least \(preferences.minHealthyPercentage) % of the group kept healthy"]
        if !preferences.checkpointPercentages.isEmpty {
            parts.append(
                "checkpoints at \(preferences.checkpointPercentages.map { "\($0) %" }.joined(separator: ", ")), each held \(policy.bakeSeconds) s")
        }
        if !policy.alarms.isEmpty { parts.append("alarms \(policy.alarms.joined(separator: ", "))") }
        switch policy.onFailure {
        case .rollback: parts.append("rolled back automatically if it fails")
        case .fail: parts.append("stopped if it fails")
        case .pause: parts.append("stopped if it fails (an instance refresh cannot pause for a decision: onFailure pause fails here)")
        }
        return "health-gated instance refresh: " + parts.joined(separator: "; ")
    }

    /// What a ``ReplacementPolicy`` means on rolling batches, said once: each batch waits until
    /// the group is healthy again, as it always does; its share and bake, alarms and an
    /// automatic rollback of replaced instances are the instance refresh's alone.
    private func rollingGateLine() async {
        guard command.replacement != nil else { return }
        await progress(
            "rolling batches: each waits until the group's desired capacity is healthy and in service again (up to "
                + "\(settings.replaceTimeoutMinutes) minutes, then the group returns to the backup model); the replacement policy's "
                + "batch share, bake, alarms and rollback of replaced instances apply to an instance refresh only")
    }

    /// The endpoint does not implement the operation (emulators answer 500 with an HTML page).
    static func isUnavailable(_ error: AWSError) -> Bool {
        error.code == .unsupported || (error.code == .unexpectedResponse && (error.httpStatus ?? 0) >= 500)
    }

    private func checkRefresh(_ state: [String: JSONValue], _ models: Models) async throws -> StepOutcome {
        let id = state["refreshId"]?.stringValue ?? ""
        guard let refresh = try await autoScaling.describeInstanceRefreshes(group: settings.autoScalingGroupName, ids: [id]).first else {
            return try await rollback(state, models, reason: "instance refresh \(id) is gone")
        }
        switch refresh.status {
        case "Successful":
            return try await finish(state, models, how: "instance refresh \(id)", outputs: ["instanceRefreshId": id])
        case "RollbackSuccessful" where command.replacement?.onFailure == .rollback:
            // AWS put the group's instances back on the configuration before the refresh.
            let reason = "instance refresh \(id) was rolled back" + (refresh.statusReason.map { ": \($0)" } ?? "")
            return try await rollback(state, models, reason: reason, gate: .rolledBack)
        case "RollbackInProgress" where command.replacement?.onFailure == .rollback:
            return waiting(state, "instance refresh \(id) is rolling back" + (refresh.statusReason.map { ": \($0)" } ?? ""))
        case "Failed", "Cancelled", "Cancelling", "RollbackInProgress", "RollbackFailed", "RollbackSuccessful":
            return try await rollback(
                state, models, reason: "instance refresh \(id) is \(refresh.status)" + (refresh.statusReason.map { ": \($0)" } ?? ""))
        default:
            let percent = refresh.percentageComplete.map { ", \($0)% done" } ?? ""
            return waiting(state, "instance refresh \(id) is \(refresh.status)\(percent)")
        }
    }

    /// One check of the rolling replacement: wait on the current batch, or start the next one.
    private func rollOn(_ stateIn: [String: JSONValue], _ models: Models) async throws -> StepOutcome {
        var state = stateIn
        let now = Date().timeIntervalSince1970
        let group = try await autoScaling.describeGroup(settings.autoScalingGroupName)
        let live = group.instances.filter { !Self.leaving.contains($0.lifecycleState) }
        var images: [String: String] = [:]
        if !live.isEmpty {
            for instance in try await ec2.describeInstances(ids: live.map(\.id)) { images[instance.id] = instance.imageId ?? "" }
        }
        let initial = Set(state["initial"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        func isOld(_ id: String) -> Bool { settings.skipMatching ? images[id] != models.imageId : initial.contains(id) }
        let old = live.filter { isOld($0.id) }.map(\.id).sorted()
        let healthy = live.filter(\.isHealthyInService).count
        let desired = group.desiredCapacity
        let liveIds = Set(live.map(\.id))

        let batch = state["batch"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !batch.isEmpty {
            if batch.contains(where: liveIds.contains) {
                return waiting(state, "terminating \(batch.joined(separator: ", "))")
            }
            if healthy < desired {
                return waiting(state, "waiting for replacements to be healthy: \(healthy) of \(desired) in service")
            }
            if settings.warmupSeconds > 0 {
                guard let ready = state["readyAt"]?.doubleValue else {
                    state["readyAt"] = .number(now + Double(settings.warmupSeconds))
                    return waiting(state, "replacements are warming up for \(settings.warmupSeconds) s", after: .seconds(settings.warmupSeconds))
                }
                if now < ready { return waiting(state, "replacements are warming up", after: .seconds(ready - now)) }
            }
            await progress("replaced \(batch.joined(separator: ", "))")
            state["replaced"] = .number((state["replaced"]?.doubleValue ?? 0) + Double(batch.count))
            state["batch"] = nil
            state["readyAt"] = nil
        }
        if old.isEmpty {
            if healthy >= desired {
                let count = Int(state["replaced"]?.doubleValue ?? 0)
                return try await finish(
                    state, models, how: "rolling replacement of \(count) instances", outputs: ["replacedInstances": String(count)])
            }
            return waiting(state, "waiting for the new instances to be healthy: \(healthy) of \(desired) in service")
        }
        let size = max(1, desired - Int((Double(desired) * Double(settings.minHealthyPercentage) / 100).rounded(.up)))
        let next = Array(old.prefix(size))
        if command.mode == .keepUsersConnected, settings.drainSeconds > 0, let wait = try await drain(next, of: group, &state, now: now) {
            return wait
        }
        for id in next { try await autoScaling.terminateInstance(id, decrementCapacity: false) }
        await progress("replacing \(next.joined(separator: ", ")) (\(old.count) of \(live.count) instances still on an older image)")
        state["batch"] = .array(next.map(JSONValue.string))
        return waiting(state, "waiting for the replacement of \(next.joined(separator: ", "))")
    }

    private func finish(_ state: [String: JSONValue], _ models: Models, how: String, outputs: [String: String]) async throws -> StepOutcome {
        if let lock = InstanceLock.State(state["lock"]) {
            try await InstanceLock(step: self).unlock(lock)
            await progress("unlocking instances")
        }
        var outputs = outputs
        outputs["replacement"] = state["strategy"]?.stringValue == "refresh" ? "instanceRefresh" : "rolling"
        if let delivered = state["noticeDelivered"]?.doubleValue { outputs["reconnectionDelivered"] = String(Int(delivered)) }
        return .succeeded(outputs: outputs, detail: "instances replaced with main model version \(models.main) (image \(models.imageId)) by \(how)")
    }

    /// Returns the group to the backup model, releases the lock and fails the step.
    /// - Parameter gate: set when a health gate stopped the rollout: the step halts with it.
    private func rollback(
        _ state: [String: JSONValue], _ models: Models, reason: String, gate: HealthGateOutcome? = nil
    ) async throws -> StepOutcome {
        await progress("returning the instance group to the backup model, version \(models.backup)")
        if state["strategy"]?.stringValue == "refresh" {
            do { try await autoScaling.cancelInstanceRefresh(group: settings.autoScalingGroupName) } catch {
                logger.info("aws.refresh.cancel.failed", metadata: ["error": "\(error)"])
            }
        }
        try await ec2.setDefaultLaunchTemplateVersion(templateId: models.templateId, version: models.backup)
        if state["pinned"]?.boolValue == true {
            try await autoScaling.setLaunchTemplate(
                group: settings.autoScalingGroupName, templateId: models.templateId, version: String(models.backup))
        }
        let lock = InstanceLock(step: self)
        if let held = InstanceLock.State(state["lock"]) {
            try await lock.unlock(held)
            await progress("unlocking instances")
        } else {
            _ = try await lock.releaseLeftover()
        }
        let error = "\(reason); the instance group was returned to backup model version \(models.backup)"
        if let gate { return .halted(error: error, outputs: [HealthGateOutcome.outputKey: gate.rawValue]) }
        return .failed(error: error, transient: false)
    }
}
