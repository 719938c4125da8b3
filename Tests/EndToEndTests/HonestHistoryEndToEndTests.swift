import Foundation
import HangarContracts
import HangarHarness
import Testing

/// The history says only what happened: every line a simulated deployment writes, in every
/// publish mode with every option, is one the provider is known to write, and each line that
/// claims an action is checked against what the services report afterwards.
@Suite("History lines claim only what happened", .serialized, .timeLimit(.minutes(5)))
struct HonestHistoryEndToEndTests {
    /// Every line the simulated provider writes, as patterns; a line matching none fails the test.
    static let knownLines: [String] = [
        #"^retrieving server information$"#, #"^checking the instance group$"#,
        #"^user sessions ended on i-[0-9a-f]+$"#, #"^user sessions not ended on i-[0-9a-f]+: the simulated instance is unreachable$"#,
        #"^stopping the preparation server$"#, #"^skipped: the preparation server was not asked to stop$"#, #"^creating (main|backup) model$"#,
        #"^removing old models$"#,
        #"^locking instances$"#, #"^unlocking instances$"#,
        #"^replacing instances in (optimized|standard) publish mode$"#,
        #"^replacing instances in keep users connected publish mode \(simulated: there are no users to drain\)$"#,
        #"^replacing instances in keep users connected publish mode$"#,
        #"^draining \d+ simulated instances: \d+ user sessions open, ending over [0-9.]+ s \(simulated\)$"#,
        #"^\d+ of \d+ user sessions still open on the draining instances \(simulated\)$"#,
        #"^all \d+ user sessions on the drained instances ended; replacing them \(simulated\)$"#,
        #"^instance refresh refresh-[0-9a-f]+ is replacing instances \(check \d+ of \d+\)$"#,
        #"^replacing instances in request reconnection publish mode: users have \d+ minutes to reconnect \(".*"\)$"#,
        #"^sending the reconnection request to \d+ simulated instances$"#,
        #"^reconnection request delivered to i-[0-9a-f]+$"#,
        #"^reconnection request not delivered to i-[0-9a-f]+: the simulated instance is unreachable$"#,
        #"^users were asked to reconnect on \d+ of \d+ instances \(simulated: replacing does not wait for them\)$"#,
        #"^creating an image of preparation server i-[0-9a-f]+$"#,
        #"^starting the preparation server again$"#, #"^publishing version .+$"#,
        // Waiting and done details: the simulated cloud's own resources (image, models, refresh).
        #"^preparation server i-[0-9a-f]+ and instance group hangar-[0-9a-f]+ are ready$"#,
        #"^preparation server i-[0-9a-f]+ is stopped$"#, #"^preparation server i-[0-9a-f]+ was already stopped; it stays stopped$"#,
        #"^image ami-[0-9a-f]+ is pending \(check \d+ of \d+\)$"#, #"^image ami-[0-9a-f]+ is available$"#,
        #"^main model version \d+ and backup model version \d+ use image ami-[0-9a-f]+$"#,
        #"^instances replaced with main model version \d+$"#, #"^version .+ is published$"#,
    ]

