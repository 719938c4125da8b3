import Foundation
import HangarContracts
import HangarHarness
import Testing

/// The `hangar` command line against a running system, as a script would use it.
@Suite("hangar CLI end to end", .serialized, .timeLimit(.minutes(3)))
struct CLIEndToEndTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `hangar` with `arguments` against `system` (token and URL from the environment).
    static func hangar(_ arguments: [String], system: HangarSystem?, token: String? = HangarSystem.deployerToken) async throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "\(HangarSystem.binDirectory)/hangar")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HANGAR_API_URL"] = system?.baseURL ?? "http://127.0.0.1:1"
        environment["HANGAR_TOKEN"] = token
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-cli-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let err = folder.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        return Run(
            status: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
            stderr: try String(contentsOf: err, encoding: .utf8))
    }

    @Test("environments, deploy --wait (exit 0 and 1), show, history, schedule and cancel (exit 2), errors with their exit codes")
    func commands() async throws {
        let system = try await HangarSystem("cli")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("web", target: #"{"stepDurationMs": 10}"#)
        try await system.createEnvironment(
            "broken",
            target: #"{"stepDurationMs": 5, "failures":[{"step":"create_models","attempts":"all","transient":false,"message":"quota exceeded"}]}"#)

        let list = try await Self.hangar(["environments"], system: system)
        #expect(list.status == 0 && list.stdout.contains("web") && list.stdout.contains("broken") && list.stdout.contains("simulated"), "\(list)")
        let listJSON = try await Self.hangar(["environments", "list", "--json"], system: system)
        let names = ((try JSONSerialization.jsonObject(with: Data(listJSON.stdout.utf8)) as? [String: Any])?["items"] as? [[String: Any]])?
            .compactMap { $0["name"] as? String }
        #expect(Set(names ?? []) == ["web", "broken"])

        // deploy --wait: the steps as they finish, exit 0.
        let good = try await Self.hangar(["deploy", "web", "--version", "1.2.0", "--lock-instances", "--wait"], system: system)
        #expect(good.status == 0, "\(good)")
        for step in StepName.allCases { #expect(good.stdout.contains("step \(step.rawValue) "), "\(good.stdout)") }
        #expect(good.stdout.contains("succeeded"))
        let id = try #require(good.stdout.split(separator: "\n").first { $0.hasPrefix("deployment ") }?.split(separator: " ")[1])

        // show: details and steps; --json parses as the API's details.
        let show = try await Self.hangar(["show", String(id)], system: system)
        #expect(show.status == 0 && show.stdout.contains("Version:     1.2.0") && show.stdout.contains("create_image"), "\(show)")
        let showJSON = try await Self.hangar(["show", String(id), "--json"], system: system)
        let details = try HangarJSON.decoder.decode(DeploymentDetails.self, from: Data(showJSON.stdout.utf8))
        #expect(details.status == .succeeded && details.options?.lockInstances == true)

        // A failing deployment: exit 1, the error shown.
        let bad = try await Self.hangar(["deploy", "broken", "--wait"], system: system)
        #expect(bad.status == 1, "\(bad)")
        #expect(bad.stdout.contains("step create_models failed") && bad.stdout.contains("quota exceeded"), "\(bad.stdout)")

        // Scheduled in an hour, then cancelled: watch exits 2.
        let scheduled = try await Self.hangar(["deploy", "web", "--at", "+1h", "--json"], system: system)
        #expect(scheduled.status == 0, "\(scheduled)")
        let later = try HangarJSON.decoder.decode(DeploymentDetails.self, from: Data(scheduled.stdout.utf8))
        #expect(later.status == .scheduled)
        let scheduledAt = try #require(later.scheduledAt)
        #expect(abs(scheduledAt.timeIntervalSinceNow - 3600) < 60)
        let cancel = try await Self.hangar(["cancel", later.id.uuidString.lowercased()], system: system)
        #expect(cancel.status == 0, "\(cancel)")
        let watch = try await Self.hangar(["watch", later.id.uuidString.lowercased()], system: system)
        #expect(watch.status == 2 && watch.stdout.contains("cancelled"), "\(watch)")

        // history: newest first, with the statuses.
        let history = try await Self.hangar(["history", "web"], system: system)
        #expect(history.status == 0, "\(history)")
        let rows = history.stdout.split(separator: "\n").dropFirst()
        #expect(rows.count == 2 && rows.first?.contains("cancelled") == true && rows.last?.contains("succeeded") == true, "\(history.stdout)")

        // queues: the pipeline's queues with their consumers; --json is the API's answer.
        let queues = try await Self.hangar(["queues"], system: system)
        #expect(queues.status == 0 && queues.stdout.contains("QUEUE") && queues.stdout.contains("hangar.steps"), "\(queues)")
        let queuesJSON = try await Self.hangar(["queues", "--json"], system: system)
        let items = (try JSONSerialization.jsonObject(with: Data(queuesJSON.stdout.utf8)) as? [String: Any])?["items"] as? [[String: Any]]
        // (The management API's figures lag by up to a second, so only the names are checked.)
        let queueNames = Set((items ?? []).compactMap { $0["name"] as? String })
        #expect(queueNames.isSuperset(of: ["hangar.scheduler", "hangar.steps", "hangar.recorder"]), "\(queuesJSON)")

        // servers: the listing, an action, a scheduled shutdown moved and cancelled.
        let servers = try await Self.hangar(["servers", "web"], system: system)
        #expect(servers.status == 0 && servers.stdout.contains("preparation") && servers.stdout.contains("support"), "\(servers)")
        let serversJSON = try await Self.hangar(["servers", "web", "--json"], system: system)
        let serverItems = (try JSONSerialization.jsonObject(with: Data(serversJSON.stdout.utf8)) as? [String: Any])?["items"] as? [[String: Any]]
        let preparationId = try #require(serverItems?.first { $0["role"] as? String == "preparation" }?["id"] as? String)
        let connect = try await Self.hangar(["servers", "connect", "web", preparationId], system: system)
        #expect(connect.status == 0 && connect.stdout.contains("a simulated server: there is nothing to connect to"), "\(connect)")
        let connectExec = try await Self.hangar(["servers", "connect", "web", preparationId, "--exec"], system: system)
        #expect(connectExec.status == 64 && connectExec.stderr.contains("nothing to run"), "\(connectExec)")
        let restart = try await Self.hangar(["servers", "restart", "web", preparationId], system: system)
        #expect(restart.status == 0 && restart.stdout.contains("rebooting"), "\(restart)")
        let shutdown = try await Self.hangar(["servers", "shutdown", "web", preparationId, "--at", "+2h"], system: system)
        #expect(shutdown.status == 0 && shutdown.stdout.contains("stops at"), "\(shutdown)")
        let listed = try await Self.hangar(["servers", "list", "web"], system: system)
        #expect(listed.stdout.split(separator: "\n").contains { $0.contains(preparationId) && $0.contains("at ") }, "\(listed)")
        let cancelShutdown = try await Self.hangar(["servers", "shutdown", "web", preparationId, "--cancel"], system: system)
        #expect(cancelShutdown.status == 0 && cancelShutdown.stdout.contains("cancelled"), "\(cancelShutdown)")
        let nothingScheduled = try await Self.hangar(["servers", "shutdown", "web", preparationId, "--cancel"], system: system)
        #expect(nothingScheduled.status == 3 && nothingScheduled.stderr.contains("404"), "\(nothingScheduled)")
        let neither = try await Self.hangar(["servers", "shutdown", "web", preparationId], system: system)
        #expect(neither.status == 64, "\(neither)")

        // Errors: refused input (3) names the field; a viewer may not deploy (3); no token (64); no API (4).
        let invalid = try await Self.hangar(["deploy", "web", "--mode", "fastest"], system: system)
        #expect(invalid.status == 3 && invalid.stderr.contains("mode"), "\(invalid)")
        let viewer = try await Self.hangar(["deploy", "web"], system: system, token: HangarSystem.viewerToken)
        #expect(viewer.status == 3 && viewer.stderr.contains("403"), "\(viewer)")
        let unknown = try await Self.hangar(["show", UUID().uuidString], system: system)
        #expect(unknown.status == 3 && unknown.stderr.contains("404"), "\(unknown)")
        let noToken = try await Self.hangar(["environments"], system: system, token: nil)
        #expect(noToken.status == 64 && noToken.stderr.contains("HANGAR_TOKEN"), "\(noToken)")
        let badTime = try await Self.hangar(["deploy", "web", "--at", "tomorrow"], system: system)
        #expect(badTime.status == 64 && badTime.stderr.contains("--at"), "\(badTime)")
        let down = try await Self.hangar(["environments"], system: nil)
        #expect(down.status == 4 && down.stderr.contains("cannot reach"), "\(down)")

        // The lifecycle (admin): release asks for --yes, says what the provider did; resume brings it back.
        let admin = HangarSystem.adminToken
        let created = try await Self.hangar(["environments", "create", "spare", "--provider", "simulated"], system: system, token: admin)
        #expect(created.status == 0, "\(created)")
        let unconfirmed = try await Self.hangar(["environments", "release", "spare"], system: system, token: admin)
        #expect(unconfirmed.status == 64 && unconfirmed.stderr.contains("--yes"), "\(unconfirmed)")
        let byDeployer = try await Self.hangar(["environments", "release", "spare", "--yes"], system: system)
        #expect(byDeployer.status == 3 && byDeployer.stderr.contains("403"), "\(byDeployer)")
        let released = try await Self.hangar(["environments", "release", "spare", "--yes"], system: system, token: admin)
        #expect(released.status == 0 && released.stdout.contains("spare is released"), "\(released)")
        #expect(released.stdout.contains("scaled the simulated instance group from 2 to 0 instances"), "\(released)")
        let refused = try await Self.hangar(["deploy", "spare"], system: system)
        #expect(refused.status == 3 && refused.stderr.contains("409"), "\(refused)")
        let resumed = try await Self.hangar(["environments", "resume", "spare"], system: system, token: admin)
        #expect(
            resumed.status == 0 && resumed.stdout.contains("spare is activated") && resumed.stdout.contains("which the release had stopped"),
            "\(resumed)")
        let suspended = try await Self.hangar(["environments", "suspend", "spare"], system: system, token: admin)
        #expect(suspended.status == 0 && suspended.stdout.contains("spare is suspended"), "\(suspended)")
    }
}
