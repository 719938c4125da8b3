import Foundation
import HangarContracts
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The simulated provider's servers: a preparation server and one support server per
/// environment, and the instances of its simulated group (`instances` of them).
///
/// **Which** servers an environment has derives from the target alone (its `environmentId`,
/// else its settings), so every worker lists the same ids, names and addresses: the
/// preparation server's id is the `preparationServerId` that the `validate` step outputs,
/// and both were launched when the environment was created (the time inside its UUIDv7 id).
///
/// **How they stand** (running, stopped…) after a start, stop or restart is kept in a file
/// shared by the workers of one data folder (`HANGAR_SIMULATED_SERVERS_FILE`, by default
/// `<data dir>/simulated-servers.json`), so any of them reports what another did; without a
/// file, in the memory of the worker process that performed the action (a listing answered by
/// another worker then shows that worker's view). A transition (`stopping`, `pending`,
/// `rebooting`) lasts ``transitionDuration`` and then settles.
extension SimulatedProvider {
    /// How long a simulated server stays `stopping`, `pending` or `rebooting`.
    public static let transitionDuration: Duration = .seconds(2)

    /// The servers, then the instances of the simulated group (none while it is released).
    public func servers(of target: ProviderTarget) async throws -> [ServerInfo] {
        let now = Date()
        let settings = (try? SimulatedSettings(settings: target.settings)) ?? SimulatedSettings()
        return serverState.listing(
            servers: Self.baseServers(of: target), instances: Self.baseInstances(of: target, count: settings.instances),
            group: Self.groupKey(of: target), now: now)
    }

    /// Starts, stops or restarts the simulated preparation or support server `serverId` and answers how it stands right
    /// after: a change shows `pending`, `stopping` or `rebooting` for ``transitionDuration``; starting a running server or
    /// stopping a stopped one changes nothing. Throws ``ProviderUnsupportedError`` for an instance of the simulated group
    /// and ``SimulatedServerNotFound`` for an id the environment does not have.
    public func perform(_ action: ServerAction, on serverId: String, of target: ProviderTarget) async throws -> ServerInfo {
        let now = Date()
        guard let server = Self.baseServers(of: target).first(where: { $0.id == serverId }) else {
            let settings = (try? SimulatedSettings(settings: target.settings)) ?? SimulatedSettings()
            if Self.baseInstances(of: target, count: settings.instances).contains(where: { $0.id == serverId }) {
                throw ProviderUnsupportedError(
                    provider: Self.name,
                    operation: "\(action.rawValue) \(serverId): it is an instance of the simulated group, which starts and stops it")
            }
            throw SimulatedServerNotFound(serverId: serverId)
        }
        return serverState.perform(action, on: server, now: now)
    }

    /// Release: the simulated group goes to zero and the running servers stop; resume: the
    /// group comes back to `instances` and the servers the release stopped start again.
    public func perform(_ action: EnvironmentCloudAction, of target: ProviderTarget) async throws -> [String] {
        let settings = try SimulatedSettings(settings: target.settings)
        let now = Date()
        let scaled = serverState.scaleGroup(Self.groupKey(of: target), releasing: action == .release, now: now)
        let acted = serverState.perform(action, on: Self.baseServers(of: target), now: now)
        switch action {
        case .release:
            return [
                scaled
                    ? "scaled the simulated instance group from \(settings.instances) to 0 instances"
                    : "the simulated instance group is at 0 instances"
            ]
                + acted.map { "stopped \($0.role.rawValue) server \($0.name) (\($0.id), simulated)" }
        case .resume:
            return [
                scaled
                    ? "scaled the simulated instance group back to \(settings.instances) instances"
                    : "the simulated instance group holds no record of a release: nothing to restore"
            ] + acted.map { "started \($0.role.rawValue) server \($0.name) (\($0.id), simulated), which the release had stopped" }
        }
    }

