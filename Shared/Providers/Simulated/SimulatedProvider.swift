import Foundation
import HangarContracts

/// A stand-in cloud for demos, benchmarks and fault tests.
///
/// It is stateless: everything it does derives from the command (deployment id, step,
/// attempt, poll, options, outputs of earlier steps, and the target's settings, see
/// ``SimulatedSettings``), so any worker can run any step of any deployment, and a step run
/// twice produces the same outputs (the image id of a deployment is always the same).
///
/// What each step does:
/// - `validate`: "retrieving server information", "checking the instance group"; outputs the
///   `preparationServerId` and `instanceGroup` (derived from the environment).
/// - `stop_preparation_server`: skipped unless `options.stopPreparationServer`; otherwise
///   "stopping the preparation server" (after "user sessions ended on …" with `terminateSessions`),
///   and it stops in the simulated servers' state; one stopped already stays so
///   (`preparationServerStopped` false). `finalize` starts it again in that state too.
/// - `create_image`: outputs `imageId`, "ami-" and 17 hex digits derived from the deployment id.
/// - `create_models`: "creating main model", "creating backup model", "removing old models";
///   outputs `mainModelVersion` and `backupModelVersion`, derived from the deployment id.
///   Needs the `imageId` of `create_image` in `command.outputs` (a permanent failure otherwise).
/// - `replace_instances`: "locking instances" with `lockInstances`, a line naming the publish
///   mode, with `requestReconnection` one line per instance of the group (`instances`) saying
///   whether the request reached it (`unreachableInstances` do not), and with
///   `terminateSessions` one line per instance saying its users' sessions ended (or not);
///   with `keepUsersConnected` and `sessionsPerInstance`, the instances' sessions drain over
///   `drainMs` (a check every `pollIntervalMs`, each saying how many are still open) before
///   they are replaced; outputs `instanceRefreshId`.
///   Needs `mainModelVersion` in `command.outputs`. With a ``ReplacementPolicy``
///   (``ExecuteStep/replacement``), batch by batch with a health gate after each (see
///   `SimulatedProvider+HealthGates.swift`).
/// - `finalize` of a deployment ending early (`command.cleanup`): "cleaning up after: …", and
///   what it undoes; outputs nothing.
/// - `finalize`: "starting the preparation server again" when this deployment stopped it; outputs
///   `generatedVersion` (the deployment's version label, or "v" and the last 8 hex digits of
///   its id) and passes `imageId`, `mainModelVersion` and `backupModelVersion` through.
///
/// A rollback (``ExecuteStep/rollback``) runs no `stop_preparation_server` or `create_image`
/// (the worker skips them); its `create_models` makes the release's model the default again
/// and keeps the running one as backup ("making model version …", no model created or
/// removed), `replace_instances` is as above, and `finalize` publishes the release's version
/// again. The servers listing shows on each instance the model version it was last replaced
/// with (1 before any).
///
/// Invalid settings fail the step permanently with the settings' problems.
public struct SimulatedProvider: Provider {
    /// The name environments use for it.
    public static let name = "simulated"

    /// Where the simulated servers' states are kept (see ``SimulatedServerState``).
    let serverState: SimulatedServerState
    /// How a step holds the worker for its duration: `Task.sleep`, or a test's clock.
    let sleep: @Sendable (Duration) async throws -> Void

    /// `serverStateFile`: a file that the workers sharing it (one machine, one data folder) keep
    /// the simulated servers' states in, so that each of them reports what any of them did;
    /// `nil`: this process's memory. `sleep`: how a step waits out its duration (tests inject
    /// their own, to see the durations asked for without waiting).
    public init(
        serverStateFile: String? = nil, sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        serverState = serverStateFile.map(SimulatedServerState.init(file:)) ?? .shared
        self.sleep = sleep
    }

    /// Checks that `settings` are valid `simulated` settings; throws ``SimulatedSettingsError`` with every problem.
    public func validate(settings: [String: JSONValue]) throws {
        _ = try SimulatedSettings(settings: settings)
    }