    @Test("every mode and option: lines are known ones, and the server, reconnection and session lines match what the services report")
    func everyLineChecked() async throws {
        let system = try await HangarSystem("honest-history")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        // create_image waits 12 s: time to see the preparation server stopped mid-deployment, even
        // on a machine busy with the other suites (6 s was once too short in CI).
        try await system.createEnvironment(
            "honest", target: #"{"instances":3,"unreachableInstances":1,"polls":{"create_image":24},"pollIntervalMs":500}"#)
        let preparation = try await Self.preparationServer(system)

        let body = #"""
            {"version":"h-1","mode":"requestReconnection","reconnection":{"minutes":1,"message":"save your work"},
             "options":{"stopPreparationServer":true,"terminateSessions":true,"lockInstances":true}}
            """#
        let id = try await system.deploy("honest", body: body)
        try await eventually("create_image is waiting on the image") {
            try await system.deployment(id).steps.first { $0.name == .createImage }?.status == .running
        }
        let midway = try await Self.preparationServer(system)
        // Unless finalize (which starts the server again) had begun by the time the listing came back.
        if try await system.deployment(id).steps.first(where: { $0.name == .finalize })?.startedAt == nil {
            #expect(["stopping", "stopped"].contains(midway.status), "the history said the preparation server stops: \(midway.status)")
        }
        let done = try await system.wait(for: id, status: .succeeded)
        let after = try await Self.preparationServer(system)
        #expect(["pending", "running"].contains(after.status), "finalize said it starts it again: \(after.status)")

        let lines = done.steps.flatMap(\.detail).map(\.message)
        Self.expectKnown(lines)
        let delivered = Self.ids(in: lines, after: "reconnection request delivered to ")
        let missed = Self.ids(in: lines, after: "reconnection request not delivered to ")
        let ended = Self.ids(in: lines, after: "user sessions ended on ")
        let notEnded = Self.ids(in: lines, after: "user sessions not ended on ")
        #expect(delivered.count == 2 && missed.count == 1 && delivered.isDisjoint(with: missed), "\(lines)")
        #expect(ended == delivered.union([preparation.id]), "sessions end where the request reached, and on the preparation server")
        #expect(notEnded == missed, "the unreachable instance is unreachable for both")
        #expect(lines.contains("users were asked to reconnect on 2 of 3 instances (simulated: replacing does not wait for them)"))
        #expect(done.outputs["reconnectionDelivered"] == "2")

        // The preparation server stopped by someone else beforehand: left so, and not started at the end.
        let (_, stopStatus) = try await system.request(
            "POST", "/v1/environments/honest/servers/\(preparation.id)/actions/stop", token: HangarSystem.deployerToken)
        #expect(stopStatus == 202)
        try await eventually("the preparation server is stopped") { try await Self.preparationServer(system).status == "stopped" }
        let second = try await system.deploy("honest", body: #"{"version":"h-2","options":{"stopPreparationServer":true}}"#)
        let secondDone = try await system.wait(for: second, status: .succeeded)
        let secondLines = secondDone.steps.flatMap(\.detail).map(\.message)
        Self.expectKnown(secondLines)
        #expect(
            !secondLines.contains("stopping the preparation server") && !secondLines.contains("starting the preparation server again"),
            "\(secondLines)")
        let stopStep = try #require(secondDone.steps.first { $0.name == .stopPreparationServer })
        #expect(stopStep.status == .succeeded)
        #expect(try await Self.preparationServer(system).status == "stopped", "left as it was found")

        // The other modes, with every option: only known lines, sessions ended where reachable.
        for mode in ["optimized", "standard", "keepUsersConnected"] {
            let other = try await system.deploy(
                "honest", body: #"{"version":"h-\#(mode)","mode":"\#(mode)","options":{"lockInstances":true,"terminateSessions":true}}"#)
            let otherLines = try await system.wait(for: other, status: .succeeded).steps.flatMap(\.detail).map(\.message)
            Self.expectKnown(otherLines)
            #expect(Self.ids(in: otherLines, after: "user sessions ended on ") == delivered, "\(mode): \(otherLines)")
            #expect(!otherLines.contains { $0.contains("reconnect") }, "\(mode) sends no reconnection request")
        }
    }

    @Test("keep users connected with sessions: they drain over the drain time, fewer at each check, before the instances are replaced")
    func drain() async throws {
        let system = try await HangarSystem("honest-drain")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment(
            "drain", target: #"{"instances":2,"sessionsPerInstance":4,"drainMs":1000,"pollIntervalMs":250}"#)
        let id = try await system.deploy("drain", body: #"{"version":"d-1","mode":"keepUsersConnected"}"#)
        let done = try await system.wait(for: id, status: .succeeded)
        let replace = try #require(done.steps.first { $0.name == .replaceInstances })
        let lines = replace.detail.map(\.message)
        Self.expectKnown(lines)
        #expect(lines.first == "replacing instances in keep users connected publish mode", "\(lines)")
        #expect(lines.contains("draining 2 simulated instances: 8 user sessions open, ending over 1 s (simulated)"), "\(lines)")
        let open = lines.compactMap { line in line.firstMatch(of: /^(\d+) of 8 user sessions still open/).map { Int($0.1)! } }
        #expect(open == [6, 4, 2], "a quarter of the sessions end at each of the drain's checks: \(lines)")
        let ended = try #require(lines.firstIndex(of: "all 8 user sessions on the drained instances ended; replacing them (simulated)"))
        let replaced = try #require(lines.firstIndex(of: "instances replaced with main model version \(done.outputs["mainModelVersion"] ?? "?")"))
        #expect(ended < replaced, "replaced only once drained")
    }

    static func expectKnown(_ lines: [String]) {
        let patterns = knownLines.map { try! Regex($0) }
        for line in lines {
            #expect(patterns.contains { line.wholeMatch(of: $0) != nil }, "a line no check knows: \(line)")
        }
    }

    static func ids(in lines: [String], after prefix: String) -> Set<String> {
        Set(lines.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count).prefix { $0 != ":" }) })
    }

    static func preparationServer(_ system: HangarSystem) async throws -> ServerInfo {
        let (data, status) = try await system.request("GET", "/v1/environments/honest/servers", token: HangarSystem.viewerToken)
        guard status == 200 else { throw E2EFailure("servers answered \(status): \(String(decoding: data, as: UTF8.self))") }
        struct Listing: Decodable { var items: [ServerInfo] }
        let listing = try HangarJSON.decoder.decode(Listing.self, from: data)
        return try #require(listing.items.first { $0.role == .preparation })
    }
}
