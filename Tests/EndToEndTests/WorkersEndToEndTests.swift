import Foundation
import HangarContracts
import HangarHarness
import Testing

/// `GET /v1/workers` and `hangar workers`, from the workers' own statuses kept by the recorder.
@Suite("Workers end to end", .serialized, .timeLimit(.minutes(2)))
struct WorkersEndToEndTests {
    @Test("each worker with its concurrency and the step it runs; gone after a graceful stop; a killed one stays, silent")
    func workers() async throws {
        let system = try await HangarSystem("workers", extraEnvironment: ["HANGAR_WORKER_STATUS_MS": "200"])
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 2, workerEnvironment: ["HANGAR_WORKER_CONCURRENCY": "3"])
        try await system.createEnvironment("busy", target: #"{"stepDurationMs": 1500}"#)
        @Sendable func workers(token: String? = HangarSystem.viewerToken) async throws -> [WorkerSummary] {
            let (data, status) = try await system.request("GET", "/v1/workers", token: token)
            guard status == 200 else { throw E2EFailure("GET /v1/workers answered \(status)") }
            return try HangarJSON.decoder.decode(WorkerList.self, from: data).items
        }
        let id = try await system.deploy("busy")
        try await eventually("both workers listed, one running the deployment's step") {
            let listed = try await workers()
            return listed.map(\.name) == ["worker-1", "worker-2"] && listed.allSatisfy { $0.concurrency == 3 }
                && listed.flatMap(\.running).contains { $0.deploymentId == id && $0.environmentName == "busy" && $0.attempt == 1 }
        }
        #expect(try await system.request("GET", "/v1/workers", token: nil).1 == 401)
        let cli = try await CLIEndToEndTests.hangar(["workers"], system: system, token: HangarSystem.viewerToken)
        #expect(cli.status == 0 && cli.stdout.contains("worker-1") && cli.stdout.contains("worker-2") && cli.stdout.contains("/3"), "\(cli)")
        _ = try await system.wait(for: id, status: .succeeded)
        try await eventually("idle again") { try await workers().allSatisfy { $0.running.isEmpty } }

        // A graceful stop: its last word removes it.
        system.stop("worker-2", signal: SIGTERM)
        try await eventually("worker-2 gone") { try await workers().map(\.name) == ["worker-1"] }
        // Killed without a word: it stays, and its last status grows old.
        system.stop("worker-1", signal: SIGKILL)
        try await Task.sleep(for: .seconds(1.5))
        let silent = try #require(try await workers().first)
        #expect(silent.name == "worker-1" && -silent.lastSeenAt.timeIntervalSinceNow > 1, "\(silent)")
    }
}