    /// Runs the command's step as described above: skipped when it does not apply; otherwise it reports the step's lines over
    /// its duration, answers in progress for its polls, then fails if an injected failure matches the attempt, else succeeds.
    /// Invalid settings fail the step permanently.
    public func execute(
        _ command: ExecuteStep,
        progress: @escaping @Sendable (String) async -> Void
    ) async throws -> StepOutcome {
        let settings: SimulatedSettings
        do {
            settings = try SimulatedSettings(settings: command.target.settings)
        } catch {
            return .failed(error: error.description, transient: false)
        }
        let step = command.step
        if step == .stopPreparationServer, command.options.stopPreparationServer, command.poll == 0,
            let server = preparationServer(of: command), server.status == "stopped"
        {
            return .succeeded(
                outputs: ["preparationServerStopped": "false"], detail: "preparation server \(server.id) was already stopped; it stays stopped")
        }
        if step == .replaceInstances, let policy = command.replacement, command.cleanup == nil {
            return try await gatedReplace(command, policy: policy, settings: settings, progress: progress)
        }
        let script: Script
        switch Self.script(for: command, settings: settings, preparationStatus: { preparationServer(of: command)?.status }) {
        case .skip(let reason): return .skipped(reason: reason)
        case .fail(let error): return .failed(error: error, transient: false)
        case .run(let value): script = value
        }

        let polls = settings.pollCount(of: step) + script.extraChecks
        let completes = command.poll >= polls
        var lines: [String] = []
        if command.poll == 0 { lines += script.startLines }
        lines += script.checkLines[command.poll] ?? []
        // What the lines say happens to the preparation server happens in the simulated servers'
        // state, so the servers listing shows it.
        if command.poll == 0, let action = script.preparationServer, let server = preparationServer(of: command) {
            _ = serverState.perform(action, on: server, now: Date())
        }
        if completes { lines += script.finishLines }
        try await hold(settings.duration(of: step), reporting: lines, progress)

        guard completes else {
            let continuation: JSONValue = .object([
                "provider": .string(Self.name),
                "step": .string(step.rawValue),
                "resource": .string(script.resource),
                "checks": .number(Double(command.poll + 1)),
            ])
            let detail = "\(script.waiting) (check \(command.poll + 1) of \(polls))"
            return .inProgress(continuation: continuation, checkAfter: settings.pollInterval, detail: detail)
        }
        if let failure = settings.failure(of: step, attempt: command.attempt) {
            let message = failure.message ?? "simulated failure of \(step.rawValue) on attempt \(command.attempt)"
            return .failed(error: message, transient: failure.transient)
        }
        // The instances run the main model from now on: the servers listing shows it.
        if step == .replaceInstances, let model = command.outputs["mainModelVersion"] {
            serverState.replaceInstances(Self.groupKey(of: Self.target(of: command)), model: model)
        }
        return .succeeded(outputs: script.outputs, detail: script.done)
    }

    /// Reports `lines` and sleeps `duration` in total, spread after each line.
    func hold(
        _ duration: Duration, reporting lines: [String], _ progress: @Sendable (String) async -> Void
    ) async throws {
        guard !lines.isEmpty else {
            if duration > .zero { try await sleep(duration) }
            return
        }
        let share = duration / lines.count
        for line in lines {
            await progress(line)
            if share > .zero { try await sleep(share) }
        }
    }

    // MARK: The steps

    /// What a step says and produces.
    struct Script {
        /// Reported on the first run (`poll` 0).
        var startLines: [String]
        /// Reported on the run that completes the step.
        var finishLines: [String] = []
        /// What the cloud is busy with, while the step waits.
        var waiting: String
        /// The id of what the step waits on, for the continuation.
        var resource: String
        /// The success detail.
        var done: String
        var outputs: [String: String]
        /// What the step does to the preparation server (stop it, start it again), if anything.
        var preparationServer: ServerAction? = nil
        /// Checks the step waits for beyond its `polls` setting (a drain), and the lines
        /// reported on given checks (`poll` numbers).
        var extraChecks = 0
        var checkLines: [Int: [String]] = [:]
    }

    /// The command's target with its environment's id, as the servers listing sees it.
    static func target(of command: ExecuteStep) -> ProviderTarget {
        ProviderTarget(provider: name, settings: command.target.settings, environmentId: command.environmentId)
    }

    /// The environment's simulated preparation server as it stands now.
    func preparationServer(of command: ExecuteStep) -> ServerInfo? {
        let base = Self.baseServers(of: Self.target(of: command)).filter { $0.role == .preparation }
        return serverState.apply(to: base, now: Date()).first
    }

