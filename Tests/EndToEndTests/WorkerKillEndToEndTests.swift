import AWSClient
import Foundation
import HangarContracts
import HangarHarness
import HangarHistory
import Logging
import Synchronization
import Testing

/// Workers killed with SIGKILL every few seconds while many deployments run, and a worker
/// frozen mid-step: every deployment still succeeds, each cloud effect once, and none stalls
/// for long after a worker's death (issue #19: a re-run's outcome was once dropped as a
/// duplicate, and the deployment waited out the 5-minute step timeout).
///
/// `HANGAR_TEST_KILL_DEPLOYMENTS` scales both kill tests (default: 100 simulated, 40 on AWS).
@Suite("Workers killed mid-step", .serialized, .timeLimit(.minutes(15)))
struct WorkerKillEndToEndTests {
    static let scale = ProcessInfo.processInfo.environment["HANGAR_TEST_KILL_DEPLOYMENTS"].flatMap(Int.init)

    @Test("a worker frozen mid-step loses its lease: another worker runs the step again within seconds")
    func frozenWorker() async throws {
        let system = try await Self.leaseSystem("frozen-worker")
        defer { Task { await system.shutdown() } }
        // Long enough that a busy machine's history, late to show the step running, cannot make
        // the freeze land after the step ended (seen in a loaded run with 8 s).
        try await system.createEnvironment("frozen", target: #"{"durations":{"create_image":12000}}"#)

        let id = try await system.deploy("frozen")
        try await waitFor(system, id, "create_image running") { $0.status == .running }
        try await Task.sleep(for: .milliseconds(700))  // a heartbeat or two: the lease is held
        system.signal("worker-1", SIGSTOP)
        let frozenAt = Date()
        try system.start(.worker, name: "worker-2")

        let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(60))
        let image = try #require(done.steps.first { $0.name == .createImage })
        #expect(image.attempts == 2, "dispatched again as a new attempt when the lease lapsed")
        #expect(image.worker == "worker-2")
        let finished = try #require(done.finishedAt)
        #expect(
            finished.timeIntervalSince(frozenAt) < 30, "done \(finished.timeIntervalSince(frozenAt)) s after the freeze, not after the step timeout")
        system.stop("worker-1", signal: SIGKILL)
    }

    @Test("the late answer of an attempt the lease replaced changes nothing in the history")
    func lateAnswerOfReplacedAttempt() async throws {
        let system = try await Self.leaseSystem("late-answer")
        defer { Task { await system.shutdown() } }
        // Attempt 1 of create_image fails (permanently) once its 8 s are over; attempt 2 succeeds.
        try await system.createEnvironment(
            "late",
            target:
                #"{"durations":{"create_image":8000},"failures":[{"step":"create_image","attempts":[1],"transient":false,"message":"stale attempt failed"}]}"#
        )
        let id = try await system.deploy("late")
        try await waitFor(system, id, "create_image running") { $0.status == .running }
        try await Task.sleep(for: .milliseconds(700))
        system.signal("worker-1", SIGSTOP)
        try system.start(.worker, name: "worker-2")
        try await waitFor(system, id, "attempt 2 of create_image started") { $0.attempts == 2 && $0.worker == "worker-2" }
        system.signal("worker-1", SIGCONT)  // attempt 1 wakes up past its 8 s and answers "failed"

        let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(60))
        let image = try #require(done.steps.first { $0.name == .createImage })
        #expect(image.status == .succeeded && image.attempts == 2 && image.worker == "worker-2" && image.error == nil, "\(image)")
        let lateLines = image.detail.map(\.message).filter { $0.contains("stale attempt failed") }
        #expect(lateLines.allSatisfy { $0.hasPrefix("attempt 1, already replaced by attempt 2: ") }, "\(lateLines)")
        system.stop("worker-1", signal: SIGKILL)
    }

    /// A system with a 4 s lease and 300 ms heartbeats (13 heartbeats a lease: a machine busy with
    /// the other suites once delayed a live worker's for 2 s), and one worker whose broker connection
    /// stays up when it is frozen (long AMQP heartbeat), so the broker never hands its delivery
    /// to anyone else: only the lease can notice. It takes one delivery at a time, so a step
    /// dispatched again goes to the next worker.
    private static func leaseSystem(_ name: String) async throws -> HangarSystem {
        let system = try await HangarSystem(
            name, extraEnvironment: ["HANGAR_SCHEDULER_LEASE_TIMEOUT_MS": "4000", "HANGAR_WORKER_HEARTBEAT_MS": "300"])
        try await system.startAll(
            workers: 1,
            workerEnvironment: ["HANGAR_AMQP_HEARTBEAT": "120", "HANGAR_WORKER_CONCURRENCY": "1", "HANGAR_WORKER_PREFETCH": "1"])
        return system
    }

    /// Polls the history until create_image satisfies `condition`.
    private func waitFor(
        _ system: HangarSystem, _ id: UUID, _ what: String, _ condition: (StepDetails) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let step = try await system.deployment(id).steps.first(where: { $0.name == .createImage }), condition(step) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw E2EFailure("timed out waiting for \(what)")
    }

    @Test("100 deployments with workers SIGKILLed every few seconds: all succeed, none stalls")
    func simulatedKills() async throws {
        let total = Self.scale ?? 100
        let environments = 10
        let system = try await HangarSystem("kill-simulated")
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 3)
        for index in 0..<environments {
            try await system.createEnvironment("kill-\(index)", target: #"{"stepDurationMs":300,"polls":{"create_image":1},"pollIntervalMs":300}"#)
        }
        var ids: [UUID] = []
        for index in 0..<total { ids.append(try await system.deploy("kill-\(index % environments)")) }

        let report = try await KillLoop.run(on: system, workers: 3, until: ids, timeout: .seconds(600))
        print("simulated kill test: \(report)")
        #expect(report.succeeded == total, "\(report)")
        #expect(report.longestStall < 20, "\(report)")
        #expect(report.kills >= 3, "the test killed workers: \(report)")
        for details in report.details {
            #expect(details.steps.allSatisfy { $0.status == .succeeded || $0.status == .skipped }, "\(details.id)")
        }
    }

    @Test(
        "40 AWS deployments, every cloud call delayed 150 ms, workers SIGKILLed mid-step: all succeed, one image, one model and one session-ending command each"
    )
    func awsKills() async throws {
        let total = Self.scale.map { max(8, $0 * 2 / 5) } ?? 40
        let environments = 8
        let moto = try await MotoServer()
        defer { moto.stop() }
        let proxy = try await MotoProxy(upstream: moto, delayMilliseconds: 150)
        defer { proxy.stop() }
        var seeds: [[String: String]] = []
        for index in 0..<environments { seeds.append(try moto.seed(name: "kill\(index)", instances: 2, versions: 2)) }

        let system = try await HangarSystem("kill-aws", extraEnvironment: proxy.environment)
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 3)
        for (index, seed) in seeds.enumerated() {
            let target = """
                {"region":"us-east-1","preparationInstanceId":"\(seed["preparationInstanceId"]!)","launchTemplateId":"\(seed["launchTemplateId"]!)",
                 "autoScalingGroupName":"\(seed["autoScalingGroupName"]!)","keepModelVersions":3,"checkAfterSeconds":0.2,"warmupSeconds":0}
                """
            try await system.createEnvironment("aws-\(index)", provider: "aws", target: target)
        }
        var ids: [UUID] = []
        for index in 0..<total {
            // Half of them end the users' sessions through Run Command first: sent once each, killed or not.
            let options = index % 2 == 0 ? #"{"lockInstances":true}"# : #"{"lockInstances":true,"terminateSessions":true}"#
            ids.append(try await system.deploy("aws-\(index % environments)", body: #"{"options":\#(options)}"#))
        }

        let report = try await KillLoop.run(on: system, workers: 3, until: ids, timeout: .seconds(780))
        print("aws kill test: \(report)")
        #expect(report.succeeded == total, "\(report)")
        #expect(report.longestStall < 20, "\(report)")
        #expect(report.kills >= 3, "the test killed workers: \(report)")

        // Exactly one image and one launch template version per deployment.
        let client = moto.queryClient()
        let ec2 = EC2(client: client)
        var versions: [String: [EC2LaunchTemplateVersion]] = [:]
        for seed in seeds {
            let template = seed["launchTemplateId"]!
            versions[template] = try await ec2.describeLaunchTemplateVersions(templateId: template)
        }
        let allVersions = versions.values.flatMap { $0 }
        let commands = try await SystemsManager(client: client).commands(onInstance: nil)
        for (index, id) in ids.enumerated() {
            let deployment = id.uuidString.lowercased()
            let images = try await ec2.describeImages(filters: [("tag:hangar:deployment", [deployment])])
            #expect(images.count == 1, "deployment \(index) (\(deployment)) made \(images.count) images")
            let models = allVersions.filter { $0.description?.contains("hangar:\(deployment)") == true }
            #expect(models.count == 1, "deployment \(index) (\(deployment)) made \(models.count) template versions")
            let endSessions = commands.filter { $0.comment == "hangar end sessions replace_instances \(deployment)" }
            #expect(
                endSessions.count == (index % 2 == 0 ? 0 : 1),
                "deployment \(index) (\(deployment)) sent \(endSessions.count) commands ending sessions")
        }
    }
}

