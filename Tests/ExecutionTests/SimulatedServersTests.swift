import Foundation
import HangarContracts
import HangarProviders
import Testing

@testable import HangarExecution

@Suite("Simulated servers and server requests")
struct SimulatedServersTests {
    let provider = SimulatedProvider()

    @Test("an environment's servers derive from its id: stable, the preparation server the deployments use, launched at its creation")
    func listing() async throws {
        let created = Date(timeIntervalSince1970: 1_790_000_000)
        let environment = UUID.v7(at: created)
        let target = ProviderTarget(provider: "simulated", environmentId: environment)
        let servers = try await provider.servers(of: target)
        #expect(servers.map(\.role) == [.preparation, .support, .instance, .instance], "the group's 2 instances (the default) follow the servers")
        #expect(try await provider.servers(of: target).map(\.id) == servers.map(\.id))
        let other = try await provider.servers(of: ProviderTarget(provider: "simulated", environmentId: UUID.v7()))
        #expect(Set(other.map(\.id)).isDisjoint(with: servers.map(\.id)))
        let launched = try #require(servers[0].launchedAt)
        #expect(abs(launched.timeIntervalSince(created)) < 0.002)

        var command = Fixtures.command(.validate)
        command.environmentId = environment
        guard case .succeeded(let outputs, _) = try await provider.execute(command, progress: { _ in }) else {
            throw TestFailure("validate did not succeed")
        }
        #expect(outputs["preparationServerId"] == servers[0].id)
    }

    @Test("stop goes through stopping to stopped, start through pending to running; an unknown server is not found")
    func actions() async throws {
        let target = ProviderTarget(provider: "simulated", environmentId: UUID.v7())
        let server = try await provider.servers(of: target)[1]
        let stopping = try await provider.perform(.stop, on: server.id, of: target)
        #expect(stopping.status == "stopping")
        #expect(try await provider.perform(.stop, on: server.id, of: target).status == "stopping", "stopping twice changes nothing")
        try await Task.sleep(for: SimulatedProvider.transitionDuration + .milliseconds(200))
        let stopped = try await provider.servers(of: target)[1]
        #expect(stopped.status == "stopped")
        #expect(stopped.launchedAt == nil)
        #expect(try await provider.perform(.start, on: server.id, of: target).status == "pending")
        await #expect(throws: SimulatedServerNotFound.self) { try await provider.perform(.restart, on: "i-nope", of: target) }
    }