    enum Plan {
        case skip(String)
        case fail(String)
        case run(Script)
    }

    /// - Parameter preparationStatus: the preparation server's status now, when known; asked
    ///   only by a cleanup that cannot tell from the outputs whether the server was stopped
    ///   (it reads the simulated servers' state, a file shared by the workers).
    static func script(
        for command: ExecuteStep, settings: SimulatedSettings = SimulatedSettings(), preparationStatus: () -> String? = { nil }
    ) -> Plan {
        let ids = SimulatedIDs(command)
        switch command.step {
        case .validate:
            return .run(
                Script(
                    startLines: ["retrieving server information", "checking the instance group"],
                    waiting: "waiting for instance group \(ids.instanceGroup) to be stable", resource: ids.instanceGroup,
                    done: "preparation server \(ids.preparationServer) and instance group \(ids.instanceGroup) are ready",
                    outputs: ["preparationServerId": ids.preparationServer, "instanceGroup": ids.instanceGroup]))

        case .stopPreparationServer:
            guard command.options.stopPreparationServer else {
                return .skip("the preparation server was not asked to stop")
            }
            let sessions = command.options.terminateSessions ? ["user sessions ended on \(ids.preparationServer)"] : []
            return .run(
                Script(
                    startLines: sessions + ["stopping the preparation server"],
                    waiting: "preparation server \(ids.preparationServer) is stopping", resource: ids.preparationServer,
                    done: "preparation server \(ids.preparationServer) is stopped",
                    outputs: ["preparationServerStopped": "true"], preparationServer: .stop))

        case .createImage:
            let imageId = ids.image
            return .run(
                Script(
                    startLines: ["creating an image of preparation server \(ids.preparationServer)"],
                    waiting: "image \(imageId) is pending", resource: imageId,
                    done: "image \(imageId) is available",
                    outputs: ["imageId": imageId]))

        case .createModels:
            if let rollback = command.rollback { return .run(rollbackModels(rollback)) }
            guard let imageId = command.outputs["imageId"] else {
                return .fail("create_models needs the imageId that create_image produced; the command's outputs have none")
            }
            let (main, backup) = ids.modelVersions
            return .run(
                Script(
                    startLines: ["creating main model", "creating backup model"],
                    finishLines: ["removing old models"],
                    waiting: "models from image \(imageId) are being created", resource: imageId,
                    done: "main model version \(main) and backup model version \(backup) use image \(imageId)",
                    outputs: ["mainModelVersion": main, "backupModelVersion": backup]))

        case .replaceInstances:
            guard let model = command.outputs["mainModelVersion"] else {
                return .fail("replace_instances needs the mainModelVersion that create_models produced; the command's outputs have none")
            }
            var start: [String] = []
            var finish: [String] = []
            if command.options.lockInstances {
                start.append("locking instances")
                finish.append("unlocking instances")
            }
            start.append(modeLine(command, settings: settings))
            var outputs = ["instanceRefreshId": ids.instanceRefresh]
            if command.mode == .requestReconnection {
                start += noticeLines(command, settings: settings)
                outputs["reconnectionDelivered"] = String(max(0, settings.instances - settings.unreachableInstances))
            }
            if command.options.terminateSessions { start += sessionLines(command, settings: settings) }
            var script = Script(
                startLines: start, finishLines: finish,
                waiting: "instance refresh \(ids.instanceRefresh) is replacing instances", resource: ids.instanceRefresh,
                done: "instances replaced with main model version \(model)",
                outputs: outputs)
            if command.mode == .keepUsersConnected, !command.options.terminateSessions, let drain = drainPlan(settings: settings) {
                script.startLines += drain.lines[0] ?? []
                script.checkLines = drain.lines.filter { $0.key > 0 }
                script.extraChecks = drain.checks
            }
            return .run(script)

        case .finalize:
            if let reason = command.cleanup {  // the deployment is ending early: undo, publish nothing
                var start = ["cleaning up after: \(reason)"]
                // Stopped by this deployment: its output says so, or (the stop's answer lost) the
                // server is not running now.
                let stopped =
                    command.outputs["preparationServerStopped"] == "true"
                    || command.outputs["preparationServerStopped"] == nil && command.outputs["imageId"] == nil
                        && command.options.stopPreparationServer && preparationStatus().map { $0 != "running" } ?? true
                if stopped { start.append("starting the preparation server again") }
                if command.options.lockInstances && command.outputs["mainModelVersion"] != nil { start.append("unlocking instances") }
                if let backup = command.outputs["backupModelVersion"], command.outputs["instanceRefreshId"] == nil {
                    start.append("returning the default model to the backup model, version \(backup)")
                }
                return .run(
                    Script(
                        startLines: start, waiting: "preparation server \(ids.preparationServer) is starting", resource: ids.preparationServer,
                        done: "cleaned up; nothing was published", outputs: [:], preparationServer: stopped ? .start : nil))
            }
            let version = ids.generatedVersion
            var start: [String] = []
            let restart = command.outputs["preparationServerStopped"] == "true"
            if restart { start.append("starting the preparation server again") }
            if let rollback = command.rollback {
                start.append(rollback.publishingLine)
            } else {
                start.append("publishing version \(version)")
            }
            var outputs = ["generatedVersion": version]
            for key in ["imageId", "mainModelVersion", "backupModelVersion"] {
                if let value = command.outputs[key] { outputs[key] = value }
            }
            return .run(
                Script(
                    startLines: start,
                    waiting: "preparation server \(ids.preparationServer) is starting", resource: ids.preparationServer,
                    done: "version \(version) is published", outputs: outputs, preparationServer: restart ? .start : nil))
        }
    }

