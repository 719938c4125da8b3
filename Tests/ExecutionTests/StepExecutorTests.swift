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
            providers: providers, workerName: "worker-test", logger: TestBroker.logger, now: { Self.now }
        ) { event, id in
            if failPublishing?(event) == true { throw TestFailure("broker unavailable") }
            await published.add(Published(event: event, id: id))
        }
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
            #expect(event.at == Self.now)
        }
        let dispatch = command.dispatchId.uuidString.lowercased()
        #expect(events.map(\.id) == [
            "\(dispatch).a1.p0.started.0", "\(dispatch).a1.p0.progress.0", "\(dispatch).a1.p0.progress.1",
            "\(dispatch).a1.p0.succeeded.0",
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
        #expect(waiting.id.hasSuffix(".a1.p0.progress.1"))

        var check = command
        check.poll = 1
        check.continuation = waiting.event.continuation
        let checked = try await execute(check)
        #expect(checked.map(\.event.kind) == [.succeeded])
        #expect(checked[0].id.hasSuffix(".a1.p1.succeeded.0"))
        #expect(checked[0].event.outputs?["imageId"]?.hasPrefix("ami-") == true)
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
