import Foundation
import HangarContracts
import Synchronization

/// The instances of a simulated group that a health-gated replacement replaced one batch at a
/// time: each one's model and health, by its index in the group, over the group's model
/// (``base``) they were replaced from. The group's own model (``SimulatedServerState/replaceInstances(_:model:)``)
/// stays the fast path every ungated deployment writes; these apply only while the group's
/// model is still ``base`` (a later replacement of the whole group makes them moot).
struct SimulatedInstanceStates: Codable, Sendable, Equatable {
    struct Instance: Codable, Sendable, Equatable {
        var model: String
        var healthy: Bool
    }

    /// The group's model when they were written ("" when it had none).
    var base: String
    /// By index in the group.
    var instances: [Int: Instance]
}

extension SimulatedServerState {
    /// The instance states of `group`, if any were written.
    func instanceStates(of group: String) -> SimulatedInstanceStates? {
        guard let path = instanceStatesFile(of: group) else { return memoryInstanceStates.withLock { $0[group] } }
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(SimulatedInstanceStates.self, from: data)
    }

    /// Writes the instance states of `group` whole (a reader sees the old or the new file).
    func setInstanceStates(_ states: SimulatedInstanceStates, of group: String) {
        guard let path = instanceStatesFile(of: group) else { return memoryInstanceStates.withLock { $0[group] = states } }
        guard let data = try? JSONEncoder().encode(states) else { return }
        try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Forgets the instance states of `group` (its whole group was replaced).
    func clearInstanceStates(of group: String) {
        guard let path = instanceStatesFile(of: group) else { return memoryInstanceStates.withLock { $0[group] = nil } }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `instances` with the states written for them, when they still apply (the group's model is their base).
    static func applying(_ states: SimulatedInstanceStates?, to instances: [ServerInfo], groupModel: String?) -> [ServerInfo] {
        guard let states, states.base == (groupModel ?? "") else { return instances }
        return instances.enumerated().map { index, instance in
            guard let state = states.instances[index] else { return instance }
            var instance = instance
            instance.modelVersion = state.model
            instance.health = state.healthy ? "healthy" : "unhealthy"
            return instance
        }
    }
}
