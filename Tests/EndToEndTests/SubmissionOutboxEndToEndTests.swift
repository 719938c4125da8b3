import Foundation
import HangarContracts
import HangarHarness
import Testing

/// Intake writes each submission's message to its transactional outbox in the submission's
/// own transaction: a submission answered 202 is never lost, even when the broker cannot take
/// its message and intake is then killed.
@Suite("Submission outbox end to end", .timeLimit(.minutes(3)))
struct SubmissionOutboxEndToEndTests {
    @Test("a submission the broker could not route survives intake's SIGKILL: the restarted intake's relay publishes it, and it runs once")
    func unroutableThenKilled() async throws {
        let system = try await HangarSystem("submission-outbox")
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 1)
        try await system.createEnvironment("outbox")

        // No queue takes `deployment.*` commands any more: intake's publish fails as unroutable.
        let binding = "/api/bindings/\(system.encodedVhost)/e/hangar.commands/q/hangar.scheduler/deployment.%2A"
        let (_, removed) = try await system.broker("DELETE", binding)
        #expect(removed == 204, "the scheduler's binding for deployment commands removed")
        let id = try await system.deploy("outbox")
        try await eventually("intake tried and failed to publish it") {
            system.logs("intake", lines: 400).contains("intake.publish.failed")
        }
        system.stop("intake", signal: SIGKILL)

        // The binding is back (as a restarted scheduler declares it), then intake starts again.
        let (_, restored) = try await system.broker(
            "POST", "/api/bindings/\(system.encodedVhost)/e/hangar.commands/q/hangar.scheduler", body: ["routing_key": "deployment.*"])
        #expect(restored == 201)
        try system.start(.intake)
        try await system.waitUntilReady()
        let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(60))
        #expect(done.steps.allSatisfy { $0.status == .succeeded || $0.status == .skipped })
        #expect(system.logs("intake", lines: 400).contains("intake.outbox.relay"), "the relay published it")

        // Once: one deployment in the environment's history, its validate step run once.
        let (data, _) = try await system.request("GET", "/v1/environments/outbox/deployments")
        let page = try HangarJSON.decoder.decode(HistoryPage.self, from: data)
        #expect(page.items.map(\.id) == [id])
        #expect(done.steps.first { $0.name == .validate }?.attempts == 1)
    }
}
