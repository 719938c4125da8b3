import Foundation
import HangarContracts
import HangarHarness
import HangarHistory
import Testing

/// Crashes of services mid-run: nothing is lost, nothing runs twice where it shows.
@Suite("Resilience end to end", .serialized, .timeLimit(.minutes(5)))
struct ResilienceEndToEndTests {
    @Test("a worker killed with SIGKILL in the middle of a step; the deployment still succeeds")
    func workerCrash() async throws {
        let system = try await HangarSystem("worker-crash")
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 1)
        try await system.createEnvironment("crashy", target: #"{"durations":{"create_image":3000}}"#)

        let id = try await system.deploy("crashy")
        let deadline = ContinuousClock.now + .seconds(30)
        while try await system.deployment(id).steps.first(where: { $0.name == .createImage })?.status != .running {
            guard ContinuousClock.now < deadline else { throw E2EFailure("create_image never started") }
            try await Task.sleep(for: .milliseconds(50))
        }
        system.stop("worker-1", signal: SIGKILL)
        try system.start(.worker, name: "worker-2")

        let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(90))
        #expect(done.steps.filter { $0.status == .succeeded }.count == 5)
        #expect(done.steps.first { $0.name == .createImage }?.worker == "worker-2", "the surviving worker ran it again")
        let successLines = done.steps.flatMap(\.detail).filter { $0.message.contains("image") && $0.message.contains("available") }
        #expect(successLines.count <= 1, "one succeeded result for the image step")
    }

    @Test("the scheduler and the recorder killed and restarted mid-run lose nothing")
    func schedulerAndRecorderCrash() async throws {
        let system = try await HangarSystem("core-crash")
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 2)
        for index in 0..<4 { try await system.createEnvironment("env-\(index)", target: #"{"stepDurationMs": 150}"#) }

        var ids: [UUID] = []
        for index in 0..<4 {
            ids.append(try await system.deploy("env-\(index)"))
            ids.append(try await system.deploy("env-\(index)"))
        }
        try await Task.sleep(for: .milliseconds(700))
        system.stop("scheduler", signal: SIGKILL)
        system.stop("recorder", signal: SIGKILL)
        try await Task.sleep(for: .milliseconds(500))
        try system.start(.recorder)
        try system.start(.scheduler)

        for id in ids {
            let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(90))
            #expect(done.steps.allSatisfy { $0.status == .succeeded || $0.status == .skipped })
            #expect(done.steps.allSatisfy { $0.finishedAt != nil })
        }
    }

    @Test("two workers share the load")
    func twoWorkers() async throws {
        let system = try await HangarSystem("two-workers")
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 2)
        for index in 0..<4 { try await system.createEnvironment("load-\(index)", target: #"{"stepDurationMs": 60}"#) }
        var ids: [UUID] = []
        for index in 0..<4 { ids.append(try await system.deploy("load-\(index)")) }
        var workers: Set<String> = []
        for id in ids {
            let done = try await system.wait(for: id, status: .succeeded)
            workers.formUnion(done.steps.compactMap(\.worker))
        }
        #expect(workers == ["worker-1", "worker-2"])
    }
}