    /// The simulated group's instances as launched, all running, from model version 1: ids as
    /// the steps name them (``SimulatedIDs/instance(_:)``), launched with the servers. A
    /// simulated replacement keeps their ids and launch times and changes their model
    /// version; a release and resume relaunches them.
    static func baseInstances(of target: ProviderTarget, count: Int) -> [ServerInfo] {
        let launched = launched(of: target)
        let seed = seed(of: target)
        return (0..<count).map { index in
            ServerInfo(
                id: "i-" + SimulatedIDs.hex("instance:\(seed):\(index)", count: 17), name: "instance-\(index + 1)", role: .instance,
                status: "running", privateIP: "10.1.\(index / 250).\(index % 250 + 2)", platform: "Windows Server 2022 (simulated)",
                instanceType: "t3.medium", launchedAt: launched, modelVersion: "1", health: "healthy")
        }
    }

    /// When the environment's servers and instances were first launched: when it was created
    /// (the time inside its UUIDv7 id), else 2026-01-01.
    static func launched(of target: ProviderTarget) -> Date {
        target.environmentId.flatMap(Self.timestamp(ofV7:)) ?? Date(timeIntervalSince1970: 1_767_225_600)
    }

    /// The key the simulated group's state is kept under.
    static func groupKey(of target: ProviderTarget) -> String { "group:" + seed(of: target) }

