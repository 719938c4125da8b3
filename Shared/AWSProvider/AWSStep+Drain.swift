import AWSClient
import Foundation
import HangarContracts
import HangarProviders

/// `keepUsersConnected`: before a rolling batch is replaced, its users get up to
/// `drainSeconds` to leave.
///
/// - When the instance group registers its instances with Elastic Load Balancing target
///   groups, the batch is deregistered from each of them (no new users; the connected ones keep
///   their connections for the target group's deregistration delay) and the step waits until
///   none of its targets is `draining` any more, or `drainSeconds` passed, whichever is first.
/// - With no target group, the batch is tagged `hangar:draining` and given `drainSeconds`; the
///   history says that no load balancer was involved.
extension AWSStep {
    /// Drains `batch`; answers the wait while it drains, `nil` when it may be replaced.
    func drain(_ batch: [String], of group: AutoScalingGroup, _ state: inout [String: JSONValue], now: Double) async throws -> StepOutcome? {
        let list = batch.joined(separator: ", ")
        let targetGroups = group.targetGroupARNs
        let draining = state["draining"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if draining != batch {
            try await ec2.createTags(batch, ["hangar:draining": deploymentId])
            state["draining"] = .array(batch.map(JSONValue.string))
            state["drainUntil"] = .number(now + Double(settings.drainSeconds))
            if targetGroups.isEmpty {
                await progress(
                    "the instance group has no load balancer target group: tagged \(list) hangar:draining; replacing them in \(settings.drainSeconds) s"
                )
                return waiting(state, "giving \(list) time before replacing them", after: .seconds(settings.drainSeconds))
            }
            for arn in targetGroups { try await deregister(batch, from: arn) }
            let names = targetGroups.map(LoadBalancing.name(of:)).joined(separator: ", ")
            await progress("deregistered \(list) from target group \(names): no new users; connected ones have up to \(settings.drainSeconds) s")
            return waiting(state, "draining \(list)", after: min(settings.checkAfter, .seconds(settings.drainSeconds)))
        }
        let until = state["drainUntil"]?.doubleValue ?? now
        if targetGroups.isEmpty {
            return now < until ? waiting(state, "giving \(list) time before replacing them", after: .seconds(until - now)) : nil
        }
        var connected: Set<String> = []
        for arn in targetGroups {
            let states = try await loadBalancing.targetStates(arn, instanceIds: batch)
            connected.formUnion(batch.filter { states[$0] == "draining" })
        }
        if connected.isEmpty {
            await progress("\(list) drained: no connection left through the load balancer")
            return nil
        }
        let still = connected.sorted().joined(separator: ", ")
        if now < until {
            return waiting(state, "draining \(list): \(still) still has connections", after: min(settings.checkAfter, .seconds(until - now)))
        }
        await progress("\(settings.drainSeconds) s passed: replacing \(list) although \(still) still has connections")
        return nil
    }

    /// Deregisters `batch` from the target group; one deregistered already (by a run of this
    /// step that was lost) or never registered is no error.
    private func deregister(_ batch: [String], from targetGroupArn: String) async throws {
        do {
            try await loadBalancing.deregisterTargets(targetGroupArn, instanceIds: batch)
        } catch {
            if error.awsCode != "InvalidTarget" { throw error }
        }
    }
}
