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
        #expect(servers.map(\.role) == [.preparation, .support])
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
        let first = SimulatedProvider(serverStateFile: file), second = SimulatedProvider(serverStateFile: file)
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
        #expect(listing.failure == nil && listing.servers.count == 2 && listing.worker == "w")
        let unknown = await ServerRequestService.answer(request("gcp"), providers: registry, worker: "w", timeout: .seconds(5))
        #expect(unknown.failure == .unsupported)
        let missing = await ServerRequestService.answer(
            request("simulated", action: .stop, server: "i-nope"), providers: registry, worker: "w", timeout: .seconds(5))
        #expect(missing.failure == .notFound)
    }
}