    /// What the simulated ids of an environment derive from: its id, else its settings.
    static func seed(of target: ProviderTarget) -> String {
        if let environment = target.environmentId { return environment.lowercasedString }
        return (try? HangarJSON.encoder.encode(target.settings)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The servers as launched, all running.
    static func baseServers(of target: ProviderTarget) -> [ServerInfo] {
        let seed = seed(of: target)
        let launched = launched(of: target)
        let preparationId = "i-" + SimulatedIDs.hex("server:\(seed)", count: 17)
        let supportId = "i-" + SimulatedIDs.hex("support:\(seed)", count: 17)
        func address(_ salt: String, prefix: String) -> String {
            let value = SimulatedIDs.hash("\(salt):\(seed)", 0)
            return "\(prefix).\((value >> 8) % 250 + 2).\(value % 250 + 2)"
        }
        return [
            ServerInfo(
                id: preparationId, name: "preparation", role: .preparation, status: "running",
                publicIP: "203.0.113.\(SimulatedIDs.hash("public:\(seed)", 0) % 250 + 2)",
                privateIP: address("private", prefix: "10.0"), platform: "Windows Server 2022 (simulated)",
                instanceType: "t3.large", imageStatus: "available", launchedAt: launched),
            ServerInfo(
                id: supportId, name: "license-server", role: .support, status: "running", publicIP: nil,
                privateIP: address("support", prefix: "10.0"), platform: "Linux/UNIX (simulated)", instanceType: "t3.micro",
                imageStatus: nil, launchedAt: launched),
        ]
    }

    /// The Unix milliseconds inside a version 7 UUID, `nil` for other versions.
    static func timestamp(ofV7 id: UUID) -> Date? {
        let bytes = id.uuid
        guard bytes.6 >> 4 == 7 else { return nil }
        let parts = [bytes.0, bytes.1, bytes.2, bytes.3, bytes.4, bytes.5]
        let milliseconds = parts.reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}

/// No server of the environment has that id.
public struct SimulatedServerNotFound: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server id that was asked for.
    public var serverId: String
    /// Says that the environment has no server with that id; the worker sends it back as a `notFound` server reply.
    public var description: String { "the environment has no server '\(serverId)'" }
}

/// What was done to simulated servers: in this process's memory, or in a file shared by the
/// workers of one machine (read and written under an exclusive `flock` of `<file>.lock`).
final class SimulatedServerState: Sendable {
    static let shared = SimulatedServerState(file: nil)

    fileprivate struct Entry: Codable, Equatable {
        /// The state it settles in, and the word shown until `settlesAt`.
        var settled: String
        var transition: String?
        var settlesAt: Date
        var launchedAt: Date?
        /// Stopped by a release of its environment (and so started again by a resume).
        var stoppedByRelease: Bool?
    }

    private let file: String?
    private let entries = Mutex<[String: Entry]>([:])
    /// Without a file: each group's model version, by group key.
    private let models = Mutex<[String: String]>([:])
    /// With a file: the descriptors of the groups' model files written so far, by group key.
    private let modelFiles = Mutex<[String: Int32]>([:])
    /// Without a file: each group's ``SimulatedInstanceStates``, by group key.
    let memoryInstanceStates = Mutex<[String: SimulatedInstanceStates]>([:])

    init(file: String?) {
        self.file = file
    }

    func apply(to servers: [ServerInfo], now: Date) -> [ServerInfo] {
        withEntries { entries in servers.map { Self.view($0, entries[$0.id], now: now) } }
    }

    func perform(_ action: ServerAction, on server: ServerInfo, now: Date) -> ServerInfo {
        withEntries { entries in
            let current = Self.view(server, entries[server.id], now: now)
            let settle = now.addingTimeInterval(Double(SimulatedProvider.transitionDuration.components.seconds))
            var entry = entries[server.id] ?? Entry(settled: "running", transition: nil, settlesAt: now, launchedAt: nil)
            switch action {
            case .stop:
                guard current.status != "stopped" && current.status != "stopping" else { return current }
                entry = Entry(settled: "stopped", transition: "stopping", settlesAt: settle, launchedAt: nil)
            case .start:
                guard current.status != "running" && current.status != "pending" else { return current }
                entry = Entry(settled: "running", transition: "pending", settlesAt: settle, launchedAt: now)
            case .restart:
                let wasRunning = current.status == "running"
                entry = Entry(
                    settled: "running", transition: wasRunning ? "rebooting" : "pending", settlesAt: settle,
                    launchedAt: wasRunning ? current.launchedAt : now)
            }
            entries[server.id] = entry
            return Self.view(server, entry, now: now)
        }
    }

    /// Release: stops each of `servers` that runs, marking it as stopped by the release.
    /// Resume: starts those a release stopped. Answers the servers it acted on.
    func perform(_ action: EnvironmentCloudAction, on servers: [ServerInfo], now: Date) -> [ServerInfo] {
        withEntries { entries in
            let settle = now.addingTimeInterval(Double(SimulatedProvider.transitionDuration.components.seconds))
            var acted: [ServerInfo] = []
            for server in servers {
                let current = Self.view(server, entries[server.id], now: now)
                switch action {
                case .release:
                    guard current.status == "running" || current.status == "pending" || current.status == "rebooting" else { continue }
                    entries[server.id] = Entry(settled: "stopped", transition: "stopping", settlesAt: settle, launchedAt: nil, stoppedByRelease: true)
                case .resume:
                    guard entries[server.id]?.stoppedByRelease == true else { continue }
                    entries[server.id] = Entry(settled: "running", transition: "pending", settlesAt: settle, launchedAt: now)
                }
                acted.append(current)
            }
            return acted
        }
    }

    /// The servers as they stand, then the group's instances: none while a release holds the
    /// group at zero; after a resume, launched then (`pending` for the transition, then
    /// `running`), each with the group's model. One read of the entries, one of the model.
    func listing(servers: [ServerInfo], instances: [ServerInfo], group: String, now: Date) -> [ServerInfo] {
        let model = model(of: group)
        let states = instanceStates(of: group)
        return withEntries { entries in
            servers.map { Self.view($0, entries[$0.id], now: now) }
                + Self.applying(states, to: Self.groupView(instances, entries[group], model: model, now: now), groupModel: model)
        }
    }

    private static func groupView(_ instances: [ServerInfo], _ entry: Entry?, model: String?, now: Date) -> [ServerInfo] {
        let instances = instances.map { instance in
            var instance = instance
            instance.modelVersion = model ?? instance.modelVersion
            return instance
        }
        guard let entry else { return instances }
        if entry.settled == "stopped" { return [] }
        return instances.map { instance in
            var instance = instance
            instance.status = now < entry.settlesAt ? (entry.transition ?? entry.settled) : entry.settled
            instance.launchedAt = entry.launchedAt ?? instance.launchedAt
            return instance
        }
    }

    /// Release (`releasing`): the group goes to zero instances; resume: a released group
    /// comes back, its instances launched `now`. Answers whether it changed anything.
    func scaleGroup(_ group: String, releasing: Bool, now: Date) -> Bool {
        withEntries { entries in
            let released = entries[group]?.settled == "stopped"
            if releasing {
                guard !released else { return false }
                entries[group] = Entry(settled: "stopped", transition: nil, settlesAt: now, launchedAt: nil, stoppedByRelease: true)
            } else {
                guard released else { return false }
                let settle = now.addingTimeInterval(Double(SimulatedProvider.transitionDuration.components.seconds))
                entries[group] = Entry(settled: "running", transition: "pending", settlesAt: settle, launchedAt: now)
            }
            return true
        }
    }

    /// A replacement of the group's instances: from now on they run model version `model`
    /// (ids and launch times kept, as the simulated replacement keeps them).
    ///
    /// Every deployment writes this, so it stays off the servers' entries (rewriting every
    /// environment's entries cost the worker ~0.5 ms a deployment): one small file per group
    /// next to the state file, rewritten in place with one `pwrite` through a descriptor kept
    /// open (the model padded to ``modelSlot`` bytes, so a reader sees the old or the new one).
    func replaceInstances(_ group: String, model: String) {
        guard let path = modelFile(of: group) else { return models.withLock { $0[group] = model } }
        var slot = Array(model.utf8.prefix(Self.modelSlot - 1))
        slot += Array(repeating: UInt8(ascii: " "), count: Self.modelSlot - slot.count)
        modelFiles.withLock { files in
            if files[group] == nil {
                var descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
                if descriptor < 0 {  // the folder's first model
                    try? FileManager.default.createDirectory(
                        atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                    descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
                }
                guard descriptor >= 0 else { return }
                if files.count >= 256 {  // a worker that served many environments: start over
                    for descriptor in files.values { close(descriptor) }
                    files.removeAll()
                }
                files[group] = descriptor
            }
            guard let descriptor = files[group] else { return }
            _ = slot.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        }
    }

    /// Bytes a group's model file holds: the model version, padded with spaces.
    static let modelSlot = 64

    /// The model version the group's instances were last replaced with, if any.
    func model(of group: String) -> String? {
        guard let path = modelFile(of: group) else { return models.withLock { $0[group] } }
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { return nil }
        let model = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        return model.isEmpty ? nil : model
    }

    private func modelFile(of group: String) -> String? {
        file.map { "\($0).models/" + SimulatedIDs.hex(group, count: 16) }
    }

    func instanceStatesFile(of group: String) -> String? {
        modelFile(of: group).map { $0 + ".instances" }
    }

    /// Runs `body` on the entries: the memory's, or the file's under its lock (written back
    /// when `body` changed them). A file that cannot be read counts as empty.
    private func withEntries<T>(_ body: (inout [String: Entry]) -> T) -> T {
        entries.withLock { memory in
            guard let file else { return body(&memory) }
            let lock = open(file + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
            if lock >= 0 { flock(lock, LOCK_EX) }
            defer {
                if lock >= 0 {
                    flock(lock, LOCK_UN)
                    close(lock)
                }
            }
            var stored =
                (try? Data(contentsOf: URL(fileURLWithPath: file)))
                .flatMap { try? HangarJSON.decoder.decode([String: Entry].self, from: $0) } ?? [:]
            let before = stored
            let result = body(&stored)
            if stored != before, let data = try? HangarJSON.encoder.encode(stored) {
                try? data.write(to: URL(fileURLWithPath: file), options: .atomic)
            }
            return result
        }
    }

    private static func view(_ server: ServerInfo, _ entry: Entry?, now: Date) -> ServerInfo {
        guard let entry else { return server }
        var server = server
        server.status = now < entry.settlesAt ? (entry.transition ?? entry.settled) : entry.settled
        server.launchedAt = server.status == "stopped" || server.status == "stopping" ? nil : (entry.launchedAt ?? server.launchedAt)
        if server.role == .preparation && server.status != "running" { server.publicIP = nil }
        return server
    }
}
