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
        // Long enough that the step is seen running even when a loaded machine delays the history
        // by seconds (3 s was missed once in CI: the deployment had finished before it showed).
        try await system.createEnvironment("crashy", target: #"{"durations":{"create_image":8000}}"#)

        let id = try await system.deploy("crashy")
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            let details = try await system.deployment(id)
            if details.steps.first(where: { $0.name == .createImage })?.status == .running { break }
            guard ContinuousClock.now < deadline, !details.status.isTerminal else {
                let steps = details.steps.map { "\($0.name.rawValue)=\($0.status.rawValue)" }.joined(separator: " ")
                throw E2EFailure(
                    "create_image never started: deployment \(details.status.rawValue), steps \(steps)\n"
                        + "scheduler:\n\(system.logs("scheduler", lines: 15))\nworker-1:\n\(system.logs("worker-1", lines: 15))")
            }
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

@Suite("Scheduler replicas", .serialized, .timeLimit(.minutes(3)))
struct SchedulerReplicaTests {
    @Test("two scheduler replicas: one is active; when it crashes the other takes over, timers included")
    func failover() async throws {
        let system = try await HangarSystem("replicas")
        defer { Task { await system.shutdown() } }
        try system.start(.scheduler, name: "scheduler-a", environment: ["HANGAR_INSTANCE": "scheduler-a"])
        try await Task.sleep(for: .milliseconds(500))
        try system.start(.scheduler, name: "scheduler-b", environment: ["HANGAR_INSTANCE": "scheduler-b"])
        try system.start(.recorder)
        try system.start(.worker, name: "worker-1")
        try system.start(.intake)
        try await system.waitUntilReady()
        // Each deployment waits on its image twice, 500 ms apart: that needs the timers.
        for index in 0..<3 {
            try await system.createEnvironment("ha-\(index)", target: #"{"polls":{"create_image":2},"pollIntervalMs":500}"#)
        }
        var ids: [UUID] = []
        for index in 0..<3 { ids.append(try await system.deploy("ha-\(index)")) }
        for index in 0..<3 { ids.append(try await system.deploy("ha-\(index)")) }
        try await Task.sleep(for: .milliseconds(600))
        system.stop("scheduler-a", signal: SIGKILL)

        for id in ids {
            let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(90))
            #expect(done.steps.first { $0.name == .createImage }?.detail.count ?? 0 >= 3)
        }
        // Never two at once on one environment, even across the failover.
        for index in 0..<3 {
            let first = try await system.deployment(ids[index])
            let second = try await system.deployment(ids[index + 3])
            #expect(try #require(first.finishedAt) <= (try #require(second.startedAt)))
        }
    }
}
