import Foundation
import HangarContracts
import HangarHarness
import HangarHistory
import Testing

/// Every service as a separate process on the real broker (each test in its own vhost).
@Suite("Deployment pipeline end to end", .serialized, .timeLimit(.minutes(5)))
struct PipelineEndToEndTests {
    @Test("a deployment runs all six steps in order and the history shows each step's duration")
    func fullPipeline() async throws {
        let system = try await HangarSystem("pipeline")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("web", target: #"{"stepDurationMs": 30}"#)

        let id = try await system.deploy(
            "web", body: #"{"version":"2.4.0","options":{"stopPreparationServer":true,"lockInstances":true},"notify":{"emails":["ops@example.com"]}}"#
        )
        let done = try await system.wait(for: id, status: .succeeded)

        #expect(done.steps.map(\.name) == StepName.allCases)
        #expect(done.steps.allSatisfy { $0.status == .succeeded })
        for step in done.steps {
            let duration = try #require(step.durationMs, "\(step.name) has a duration")
            #expect(duration >= 25, "\(step.name) held its worker for 30 ms")
            #expect(step.attempts == 1)
        }
        let starts = done.steps.compactMap(\.startedAt)
        #expect(starts == starts.sorted(), "steps ran in order")
        for (earlier, later) in zip(done.steps, done.steps.dropFirst()) {
            #expect(try #require(earlier.finishedAt) <= (try #require(later.startedAt)))
        }
        #expect(done.version == "2.4.0")
        #expect(done.owner == "deployer")
        #expect(done.outputs["generatedVersion"] != nil)
        #expect(try #require(done.durationMs) >= 180)
        #expect(done.steps.first { $0.name == .validate }?.detail.isEmpty == false, "detail lines recorded")

        // The history lists it, newest first, with the step timings.
        let (data, status) = try await system.request("GET", "/v1/environments/web/deployments", token: HangarSystem.viewerToken)
        #expect(status == 200)
        let page = try HangarJSON.decoder.decode(HistoryPage.self, from: data)
        #expect(page.items.map(\.id) == [id])
        #expect(page.items[0].steps.count == 6)
    }

    @Test("a skipped step, a permanent failure and a transient failure")
    func failures() async throws {
        let system = try await HangarSystem("failures")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment(
            "broken",
            target: #"{"failures":[{"step":"create_models","attempts":"all","transient":false,"message":"launch template quota exceeded"}]}"#)
        try await system.createEnvironment(
            "flaky", target: #"{"failures":[{"step":"create_image","attempts":[1,2],"transient":true,"message":"throttled"}]}"#)

        let broken = try await system.deploy("broken")
        let flaky = try await system.deploy("flaky")

        let failed = try await system.wait(for: broken, status: .failed)
        #expect(failed.failedStep == .createModels)
        #expect(failed.reason?.contains("launch template quota exceeded") == true)
        let failedStep = try #require(failed.steps.first { $0.name == .createModels })
        #expect(failedStep.status == .failed)
        #expect(failedStep.error?.contains("launch template quota exceeded") == true)
        #expect(failed.steps.first { $0.name == .stopPreparationServer }?.status == .skipped, "not asked to stop the server")
        #expect(failed.steps.first { $0.name == .replaceInstances }?.status == .pending, "later steps never ran")
        // Ending early, it ran finalize as a cleanup (locks, the preparation server, the default model).
        let cleanup = try #require(failed.steps.first { $0.name == .finalize })
        #expect(cleanup.status == .succeeded)
        #expect(
            cleanup.detail.contains { $0.message == "cleaning up after: create_models failed: launch template quota exceeded" }, "\(cleanup.detail)")
        #expect(failed.outputs["generatedVersion"] == nil, "nothing was published")

        let recovered = try await system.wait(for: flaky, status: .succeeded)
        let image = try #require(recovered.steps.first { $0.name == .createImage })
        #expect(image.status == .succeeded)
        #expect(image.attempts == 3, "two transient failures, then success")
    }

    @Test("deployments on one environment never overlap and run in the order submitted")
    func noOverlap() async throws {
        let system = try await HangarSystem("overlap")
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 2)
        try await system.createEnvironment("single", target: #"{"stepDurationMs": 40}"#)

        var ids: [UUID] = []
        for index in 0..<3 { ids.append(try await system.deploy("single", body: #"{"version":"v\#(index)"}"#)) }
        var runs: [DeploymentDetails] = []
        for id in ids { runs.append(try await system.wait(for: id, status: .succeeded)) }

        for (earlier, later) in zip(runs, runs.dropFirst()) {
            #expect(
                try #require(earlier.finishedAt) <= (try #require(later.startedAt)),
                "\(later.version ?? "") started after \(earlier.version ?? "") ended")
        }
    }

    @Test("cancel a scheduled deployment and a running one")
    func cancel() async throws {
        let system = try await HangarSystem("cancel")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        // create_image waits on the (simulated) cloud: 50 checks 200 ms apart.
        try await system.createEnvironment("slow", target: #"{"polls":{"create_image":50},"pollIntervalMs":200}"#)

        let later = HangarJSON.formatDate(Date().addingTimeInterval(3600))
        let scheduled = try await system.deploy("slow", body: #"{"scheduledAt":"\#(later)"}"#)
        _ = try await system.wait(for: scheduled, status: .scheduled)
        let (_, cancelStatus) = try await system.request("POST", "/v1/deployments/\(scheduled)/cancel", token: HangarSystem.deployerToken)
        #expect(cancelStatus == 202)
        let cancelledScheduled = try await system.wait(for: scheduled, status: .cancelled)
        #expect(cancelledScheduled.startedAt == nil, "it never started")

        let running = try await system.deploy("slow")
        let deadline = ContinuousClock.now + .seconds(30)
        while try await system.deployment(running).steps.first(where: { $0.name == .createImage })?.status != .running {
            guard ContinuousClock.now < deadline else { throw E2EFailure("create_image never started") }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await system.request("POST", "/v1/deployments/\(running)/cancel", token: HangarSystem.deployerToken)
        let cancelled = try await system.wait(for: running, status: .cancelled)
        #expect(cancelled.reason?.contains("deployer") == true)
        #expect(cancelled.steps.first { $0.name == .createImage }?.status == .cancelled)
        // finalize ran as the cleanup of a deployment ending early.
        let cleanup = try #require(cancelled.steps.first { $0.name == .finalize })
        #expect(cleanup.status == .succeeded)
        #expect(cleanup.detail.contains { $0.message == "cleaning up after: cancelled by deployer" }, "\(cleanup.detail)")
        #expect(cancelled.steps.first { $0.name == .replaceInstances }?.status == .cancelled, "never ran")

        // A finished deployment cannot be cancelled.
        let (_, again) = try await system.request("POST", "/v1/deployments/\(running)/cancel", token: HangarSystem.deployerToken)
        #expect(again == 409)
    }

    @Test("a scheduled deployment fires on time, also after the scheduler restarted before it was due")
    func scheduled() async throws {
        let system = try await HangarSystem("scheduled")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("timed")

        let due = Date().addingTimeInterval(5)
        let id = try await system.deploy("timed", body: #"{"scheduledAt":"\#(HangarJSON.formatDate(due))"}"#)
        _ = try await system.wait(for: id, status: .scheduled)
        system.stop("scheduler", signal: SIGTERM)
        try await Task.sleep(for: .seconds(1))
        try system.start(.scheduler)
        // The replacement (its log starts afresh) holds the timers once it has taken the lease:
        // at once, as the stopped one gave it up. On a loaded machine a process can take seconds
        // to start, so its firing is measured from the due time or from then, whichever is later.
        var takenOver = Date()
        let deadline = ContinuousClock.now + .seconds(30)
        while !system.logs("scheduler", lines: 10_000).contains("scheduler.lease.taken") {
            guard ContinuousClock.now < deadline else {
                throw E2EFailure("the restarted scheduler never took the lease:\n\(system.logs("scheduler"))")
            }
            try await Task.sleep(for: .milliseconds(20))
            takenOver = Date()
        }

        let done = try await system.wait(for: id, status: .succeeded)
        let started = try #require(done.startedAt)
        #expect(started >= due.addingTimeInterval(-0.01), "not before its time")
        let onTime = max(due, takenOver)
        #expect(
            started.timeIntervalSince(onTime) < 1.0,
            "within a second of its time (\(started.timeIntervalSince(due)) s after it; the lease taken \(takenOver.timeIntervalSince(due)) s after it)"
        )
    }
}

@Suite("Deployment pipeline on PostgreSQL", .serialized, .timeLimit(.minutes(3)))
struct PostgresPipelineTests {
    @Test("the services keep their state in PostgreSQL, one schema each, and a deployment runs through")
    func pipelineOnPostgres() async throws {
        let url = ProcessInfo.processInfo.environment["HANGAR_TEST_POSTGRES_URL"] ?? "postgres://hangar:hangar@127.0.0.1:5432/hangar_test"
        let prefix = "e2e_\(UUID().uuidString.prefix(8).lowercased())_"
        let system = try await HangarSystem(
            "postgres", extraEnvironment: ["HANGAR_DATABASE_URL": url, "HANGAR_DATABASE_SCHEMA_PREFIX": prefix])
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 2)
        try await system.createEnvironment("pg", target: #"{"stepDurationMs": 20, "polls": {"create_image": 2}, "pollIntervalMs": 100}"#)
        let first = try await system.deploy("pg", body: #"{"version":"pg-1"}"#)
        let second = try await system.deploy("pg", body: #"{"version":"pg-2"}"#)
        let one = try await system.wait(for: first, status: .succeeded)
        let two = try await system.wait(for: second, status: .succeeded)
        #expect(try #require(one.finishedAt) <= (try #require(two.startedAt)))
        #expect(one.steps.first { $0.name == .createImage }?.detail.count ?? 0 >= 3, "two checks on the image were recorded")
        // Nothing was written to SQLite files: the state is in PostgreSQL.
        let files = (try? FileManager.default.contentsOfDirectory(atPath: system.dataDirectory.path)) ?? []
        #expect(!files.contains { $0.hasSuffix(".sqlite") })
    }
}
