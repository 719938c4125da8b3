import Foundation
import HangarContracts
import HangarSettings
import Testing

@testable import HangarIntake

@Suite("Instance prices and the cost of an environment")
struct CostReportTests {
    static let table = PriceTable(
        currency: "USD", defaultRegion: "us-east-1",
        prices: [
            "us-east-1": [.linux: ["t3.micro": 0.0104, "t3.medium": 0.0416], .windows: ["t3.large": 0.1108, "t3.medium": 0.06]],
            "eu-west-1": [.linux: ["t3.micro": 0.0114]],
        ],
        sources: ["test"])

    private func environment(
        region: String? = nil, target: [String: JSONValue] = [:], lifecycle: EnvironmentResource.Lifecycle = .activated
    )
        -> EnvironmentResource
    {
        EnvironmentResource(
            id: UUID(), name: "web", description: "", provider: "aws", target: target, region: region, limits: .init(), lifecycle: lifecycle,
            createdAt: Date(), updatedAt: Date())
    }

    @Test("hours × the hourly price of each running server and instance, by region and platform; stopped ones and missing prices add nothing")
    func arithmetic() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let hours = { (count: Double) in now.addingTimeInterval(-count * 3600) }
        let servers = [
            ServerInfo(
                id: "i-prep", name: "prep", role: .preparation, status: "running", platform: "Windows", instanceType: "t3.large",
                launchedAt: hours(10)),
            ServerInfo(
                id: "i-lic", name: "license", role: .support, status: "stopped", platform: "Linux/UNIX", instanceType: "t3.micro", launchedAt: nil),
            ServerInfo(
                id: "i-1", name: "a", role: .instance, status: "running", platform: "Windows", instanceType: "t3.medium", launchedAt: hours(2.5)),
            ServerInfo(
                id: "i-2", name: "b", role: .instance, status: "pending", platform: "Linux/UNIX", instanceType: "t3.medium", launchedAt: hours(0.5)),
            ServerInfo(
                id: "i-3", name: "c", role: .instance, status: "running", platform: "Linux/UNIX", instanceType: "m9.huge", launchedAt: hours(1)),
        ]
        let report = CostReport(environment: environment(), servers: servers, prices: Self.table, now: now)
        #expect(report.region == "us-east-1", "no region named: the table's default")
        let costs = Dictionary(uniqueKeysWithValues: report.lines.map { ($0.serverId, $0.cost) })
        #expect(costs["i-prep"] == 1.108, "10 h × 0.1108 (Windows)")
        #expect(costs["i-lic"] == 0, "stopped: nothing")
        #expect(costs["i-1"] == 0.15, "2.5 h × 0.06 (Windows t3.medium)")
        #expect(costs["i-2"] == 0.0208, "0.5 h × 0.0416 (Linux t3.medium)")
        #expect(costs["i-3"] == .some(nil), "no price for m9.huge")
        #expect(report.total == 1.2788)
        #expect(report.unpricedInstanceTypes == ["m9.huge"])
        #expect(report.lines.map(\.role) == [.preparation, .support, .instance, .instance, .instance])

        // The region: the environment's, else its target's.
        let irish = CostReport(environment: environment(target: ["region": "eu-west-1"]), servers: [servers[1]], prices: Self.table, now: now)
        #expect(irish.region == "eu-west-1")
        var running = servers[1]
        running.status = "running"
        running.launchedAt = hours(100)
        #expect(CostReport(environment: environment(region: "eu-west-1"), servers: [running], prices: Self.table, now: now).total == 1.14)
    }

    @Test("a released period costs nothing: what a resume launched counts from the resume")
    func releasedPeriodExcluded() {
        let released = Date(timeIntervalSince1970: 1_800_000_000)
        let resumed = released.addingTimeInterval(48 * 3600)
        let now = resumed.addingTimeInterval(3 * 3600)
        // While released: the group at 0 and the server stopped.
        let whileReleased = [
            ServerInfo(id: "i-prep", name: "prep", role: .preparation, status: "stopped", platform: "Linux/UNIX", instanceType: "t3.micro")
        ]
        #expect(CostReport(environment: environment(lifecycle: .released), servers: whileReleased, prices: Self.table, now: resumed).total == 0)
        // Resumed: everything launched at the resume, so three hours each, not 51.
        let afterResume = [
            ServerInfo(
                id: "i-prep", name: "prep", role: .preparation, status: "running", platform: "Linux/UNIX", instanceType: "t3.micro",
                launchedAt: resumed),
            ServerInfo(
                id: "i-1", name: "a", role: .instance, status: "running", platform: "Linux/UNIX", instanceType: "t3.medium", launchedAt: resumed),
            ServerInfo(
                id: "i-2", name: "b", role: .instance, status: "running", platform: "Linux/UNIX", instanceType: "t3.medium", launchedAt: resumed),
        ]
        let report = CostReport(environment: environment(), servers: afterResume, prices: Self.table, now: now)
        #expect(report.lines.map(\.hours) == [3, 3, 3])
        #expect(report.total == 0.2808, "3 h × 0.0104 + 2 × 3 h × 0.0416")
    }

    @Test("the built-in table is the documented file; a file laid over it replaces and adds prices; mistakes are named")
    func table() throws {
        let builtIn = try PriceTable.load(overrides: nil)
        #expect(builtIn.sources.count == 1 && builtIn.sources[0].hasSuffix("Prices/instance-prices.json"), "\(builtIn.sources)")
        #expect(builtIn.price(region: "us-east-1", platform: .linux, instanceType: "t3.micro") == 0.0104)
        #expect(builtIn.price(region: nil, platform: .linux, instanceType: "t3.micro") == 0.0104, "the default region")
        #expect(builtIn.price(region: "eu-west-1", platform: .linux, instanceType: "t3.micro") == 0.0114)
        #expect(builtIn.price(region: "us-east-1", platform: .windows, instanceType: "t3.large") == 0.1108)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("prices-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try #"{"currency":"USD","regions":{"us-east-1":{"linux":{"t3.micro":0.5}},"sa-east-1":{"linux":{"t3.micro":0.0168}}}}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let overlaid = try PriceTable.load(overrides: file)
        #expect(overlaid.price(region: "us-east-1", platform: .linux, instanceType: "t3.micro") == 0.5)
        #expect(overlaid.price(region: "sa-east-1", platform: .linux, instanceType: "t3.micro") == 0.0168)
        #expect(overlaid.price(region: "us-east-1", platform: .linux, instanceType: "t3.small") == 0.0208, "the rest kept")
        #expect(overlaid.sources == builtIn.sources + [file])

        for (text, named) in [
            (#"{"currency":"USD","regions":{"us-east-1":{"bsd":{"t3.micro":1}}}}"#, "regions.us-east-1.bsd"),
            (#"{"currency":"USD","regions":{"us-east-1":{"linux":{"t3.micro":-1}}}}"#, "regions.us-east-1.linux.t3.micro"),
            (#"{"currency":"EUR","regions":{}}"#, "EUR"),
            (#"{"currency":"USD","region":{}}"#, "unknown field 'region'"),
        ] {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            #expect {
                _ = try PriceTable.load(overrides: file)
            } throws: { error in
                "\(error)".contains(named)
            }
        }
        #expect(throws: SettingError.self) { _ = try PriceTable.load(overrides: "/nonexistent/prices.json") }
    }
}