    /// A rollback's `create_models`: the release's model becomes the default again, the one
    /// running now is kept as the backup; nothing is created or removed.
    static func rollbackModels(_ rollback: RollbackOf) -> Script {
        var outputs = ["mainModelVersion": rollback.modelVersion, "backupModelVersion": rollback.fromModelVersion]
        if let image = rollback.imageId { outputs["imageId"] = image }
        return Script(
            startLines: [
                "making model version \(rollback.modelVersion) (version \(rollback.version)) the default model again",
                "keeping model version \(rollback.fromModelVersion) (version \(rollback.fromVersion)) as the backup model",
            ],
            waiting: "model version \(rollback.modelVersion) is becoming the default", resource: rollback.modelVersion,
            done: "main model version \(rollback.modelVersion) (version \(rollback.version)) is the default again; "
                + "backup model version \(rollback.fromModelVersion)",
            outputs: outputs)
    }

    /// `requestReconnection`: the request goes to each simulated instance of the group; the last
    /// `unreachableInstances` do not get it. The simulated provider does not wait the users'
    /// minutes, and says so.
    static func noticeLines(_ command: ExecuteStep, settings: SimulatedSettings) -> [String] {
        let ids = SimulatedIDs(command)
        let instances = (0..<settings.instances).map(ids.instance)
        guard !instances.isEmpty else { return ["the simulated instance group has no instance to send the reconnection request to"] }
        let reached = max(0, instances.count - settings.unreachableInstances)
        var lines = ["sending the reconnection request to \(instances.count) simulated instances"]
        for (index, id) in instances.enumerated() {
            lines.append(
                index < reached
                    ? "reconnection request delivered to \(id)"
                    : "reconnection request not delivered to \(id): the simulated instance is unreachable")
        }
        lines.append(
            reached > 0
                ? "users were asked to reconnect on \(reached) of \(instances.count) instances (simulated: replacing does not wait for them)"
                : "the reconnection request reached none of the \(instances.count) instances")
        return lines
    }

    /// `terminateSessions`: the users' sessions end on each reachable simulated instance.
    static func sessionLines(_ command: ExecuteStep, settings: SimulatedSettings) -> [String] {
        let ids = SimulatedIDs(command)
        let reached = max(0, settings.instances - settings.unreachableInstances)
        return (0..<settings.instances).map { index in
            index < reached
                ? "user sessions ended on \(ids.instance(index))"
                : "user sessions not ended on \(ids.instance(index)): the simulated instance is unreachable"
        }
    }