    @Test("workers sharing a state file report what another did; without one, each keeps its own")
    func sharedState() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("simulated-servers-\(UUID().uuidString).json").path
        defer {
            try? FileManager.default.removeItem(atPath: file)
            try? FileManager.default.removeItem(atPath: file + ".lock")
        }
        let first = SimulatedProvider(serverStateFile: file)
        let second = SimulatedProvider(serverStateFile: file)
        let target = ProviderTarget(provider: "simulated", environmentId: UUID.v7())
        let preparation = try await first.servers(of: target)[0]
        #expect(try await first.perform(.stop, on: preparation.id, of: target).status == "stopping")
        // (Stopping for 2 s, then stopped: a busy machine may be past the 2 s already.)
        let seen = try await second.servers(of: target)[0].status
        #expect(seen == "stopping" || seen == "stopped", "the other worker sees the stop")
        let again = try await second.perform(.stop, on: preparation.id, of: target).status
        #expect(again == "stopping" || again == "stopped", "and does not stop it twice")
        try await Task.sleep(for: SimulatedProvider.transitionDuration + .milliseconds(200))
        #expect(try await second.servers(of: target)[0].status == "stopped")
        // A worker started later (a new provider on the same file) knows it too.
        #expect(try await SimulatedProvider(serverStateFile: file).servers(of: target)[0].status == "stopped")
        // The in-memory default does not see the file's states.
        #expect(try await SimulatedProvider().servers(of: target)[0].status == "running")
    }

    @Test("the group's model: 1 before any replacement, then the last one's, as every worker sharing the file reports it")
    func instanceModels() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("simulated-models-\(UUID().uuidString).json").path
        defer {
            for suffix in ["", ".lock", ".models"] { try? FileManager.default.removeItem(atPath: file + suffix) }
        }
        let environment = UUID.v7()
        let target = ProviderTarget(provider: "simulated", settings: ["instances": 2], environmentId: environment)
        let worker = SimulatedProvider(serverStateFile: file, sleep: { _ in })
        func models(_ provider: SimulatedProvider) async throws -> [String?] {
            try await provider.servers(of: target).filter { $0.role == .instance }.map(\.modelVersion)
        }
        #expect(try await models(worker) == ["1", "1"])
        #expect(try await worker.servers(of: target).filter { $0.role == .instance }.allSatisfy { $0.health == "healthy" })
        for model in ["9001", "12"] {  // a shorter one after a longer one reads as itself
            var command = Fixtures.command(.replaceInstances, settings: ["instances": 2])
            command.environmentId = environment
            command.outputs["mainModelVersion"] = model
            guard case .succeeded = try await worker.execute(command, progress: { _ in }) else {
                Issue.record("not replaced")
                return
            }
            #expect(try await models(SimulatedProvider(serverStateFile: file)) == [model, model], "another worker on the file")
        }
        #expect(try await models(SimulatedProvider()) == ["1", "1"], "the in-memory default does not see the file's")
    }

    @Test("a server request's answer names what went wrong: unknown provider, unknown server")
    func answers() async throws {
        let environment = UUID.v7()
        func request(_ provider: String, action: ServerAction? = nil, server: String? = nil) -> ServerRequest {
            ServerRequest(
                environmentId: environment, environmentName: "web", target: ProviderTarget(provider: provider, environmentId: environment),
                action: action, serverId: server, requestedBy: "test", expiresAt: Date().addingTimeInterval(30))
        }
        let registry = ProviderRegistry()
        let listing = await ServerRequestService.answer(request("simulated"), providers: registry, worker: "w", timeout: .seconds(5))
        #expect(listing.failure == nil && listing.servers.count == 4 && listing.worker == "w")
        let unknown = await ServerRequestService.answer(request("gcp"), providers: registry, worker: "w", timeout: .seconds(5))
        #expect(unknown.failure == .unsupported)
        let missing = await ServerRequestService.answer(
            request("simulated", action: .stop, server: "i-nope"), providers: registry, worker: "w", timeout: .seconds(5))
        #expect(missing.failure == .notFound)
    }

    @Test("the group's instances: the ids the steps name; a release takes them away, a resume launches them again; actions on them are refused")
    func groupInstances() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("group-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let provider = SimulatedProvider(serverStateFile: file)
        let environment = UUID.v7(at: Date(timeIntervalSince1970: 1_790_000_000))
        let target = ProviderTarget(provider: "simulated", settings: ["instances": 3], environmentId: environment)
        let instances = try await provider.servers(of: target).filter { $0.role == .instance }
        var command = Fixtures.command(
            .replaceInstances, settings: ["instances": 3], options: .init(terminateSessions: true), outputs: Fixtures.modelOutputs)
        command.environmentId = environment
        let (_, lines) = try await run(command)
        let named = lines.filter { $0.hasPrefix("user sessions ended on ") }.map { String($0.dropFirst("user sessions ended on ".count)) }
        #expect(instances.map(\.id) == named, "the ids the steps' session lines name")
        #expect(instances.allSatisfy { $0.status == "running" && $0.launchedAt == Date(timeIntervalSince1970: 1_790_000_000) })

        await #expect(throws: ProviderUnsupportedError.self) { try await provider.perform(.stop, on: instances[0].id, of: target) }

        let released = try await provider.perform(EnvironmentCloudAction.release, of: target)
        #expect(released.first == "scaled the simulated instance group from 3 to 0 instances")
        #expect(try await provider.servers(of: target).filter { $0.role == .instance }.isEmpty)
        #expect(try await provider.perform(EnvironmentCloudAction.release, of: target).first == "the simulated instance group is at 0 instances")

        let resumedAt = Date()
        let resumed = try await provider.perform(EnvironmentCloudAction.resume, of: target)
        #expect(resumed.first == "scaled the simulated instance group back to 3 instances")
        let back = try await provider.servers(of: target).filter { $0.role == .instance }
        #expect(back.map(\.id) == instances.map(\.id))
        #expect(back.allSatisfy { ($0.launchedAt ?? .distantPast) >= resumedAt.addingTimeInterval(-0.01) }, "launched again at the resume")
        #expect(try await provider.perform(EnvironmentCloudAction.resume, of: target).first?.contains("no record of a release") == true)
    }

    @Test("keep users connected: the sessions drain over drainMs, one check per poll interval, before the instances are replaced")
    func drain() async throws {
        let settings: [String: JSONValue] = ["instances": 2, "sessionsPerInstance": 3, "drainMs": 3000, "pollIntervalMs": 1000]
        var lines: [String] = []
        var poll = 0
        while true {
            let command = Fixtures.command(
                .replaceInstances, settings: settings, poll: poll, mode: .keepUsersConnected, outputs: Fixtures.modelOutputs)
            let (outcome, said) = try await run(command)
            lines += said
            if case .inProgress = outcome {
                poll += 1
                continue
            }
            guard case .succeeded = outcome else { throw TestFailure("replace_instances ended \(outcome)") }
            break
        }
        #expect(poll == 3, "three checks of one second for a three-second drain")
        #expect(
            lines == [
                "replacing instances in keep users connected publish mode",
                "draining 2 simulated instances: 6 user sessions open, ending over 3 s (simulated)",
                "4 of 6 user sessions still open on the draining instances (simulated)",
                "2 of 6 user sessions still open on the draining instances (simulated)",
                "all 6 user sessions on the drained instances ended; replacing them (simulated)",
            ])

        // No sessions: nothing to drain, and the history says so.
        let (_, plain) = try await run(
            Fixtures.command(.replaceInstances, mode: .keepUsersConnected, outputs: Fixtures.modelOutputs))
        #expect(plain == ["replacing instances in keep users connected publish mode (simulated: there are no users to drain)"])
    }
}