/// Kills a random worker with SIGKILL every 2–4 s (starting a new one at once) until the
/// deployments have ended, then reports how they ended and the longest stall: the longest
/// time inside a deployment's run with no step starting, ending or reporting a line.
enum KillLoop {
    struct Report: CustomStringConvertible {
        var succeeded = 0
        var failed: [String] = []
        var kills = 0
        var longestStall: TimeInterval = 0
        var elapsed: TimeInterval = 0
        var details: [DeploymentDetails] = []

        var description: String {
            "\(succeeded) of \(details.count) succeeded in \(String(format: "%.1f", elapsed)) s, \(kills) worker kills, "
                + "longest stall \(String(format: "%.2f", longestStall)) s"
                + (failed.isEmpty ? "" : "; not succeeded: \(failed.joined(separator: "; "))")
        }
    }

    static func run(on system: HangarSystem, workers: Int, until ids: [UUID], timeout: Duration) async throws -> Report {
        let started = Date()
        let kills = Atomic<Int>(0)
        let killer = Task {
            var next = workers + 1
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int.random(in: 2000...4000)))
                if Task.isCancelled { break }
                let alive = system.running.filter { $0.hasPrefix("worker-") }
                guard let victim = alive.randomElement() else { continue }
                system.stop(victim, signal: SIGKILL)
                kills.add(1, ordering: .relaxed)
                _ = try? system.start(.worker, name: "worker-\(next)")
                next += 1
            }
        }
        defer { killer.cancel() }

        var report = Report()
        let deadline = ContinuousClock.now + timeout
        var pending = Set(ids)
        var ended: [UUID: DeploymentDetails] = [:]
        while !pending.isEmpty, ContinuousClock.now < deadline {
            for id in pending {
                let details = try await system.deployment(id)
                if details.status.isTerminal {
                    ended[id] = details
                    pending.remove(id)
                }
            }
            if !pending.isEmpty { try await Task.sleep(for: .milliseconds(250)) }
        }
        killer.cancel()
        report.elapsed = Date().timeIntervalSince(started)
        report.kills = kills.load(ordering: .relaxed)
        for id in ids {
            let details: DeploymentDetails
            if let known = ended[id] { details = known } else { details = try await system.deployment(id) }
            report.details.append(details)
            if details.status == .succeeded {
                report.succeeded += 1
            } else {
                report.failed.append("\(id.uuidString.lowercased()) \(details.status.rawValue): \(details.reason ?? "-")")
            }
            report.longestStall = max(report.longestStall, longestStall(in: details))
        }
        return report
    }

    /// The longest gap between consecutive moments of a deployment's run (its start, each
    /// step's start, end and detail lines, its end; still running: now).
    static func longestStall(in details: DeploymentDetails) -> TimeInterval {
        guard let start = details.startedAt else { return 0 }
        var moments = [start, details.finishedAt ?? Date()]
        for step in details.steps {
            moments += [step.startedAt, step.finishedAt].compactMap { $0 }
            moments += step.detail.map(\.at)
        }
        let sorted = moments.sorted()
        return zip(sorted, sorted.dropFirst()).map { $1.timeIntervalSince($0) }.max() ?? 0
    }
}