    /// `keepUsersConnected` with `sessionsPerInstance`: the group's instances are taken out of
    /// service and their sessions end evenly over `drainMs`, looked at every `pollIntervalMs`
    /// (one check more per interval the drain lasts); the instances are replaced once none is
    /// left. `nil` when there are no sessions. Lines by check number (0: the first run).
    static func drainPlan(settings: SimulatedSettings) -> (checks: Int, lines: [Int: [String]])? {
        let total = settings.instances * settings.sessionsPerInstance
        guard total > 0 else { return nil }
        let checks: Int
        if settings.drain == .zero {
            checks = 0
        } else if settings.pollInterval == .zero {
            checks = 1
        } else {
            checks = Int((settings.drain / settings.pollInterval).rounded(.up))
        }
        var lines: [Int: [String]] = [
            0: [
                "draining \(settings.instances) simulated instances: \(total) user sessions open, ending over \(Self.seconds(settings.drain / .seconds(1))) (simulated)"
            ]
        ]
        for check in 1..<max(checks, 1) {
            let share = min(1, Double(check) / (settings.drain / max(settings.pollInterval, .nanoseconds(1))))
            let open = total - Int((Double(total) * share).rounded(.down))
            lines[check, default: []].append("\(open) of \(total) user sessions still open on the draining instances (simulated)")
        }
        lines[checks, default: []].append("all \(total) user sessions on the drained instances ended; replacing them (simulated)")
        return (checks, lines)
    }

    /// "90 s", "1.5 s".
    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(((value * 10).rounded() / 10)) s"
    }

    static func modeLine(_ command: ExecuteStep, settings: SimulatedSettings) -> String {
        switch command.mode {
        case .optimized:
            return "replacing instances in optimized publish mode"
        case .standard:
            return "replacing instances in standard publish mode"
        case .keepUsersConnected:
            guard settings.sessionsPerInstance > 0 else {
                return "replacing instances in keep users connected publish mode (simulated: there are no users to drain)"
            }
            return "replacing instances in keep users connected publish mode"
        case .requestReconnection:
            guard let reconnection = command.reconnection else {
                return "replacing instances in request reconnection publish mode"
            }
            return "replacing instances in request reconnection publish mode: users have \(reconnection.minutes) minutes "
                + "to reconnect (\"\(reconnection.message)\")"
        }
    }
}

/// The simulated cloud's resource ids, derived from the command alone.
struct SimulatedIDs {
    let command: ExecuteStep

    init(_ command: ExecuteStep) { self.command = command }

    private var deployment: String { command.deploymentId.lowercasedString }
    private var environment: String { command.environmentId.lowercasedString }

    var preparationServer: String { "i-" + Self.hex("server:\(environment)", count: 17) }
    var instanceGroup: String { "hangar-" + Self.hex("group:\(environment)", count: 8) }
    var image: String { "ami-" + Self.hex("image:\(deployment)", count: 17) }
    var instanceRefresh: String { "refresh-" + Self.hex("refresh:\(deployment)", count: 12) }
    /// The group's instance number `index` (stable for the environment).
    func instance(_ index: Int) -> String { "i-" + Self.hex("instance:\(environment):\(index)", count: 17) }

    /// Launch-template-like version numbers: main N, backup N + 1, N from 2 to 9001.
    var modelVersions: (main: String, backup: String) {
        let n = 2 + Self.hash("models:\(deployment)", 0) % 9000
        return (String(n), String(n + 1))
    }

    /// The version label, or "v" and the last 8 hex digits of the deployment id.
    var generatedVersion: String {
        if let version = command.version?.trimmingCharacters(in: .whitespaces), !version.isEmpty { return version }
        return "v" + deployment.suffix(8)
    }

    /// `count` lowercase hex digits derived from `seed`.
    static func hex(_ seed: String, count: Int) -> String {
        var digits = ""
        var block: UInt64 = 0
        while digits.count < count {
            let text = String(hash(seed, block), radix: 16)
            digits += String(repeating: "0", count: 16 - text.count) + text
            block += 1
        }
        return String(digits.prefix(count))
    }

    /// FNV-1a over `seed` and `block`, finished with SplitMix64's mixer: stable across
    /// processes and machines (unlike `Hasher`).
    static func hash(_ seed: String, _ block: UInt64) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01b3
        }
        for shift in stride(from: 0, to: 64, by: 8) {
            value ^= (block >> UInt64(shift)) & 0xff
            value &*= 0x0000_0100_0000_01b3
        }
        value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
        value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
        return value ^ (value >> 31)
    }
}
