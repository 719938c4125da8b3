import Foundation
import HangarContracts
import HangarHarness
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The queue type as a setting of the broker deployment (`HANGAR_QUEUE_TYPE`): on classic
/// queues, which have no delivery limit, a poison message still reaches its dead-letter queue;
/// a broker holding the queues with the other type is refused with a clear error; and
/// `hangar-migrate-queues` changes the type keeping every message.
@Suite("Queue types", .serialized, .timeLimit(.minutes(10)))
struct QueueTypeEndToEndTests {
    @Test(
        "classic queues: a step command that crashes its worker every time is dead-lettered after 10 deliveries; the workers carry on; once the cause is gone, replayed through the API, it runs to its end"
    )
    func poisonStepOnClassicQueues() async throws {
        let workerEnvironment = ["HANGAR_WORKER_LIVE_AFTER_MS": "0", "HANGAR_WORKER_HEARTBEAT_MS": "0", "HANGAR_WORKER_CONCURRENCY": "1"]
        let system = try await HangarSystem("poison-step", extraEnvironment: ["HANGAR_QUEUE_TYPE": "classic"])
        defer { Task { await system.shutdown() } }
        try system.start(.worker, name: "worker-0", environment: workerEnvironment)
        try await waitForBinding(system, exchange: "hangar.commands", queue: "hangar.steps", routingKey: "step.execute")
        // A queue of the test's own receives the step events (the workers' `started` lines).
        try await system.broker("PUT", "/api/queues/\(system.encodedVhost)/test.events", body: ["durable": false])
        try await system.broker(
            "POST", "/api/bindings/\(system.encodedVhost)/e/hangar.events/q/test.events", body: ["routing_key": "step.#"])

        // The step holds its worker for 8 s: each worker is SIGKILLed while it runs, as a
        // message that crashes its consumer would.
        let poison = ExecuteStep(
            deploymentId: UUID(), environmentId: UUID(), environmentName: "poison", version: "1", step: .createImage,
            attempt: 1, dispatchId: UUID(), target: ProviderTarget(provider: "simulated", settings: ["stepDurationMs": 8_000]),
            options: .init(), mode: .optimized)
        let body = String(decoding: try ContractCodec.encode(.executeStep(poison)), as: UTF8.self)
        let routed = try await system.publishRaw(
            exchange: "hangar.commands", routingKey: "step.execute", type: "step.execute", body: body,
            headers: [ContractCodec.schemaVersionHeader: ContractCodec.schemaVersion])
        #expect(routed)

        var runs = 0
        var worker = "worker-0"
        for generation in 1...15 {
            // Either the next run starts (a `started` event) or the command is dead-lettered.
            let deadline = ContinuousClock.now + .seconds(30)
            var started = false
            while ContinuousClock.now < deadline {
                if try await startedRuns(system) > runs {
                    started = true
                    break
                }
                if try await !system.peek(queue: "hangar.steps.dead").isEmpty { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            guard started else { break }
            runs += 1
            system.stop(worker, signal: SIGKILL)
            worker = "worker-\(generation)"
            try system.start(.worker, name: worker, environment: workerEnvironment)
        }

        let dead = try await system.peek(queue: "hangar.steps.dead")
        #expect(dead.count == 1, "the poison command rests in hangar.steps.dead")
        let reason = dead.first?.headers["x-hangar-dead-reason"] as? String ?? ""
        #expect(reason.contains("redelivered 10 times"), "\(reason)")
        #expect(runs == 10, "the command ran \(runs) times: each delivery up to the limit, not one more")
        #expect(try await system.peek(queue: "hangar.steps").isEmpty)

        // The last worker is well and takes the next command.
        let healthy = ExecuteStep(
            deploymentId: UUID(), environmentId: UUID(), environmentName: "healthy", version: "1", step: .validate,
            attempt: 1, dispatchId: UUID(), target: ProviderTarget(provider: "simulated", settings: [:]),
            options: .init(), mode: .optimized)
        try await system.publishRaw(
            exchange: "hangar.commands", routingKey: "step.execute", type: "step.execute",
            body: String(decoding: try ContractCodec.encode(.executeStep(healthy)), as: UTF8.self),
            headers: [ContractCodec.schemaVersionHeader: ContractCodec.schemaVersion])
        try await eventually("the healthy step's outcome") {
            try await system.peek(queue: "test.events", count: 100).contains { message in
                (try? HangarJSON.decoder.decode(StepEvent.self, from: Data(message.body.utf8))).map {
                    $0.deploymentId == healthy.deploymentId && $0.kind == .succeeded
                } ?? false
            }
        }

        // The cause is gone (nothing kills the workers any more): the recorder keeps the dead
        // letter, an operator replays it, and the step runs to its end.
        try system.start(.recorder)
        try await eventually("the recorder ready") {
            guard let url = system.metricsURL("recorder")?.replacingOccurrences(of: "/metrics", with: "/health/ready") else { return false }
            return (try? await URLSession.shared.data(from: URL(string: url)!).1 as? HTTPURLResponse)?.statusCode == 200
        }
        try system.start(.intake)
        try await system.waitUntilReady()
        @Sendable func kept() async throws -> [DeadLetterSummary] {
            let (data, _) = try await system.request("GET", "/v1/dead-letters?queue=hangar.steps")
            return try HangarJSON.decoder.decode(DeadLetterList.self, from: data).items
        }
        try await eventually("the dead letter kept") { try await kept().count == 1 }
        let letter = try #require(try await kept().first)
        #expect(letter.reason.contains("redelivered 10 times"), "\(letter)")
        #expect(letter.deploymentId?.lowercased() == poison.deploymentId.uuidString.lowercased())
        #expect(try await system.request("POST", "/v1/dead-letters/\(letter.id)/replay").1 == 202)
        try await eventually("the replayed step's outcome", timeout: .seconds(30)) {
            try await system.peek(queue: "test.events", count: 200).contains { message in
                (try? HangarJSON.decoder.decode(StepEvent.self, from: Data(message.body.utf8))).map {
                    $0.deploymentId == poison.deploymentId && $0.kind == .succeeded
                } ?? false
            }
        }
        let (after, _) = try await system.request("GET", "/v1/dead-letters")
        #expect(try HangarJSON.decoder.decode(DeadLetterList.self, from: after).items.isEmpty)
    }

    @Test("quorum queues holding messages move to classic with hangar-migrate-queues: nothing lost; a mismatched start is refused clearly")
    func migrateQuorumToClassic() async throws {
        let system = try await HangarSystem("queue-migration", extraEnvironment: ["HANGAR_QUEUE_TYPE": "quorum"])
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("web")
        let first = try await system.deploy("web")
        _ = try await system.wait(for: first, status: .succeeded)

        // The recorder stops: the next deployments' events wait in hangar.recorder; and a dead
        // letter rests in hangar.recorder.dead.
        system.stop("recorder", signal: SIGTERM)
        var submitted: [UUID] = []
        for _ in 1...3 {
            submitted.append(try await system.deploy("web"))
        }
        let later = submitted
        try await eventually("the later deployments' events queued for the recorder", timeout: .seconds(60)) {
            // In the scheduler's event batches.
            let succeeded = try await system.peek(queue: "hangar.recorder", count: 500).flatMap { message in
                ((try? HangarJSON.decoder.decode(EventBatch.self, from: Data(message.body.utf8)))?.items ?? []).compactMap { item -> UUID? in
                    guard case .deploymentEvent(let event) = item.message, event.status == .succeeded else { return nil }
                    return event.deploymentId
                }
            }
            return Set(later).isSubset(of: Set(succeeded))
        }
        try await system.publishRaw(exchange: "hangar.dead", routingKey: "hangar.recorder", type: "test.dead", body: "kept dead letter")
        for service in ["intake", "scheduler", "worker-1"] { system.stop(service, signal: SIGTERM) }
        let queued = try await system.peek(queue: "hangar.recorder", count: 500).count
        #expect(queued > 0)

        // Started with classic against quorum queues: refused, with the way out.
        system.extraEnvironment["HANGAR_QUEUE_TYPE"] = "classic"
        try system.start(.recorder, name: "recorder-mismatched")
        try await eventually("the mismatched recorder explains itself") {
            system.logs("recorder-mismatched", lines: 200).contains("migrate-queues.sh")
        }
        #expect(system.logs("recorder-mismatched", lines: 200).contains("HANGAR_QUEUE_TYPE=classic"))
        system.stop("recorder-mismatched")

        // The migration: every queue classic, every message kept.
        let migration = Process()
        migration.executableURL = URL(fileURLWithPath: "\(system.binDirectory)/hangar-migrate-queues")
        migration.arguments = ["classic"]
        var environment = ProcessInfo.processInfo.environment
        environment["HANGAR_AMQP_URL"] = HangarSystem.amqpURL + system.vhost
        migration.environment = environment
        let output = Pipe()
        migration.standardOutput = output
        migration.standardError = output
        try migration.run()
        migration.waitUntilExit()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(migration.terminationStatus == 0, "\(said)")

        let (data, _) = try await system.broker("GET", "/api/queues/\(system.encodedVhost)")
        let queues = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        let types = Dictionary(uniqueKeysWithValues: queues.compactMap { q in (q["name"] as? String).map { ($0, q["type"] as? String ?? "?") } })
        for name in ["hangar.scheduler", "hangar.steps", "hangar.recorder", "hangar.notifier", "hangar.recorder.dead"] {
            #expect(types[name] == "classic", "\(name) is \(types[name] ?? "missing")")
        }
        #expect(try await system.peek(queue: "hangar.recorder", count: 500).count == queued, "every queued event kept")
        #expect(try await system.peek(queue: "hangar.recorder.dead").map(\.body) == ["kept dead letter"])

        // Hangar on classic queues: the recorder catches up on what waited.
        try await system.startAll()
        for id in later {
            let details = try await system.wait(for: id, status: .succeeded)
            #expect(
                details.steps.count == 6 && details.steps.allSatisfy { [.succeeded, .skipped].contains($0.status) }, "\(details.steps.map(\.status))")
        }
        let next = try await system.deploy("web")
        _ = try await system.wait(for: next, status: .succeeded)
    }

    /// How many `step.started` events the test's queue has received.
    private func startedRuns(_ system: HangarSystem) async throws -> Int {
        try await system.peek(queue: "test.events", count: 200).count { message in
            (try? HangarJSON.decoder.decode(StepEvent.self, from: Data(message.body.utf8)))?.kind == .started
        }
    }

    /// Waits until the worker has bound its queue, not only declared it: a command published
    /// between the two is not routed.
    private func waitForBinding(_ system: HangarSystem, exchange: String, queue: String, routingKey: String) async throws {
        try await eventually("\(queue) bound to \(exchange) with \(routingKey)") {
            let (data, status) = try await system.broker("GET", "/api/bindings/\(system.encodedVhost)/e/\(exchange)/q/\(queue)")
            guard status == 200 else { return false }
            let bindings = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            return bindings.contains { $0["routing_key"] as? String == routingKey }
        }
    }
}
