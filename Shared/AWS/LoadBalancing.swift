import Foundation

/// The Elastic Load Balancing (v2) calls Hangar makes: take instances out of a target group
/// and follow their deregistration (connection draining).
public struct LoadBalancing: Sendable {
    /// The client the calls go through.
    public let client: AWSQueryClient

    /// Creates the Elastic Load Balancing calls over `client`.
    public init(client: AWSQueryClient) { self.client = client }

    /// Deregisters `instanceIds` from the target group: the load balancer sends them no new
    /// users and, for the group's deregistration delay, lets the connected ones finish.
    public func deregisterTargets(_ targetGroupArn: String, instanceIds: [String]) async throws(AWSError) {
        var parameters = ["TargetGroupArn": targetGroupArn]
        for (index, id) in instanceIds.enumerated() { parameters["Targets.member.\(index + 1).Id"] = id }
        _ = try await client.call(.loadBalancing, "DeregisterTargets", parameters)
    }

    /// The target state of each of `instanceIds` in the target group: `initial`, `healthy`,
    /// `unhealthy`, `unused` (not registered), `draining` (deregistration in progress)…
    public func targetStates(_ targetGroupArn: String, instanceIds: [String]) async throws(AWSError) -> [String: String] {
        var parameters = ["TargetGroupArn": targetGroupArn]
        for (index, id) in instanceIds.enumerated() { parameters["Targets.member.\(index + 1).Id"] = id }
        let root = try await client.call(.loadBalancing, "DescribeTargetHealth", parameters)
        var states: [String: String] = [:]
        for item in root.items("DescribeTargetHealthResult", "TargetHealthDescriptions") {
            if let id = item.string("Target", "Id") { states[id] = item.string("TargetHealth", "State") ?? "unknown" }
        }
        return states
    }

    /// The target group's name (the last part of its ARN's resource, `targetgroup/<name>/<id>`).
    public static func name(of targetGroupArn: String) -> String {
        let parts = targetGroupArn.split(separator: "/")
        return parts.count >= 3 ? String(parts[parts.count - 2]) : targetGroupArn
    }
}
