import Foundation
import HangarContracts

/// What an environment runs costs so far: for each server and instance of its group that
/// runs now (or is starting or rebooting), the hours since it was launched times the hourly
/// price of its instance type in the environment's region for its platform (``PriceTable``).
///
/// Stopped servers, and the instances a release took away, add nothing, so the periods an
/// environment was released are not counted: its instances and servers are launched again
/// when it is resumed. The providers' listings know only the current run of each instance,
/// so this is the cost since each one was last launched, not a bill. A suspension changes the
/// catalog only: what runs while an environment is suspended keeps running and is counted.
struct CostReport: Codable, Sendable, Equatable {
    struct Line: Codable, Sendable, Equatable {
        var serverId: String
        var name: String
        var role: ServerRole
        var instanceType: String?
        /// `linux` or `windows`: which price applies.
        var platform: String
        var status: String
        var launchedAt: Date?
        var hours: Double
        var hourlyRate: Double?
        var cost: Double?
    }

    var currency: String
    /// The region whose prices apply: the environment's, else its target's `region`, else the
    /// price table's default.
    var region: String
    var asOf: Date
    var total: Double
    var lines: [Line]
    /// Instance types with no price for the region and platform (their lines have no cost).
    var unpricedInstanceTypes: [String]
    /// The price table files read, built-in first.
    var priceSources: [String]
    var lifecycle: String
    var lastRunningAt: Date?

    init(environment: EnvironmentResource, servers: [ServerInfo], prices: PriceTable, now: Date) {
        asOf = now
        currency = prices.currency
        lifecycle = environment.lifecycle.rawValue
        lastRunningAt = environment.lifecycle == .activated ? now : environment.lastRunningAt
        let region = environment.region ?? environment.target["region"]?.stringValue ?? prices.defaultRegion
        self.region = region
        priceSources = prices.sources
        var unpriced: Set<String> = []
        lines = servers.map { server in
            let type = server.instanceType ?? environment.instanceType
            let platform = PriceTable.Platform(describing: server.platform)
            let running = ["running", "pending", "rebooting"].contains(server.status)
            let hours = running ? max(0, now.timeIntervalSince(server.launchedAt ?? now)) / 3600 : 0
            let rate = type.flatMap { prices.price(region: region, platform: platform, instanceType: $0) }
            if rate == nil, let type { unpriced.insert(type) }
            return Line(
                serverId: server.id, name: server.name, role: server.role, instanceType: type, platform: platform.rawValue,
                status: server.status, launchedAt: server.launchedAt, hours: (hours * 1000).rounded() / 1000, hourlyRate: rate,
                cost: rate.map { ($0 * hours * 10000).rounded() / 10000 })
        }
        total = (lines.compactMap(\.cost).reduce(0, +) * 10000).rounded() / 10000
        unpricedInstanceTypes = unpriced.sorted()
    }
}
