import Foundation
import HangarContracts
import HangarExecution
import HangarProviders
import Logging
import Testing

/// The worker's logic without a broker: events and their ids for each outcome.
@Suite("Step executor")
struct StepExecutorTests {
    struct Published: Sendable {
        var event: StepEvent
        var id: String
    }

    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    func execute(
        _ command: ExecuteStep, providers: ProviderRegistry = ProviderRegistry(),
        failPublishing: (@Sendable (StepEvent) -> Bool)? = nil
    ) async throws -> [Published] {
        let published = Collector<Published>()
        let executor = StepExecutor(
            providers: providers, workerName: "worker-test", logger: TestBroker.logger, now: { Self.now },
            publish: { event, id in
                if failPublishing?(event) == true { throw TestFailure("broker unavailable") }
                await published.add(Published(event: event, id: id))
            })
        try await executor.execute(command)
        return await published.values
    }

    @Test("a first run: started, a progress event per detail line, succeeded with the outputs")
    func succeeded() async throws {
        let command = Fixtures.command(.validate)
        let events = try await execute(command)
        #expect(events.map(\.event.kind) == [.started, .progress, .progress, .succeeded])
        #expect(Array(events.map(\.event.detail).dropFirst().dropLast()) == ["retrieving server information", "checking the instance group"])
        let last = try #require(events.last?.event)
        #expect(last.outputs?["preparationServerId"] != nil)
        for (event, _) in events.map({ ($0.event, $0.id) }) {
            #expect(event.deploymentId == command.deploymentId)
            #expect(event.dispatchId == command.dispatchId)
            #expect(event.step == .validate)
            #expect(event.attempt == 1)
            #expect(event.worker == "worker-test")
        }
        // The clock stands still: every event keeps its true time (the history orders a run's
        // events of one millisecond by the line's index, the outcome last).
        #expect(events.allSatisfy { $0.event.at == Self.now })
        let run = "\(command.dispatchId.uuidString.lowercased()).a1.p0"
        #expect(
            events.map(\.id) == [
                "\(run).started", "\(run).line.0.\(Fingerprint.hex(of: "retrieving server information"))",
                "\(run).line.1.\(Fingerprint.hex(of: "checking the instance group"))", "\(run).outcome",
            ])
    }

    @Test("a re-run of the same command publishes the same message ids")
    func deterministicIds() async throws {
        let command = Fixtures.command(.createModels, outputs: Fixtures.imageOutputs)
        let first = try await execute(command)
        let second = try await execute(command)
        #expect(first.map(\.id) == second.map(\.id))
        #expect(Set(first.map(\.id)).count == first.count, "ids are unique within a run")
        let retry = try await execute(Fixtures.command(.createModels, attempt: 2, outputs: Fixtures.imageOutputs, dispatchId: command.dispatchId))
        #expect(Set(retry.map(\.id)).isDisjoint(with: first.map(\.id)), "another attempt, other ids")
    }

    @Test("a waiting step: progress with the continuation and a checkAfter; checks publish no started")
    func inProgress() async throws {
        let settings: [String: JSONValue] = ["polls": ["create_image": 1], "pollIntervalMs": 1500]
        let command = Fixtures.command(.createImage, settings: settings)
        let events = try await execute(command)
        #expect(events.map(\.event.kind) == [.started, .progress, .progress])
        let waiting = try #require(events.last)
        #expect(waiting.event.continuation?.objectValue?["step"] == "create_image")
        #expect(waiting.event.checkAfter == Self.now.addingTimeInterval(1.5))
        #expect(waiting.event.detail?.contains("pending") == true)
        #expect(waiting.id.hasSuffix(".a1.p0.outcome"))

        var check = command
        check.poll = 1
        check.continuation = waiting.event.continuation
        let checked = try await execute(check)
        #expect(checked.map(\.event.kind) == [.succeeded])
        #expect(checked[0].id.hasSuffix(".a1.p1.outcome"))
        #expect(checked[0].event.outputs?["imageId"]?.hasPrefix("ami-") == true)
    }

    @Test("a re-run that reports fewer detail lines than the killed run still gets its outcome applied")
    func rerunWithFewerLines() async throws {
        // The first run reports three lines and is killed before its outcome; the re-run of
        // the same delivery reports one line and answers "waiting". Consumers skip ids they
        // have seen: the outcome must not share an id with anything the killed run published.
        let runs = Collector<Int>()
        struct Flaky: Provider {
            let runs: Collector<Int>
            func execute(_ command: ExecuteStep, progress: @escaping @Sendable (String) async -> Void) async throws -> StepOutcome {
                await runs.add(1)
                if await runs.count == 1 {
                    for line in ["describing the group", "starting an instance refresh", "instance refresh r-1 started"] {
                        await progress(line)
                    }
                    try await Task.sleep(for: .seconds(3600))  // killed here
                }
                await progress("following instance refresh r-1, already in progress")
                return .inProgress(continuation: ["refreshId": "r-1"], checkAfter: .seconds(2), detail: "instance refresh r-1 is InProgress")
            }
        }
        let providers = ProviderRegistry(["flaky": Flaky(runs: runs)])
        let command = Fixtures.command(.replaceInstances, outputs: Fixtures.modelOutputs, provider: "flaky")
        let killedRun = Collector<Published>()
        let executor = StepExecutor(providers: providers, workerName: "worker-1", logger: TestBroker.logger) { event, id in
            await killedRun.add(Published(event: event, id: id))
        }
        let killed = Task { try await executor.execute(command) }
        try await eventually("the first run published started and three lines") { await killedRun.count == 4 }
        killed.cancel()
        _ = await killed.result

        let rerun = try await execute(command, providers: providers)
        let seen = Set(await killedRun.values.map(\.id))
        let applied = rerun.filter { !seen.contains($0.id) }
        let outcome = try #require(rerun.last)
        #expect(outcome.event.checkAfter != nil, "the re-run's outcome is the waiting one")
        let appliedIds = applied.map { $0.id }
        let appliedDetails = applied.map { $0.event.detail }
        #expect(appliedIds.contains(outcome.id), "the outcome is not taken for a duplicate")
        #expect(appliedDetails == ["following instance refresh r-1, already in progress", "instance refresh r-1 is InProgress"])
        // A detail line and the outcome never look alike to the deduplication either.
        let line = try #require(await killedRun.values.first { $0.event.kind == .progress })
        #expect(HangarMessage.stepEvent(line.event).fingerprint != HangarMessage.stepEvent(outcome.event).fingerprint)
    }

    @Test("a running step sends heartbeats for its dispatch; a quick one sends none")
    func heartbeats() async throws {
        /// Runs until it has seen three heartbeats (however slow the machine), then succeeds.
        struct Slow: Provider {
            let beats: Collector<StepHeartbeat>
            func execute(_ command: ExecuteStep, progress: @escaping @Sendable (String) async -> Void) async throws -> StepOutcome {
                let deadline = ContinuousClock.now + .seconds(30)
                while await beats.count < 3, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                return .succeeded(outputs: [:], detail: nil)
            }
        }
        let beats = Collector<StepHeartbeat>()
        let heartbeat = StepExecutor.Heartbeat(interval: .milliseconds(100)) { await beats.add($0) }
        let providers = ProviderRegistry(["slow": Slow(beats: beats)])
        let executor = StepExecutor(providers: providers, workerName: "worker-hb", logger: TestBroker.logger, heartbeat: heartbeat) { _, _ in }
        let command = Fixtures.command(.replaceInstances, provider: "slow")
        try await executor.execute(command)
        let sent = await beats.values
        #expect(sent.count >= 3, "a running step renews its lease every 100 ms")
        #expect(sent.allSatisfy { $0.dispatchId == command.dispatchId && $0.attempt == 1 && $0.worker == "worker-hb" })
        let countAfterEnd = sent.count
        try await Task.sleep(for: .milliseconds(300))
        #expect(await beats.count == countAfterEnd, "no heartbeat once the step has ended")

        let quick = Collector<StepHeartbeat>()
        let quickExecutor = StepExecutor(
            providers: ProviderRegistry(), workerName: "worker-hb", logger: TestBroker.logger,
            heartbeat: .init(interval: .seconds(2)) { await quick.add($0) }
        ) { _, _ in }
        try await quickExecutor.execute(Fixtures.command(.validate))
        #expect(await quick.count == 0)
    }

    @Test("skipped and failed outcomes")
    func skippedAndFailed() async throws {
        let skipped = try await execute(Fixtures.command(.stopPreparationServer))
        #expect(skipped.map(\.event.kind) == [.started, .skipped])
        #expect(skipped.last?.event.detail == "the preparation server was not asked to stop")

        let settings: [String: JSONValue] = ["failures": [["step": "finalize", "transient": false, "message": "no"]]]
        let failed = try await execute(Fixtures.command(.finalize, settings: settings))
        #expect(failed.map(\.event.kind) == [.started, .progress, .failed])
        #expect(failed.last?.event.error == "no")
        #expect(failed.last?.event.transient == false)
    }

    @Test("a rollback's stop_preparation_server and create_image are skipped without asking the provider; create_models is the provider's")
    func rollbackSkips() async throws {
        /// Counts the steps it was asked to run.
        struct Counting: Provider {
            let asked = Collector<StepName>()
            func execute(_ command: ExecuteStep, progress: @escaping @Sendable (String) async -> Void) async throws -> StepOutcome {
                await asked.add(command.step)
                return .succeeded(outputs: [:], detail: nil)
            }
        }
        let provider = Counting()
        let providers = ProviderRegistry(["counting": provider])
        let rollback = RollbackOf(
            deploymentId: UUID(), version: "1.0", modelVersion: "4", imageId: "ami-1", fromDeploymentId: UUID(), fromVersion: "2.0",
            fromModelVersion: "5")
        for step in [StepName.stopPreparationServer, .createImage, .createModels] {
            var command = Fixtures.command(step, provider: "counting")
            command.rollback = rollback
            command.options.stopPreparationServer = true
            let events = try await execute(command, providers: providers)
            #expect(events.last?.event.kind == (step == .createModels ? .succeeded : .skipped), "\(step)")
        }
        #expect(await provider.asked.values == [.createModels])
        var image = Fixtures.command(.createImage, provider: "counting")
        image.rollback = rollback
        #expect(image.rollbackSkipReason == "a rollback makes no image: it returns to image ami-1 of version 1.0")
        image.cleanup = "failed"
        #expect(image.rollbackSkipReason == nil, "a cleanup is the provider's")
    }

    @Test("an unknown provider fails the step permanently")
    func unknownProvider() async throws {
        let events = try await execute(Fixtures.command(.validate, provider: "aws"))
        #expect(events.map(\.event.kind) == [.started, .failed])
        #expect(events.last?.event.error == "unknown provider 'aws'; this worker knows: simulated")
        #expect(events.last?.event.transient == false)
    }

    @Test("a provider that throws fails the step transiently with the error")
    func providerThrows() async throws {
        struct Exploding: Provider {
            func execute(_ command: ExecuteStep, progress: @escaping @Sendable (String) async -> Void) async throws -> StepOutcome {
                await progress("calling the cloud")
                throw TestFailure("connection reset by peer")
            }
        }
        let events = try await execute(Fixtures.command(.validate, provider: "boom"), providers: ProviderRegistry(["boom": Exploding()]))
        #expect(events.map(\.event.kind) == [.started, .progress, .failed])
        #expect(events.last?.event.error == "boom provider: connection reset by peer")
        #expect(events.last?.event.transient == true)
    }

    @Test("if an event cannot be published, execute throws so the command is delivered again")
    func publishFailure() async throws {
        await #expect(throws: TestFailure.self) {
            _ = try await execute(Fixtures.command(.validate), failPublishing: { $0.kind == .succeeded })
        }
        await #expect(throws: TestFailure.self) {
            _ = try await execute(Fixtures.command(.validate), failPublishing: { $0.kind == .progress })
        }
    }
}
