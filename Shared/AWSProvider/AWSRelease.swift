import AWSClient
import Foundation
import HangarContracts
import HangarProviders

/// Releasing an `aws` environment frees what it runs; resuming it brings that back.
///
/// - Release: what stands is remembered first in the instance group's tag `hangar:released`
///   (its minimum size and desired capacity, and which of the preparation and support servers
///   were running), then the group is scaled to 0 and those servers are stopped. A release run
///   again finds the tag and only finishes what is left.
/// - Resume: the group gets its minimum size and desired capacity back, the servers the release
///   stopped are started, and the tag is removed.
struct AWSRelease {
    static let tag = "hangar:released"

    let settings: AWSSettings
    let ec2: EC2
    let autoScaling: AutoScaling

    /// What a release remembers: `min=1;desired=3;servers=i-a,i-b`.
    struct Remembered: Equatable {
        var minSize: Int
        var desired: Int
        var servers: [String]

        var text: String { "min=\(minSize);desired=\(desired);servers=\(servers.joined(separator: ","))" }

        init(minSize: Int, desired: Int, servers: [String]) {
            self.minSize = minSize
            self.desired = desired
            self.servers = servers
        }

        init?(_ text: String) {
            var fields: [String: String] = [:]
            for part in text.split(separator: ";") {
                let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
                if pair.count == 2 { fields[pair[0]] = pair[1] }
            }
            guard let minSize = fields["min"].flatMap(Int.init), let desired = fields["desired"].flatMap(Int.init) else { return nil }
            self.init(minSize: minSize, desired: desired, servers: (fields["servers"] ?? "").split(separator: ",").map(String.init))
        }
    }

    func release() async throws -> [String] {
        let name = settings.autoScalingGroupName
        var group = try await autoScaling.describeGroup(name)
        let servers = try await AWSServers(settings: settings, ec2: ec2).list()
        var lines: [String] = []
        let remembered: Remembered
        if let earlier = group.tags[Self.tag].flatMap(Remembered.init) {
            remembered = earlier
        } else {
            let running = servers.filter { ["running", "pending"].contains($0.status) }.map(\.id)
            remembered = Remembered(minSize: group.minSize, desired: group.desiredCapacity, servers: running)
            try await autoScaling.setTag(group: name, key: Self.tag, value: remembered.text)
            group.tags[Self.tag] = remembered.text
        }
        if group.minSize != 0 || group.desiredCapacity != 0 {
            try await autoScaling.setCapacity(group: name, minSize: 0, desired: 0)
            lines.append("scaled instance group \(name) from \(group.desiredCapacity) to 0 instances (minimum \(group.minSize) to 0)")
        } else {
            lines.append("instance group \(name) is at 0 instances")
        }
        for server in servers where remembered.servers.contains(server.id) {
            if ["running", "pending"].contains(server.status) {
                try await ec2.stopInstances([server.id])
                lines.append("stopped \(server.role.rawValue) server \(server.name) (\(server.id))")
            } else {
                lines.append("\(server.role.rawValue) server \(server.name) (\(server.id)) is \(server.status)")
            }
        }
        for server in servers where !remembered.servers.contains(server.id) {
            lines.append("\(server.role.rawValue) server \(server.name) (\(server.id)) was \(server.status) already; it stays so")
        }
        return lines
    }

    func resume() async throws -> [String] {
        let name = settings.autoScalingGroupName
        let group = try await autoScaling.describeGroup(name)
        guard let remembered = group.tags[Self.tag].flatMap(Remembered.init) else {
            return ["instance group \(name) holds no record of a release (tag \(Self.tag)): nothing to restore"]
        }
        var lines: [String] = []
        try await autoScaling.setCapacity(group: name, minSize: remembered.minSize, desired: remembered.desired)
        lines.append("scaled instance group \(name) back to \(remembered.desired) instances (minimum \(remembered.minSize))")
        let servers = try await AWSServers(settings: settings, ec2: ec2).list()
        for server in servers where remembered.servers.contains(server.id) {
            if ["stopped", "stopping"].contains(server.status) {
                try await ec2.startInstances([server.id])
                lines.append("started \(server.role.rawValue) server \(server.name) (\(server.id)), which the release had stopped")
            } else {
                lines.append("\(server.role.rawValue) server \(server.name) (\(server.id)) is \(server.status)")
            }
        }
        try await autoScaling.deleteTag(group: name, key: Self.tag)
        return lines
    }
}
