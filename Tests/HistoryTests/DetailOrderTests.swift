import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import Testing

@testable import AMQPClient
@testable import HangarHistory

/// Workers stamp a step's events with their true time, so a quick step's events share a
/// millisecond: the history still lists a run's lines in the order they happened, and the
/// step lasts as long as it did.
@Suite("Recorder: a step's events of one millisecond")
struct DetailOrderTests {
    static let at = Date(epochMilliseconds: 1_800_000_000_000)

    @Test("12 live lines of one millisecond, applied last to first: read by their index, the outcome's line after them")
    func liveLines() async throws {
        let deployment = UUID()
        let dispatch = UUID()
        let run = StepEventID.run(dispatchId: dispatch, attempt: 1, poll: 0)
        let texts = (0..<12).map { "line \($0)" }
        var messages: [(id: String, message: HangarMessage)] = [("running", .deploymentEvent(Self.running(deployment)))]
        messages.append((StepEventID.started(run: run), .stepEvent(Self.event(.started, deployment, dispatch))))
        for (index, text) in texts.enumerated().reversed() {
            messages.append(
                (StepEventID.line(run: run, index: index, text: text), .stepEvent(Self.event(.progress, deployment, dispatch, detail: text))))
        }
        messages.append((StepEventID.outcome(run: run), .stepEvent(Self.event(.succeeded, deployment, dispatch, detail: "checked"))))

        let step = try await Self.recorded(messages, deployment: deployment, step: .validate)
        #expect(step.detail.map(\.message) == texts + ["checked"])
        #expect(step.startedAt == Self.at && step.finishedAt == Self.at && step.durationMs == 0)
    }

    @Test("a quick step's lines carried by its outcome, all of one millisecond: in their order, the outcome's line last")
    func heldLines() async throws {
        let deployment = UUID()
        let dispatch = UUID()
        let run = StepEventID.run(dispatchId: dispatch, attempt: 1, poll: 0)
        let texts = (0..<12).map { "held \($0)" }
        var outcome = Self.event(.succeeded, deployment, dispatch, step: .createImage, detail: "image available")
        outcome.startedAt = Self.at
        outcome.earlierDetails = texts.map { StepEvent.DetailLine(at: Self.at, message: $0) }
        let messages: [(id: String, message: HangarMessage)] = [
            ("running", .deploymentEvent(Self.running(deployment))), (StepEventID.outcome(run: run), .stepEvent(outcome)),
        ]

        let step = try await Self.recorded(messages, deployment: deployment, step: .createImage)
        #expect(step.detail.map(\.message) == texts + ["image available"])
        #expect(step.startedAt == Self.at && step.finishedAt == Self.at)
    }

    @Test("lines a killed run published and its re-run carries in its outcome are listed once")
    func rerunCarriesPublishedLines() async throws {
        let deployment = UUID()
        let dispatch = UUID()
        let run = StepEventID.run(dispatchId: dispatch, attempt: 1, poll: 0)
        let texts = ["describing the group", "starting an instance refresh"]
        var messages: [(id: String, message: HangarMessage)] = [("running", .deploymentEvent(Self.running(deployment)))]
        // The first run went live, published its lines, and was killed before its outcome.
        for (index, text) in texts.enumerated() {
            messages.append(
                (StepEventID.line(run: run, index: index, text: text), .stepEvent(Self.event(.progress, deployment, dispatch, detail: text))))
        }
        // The re-run of the same delivery was quick: the same lines ride in its outcome.
        let later = Self.at.addingTimeInterval(0.005)
        var outcome = Self.event(.succeeded, deployment, dispatch, detail: "refresh done")
        outcome.at = later
        outcome.startedAt = later
        outcome.earlierDetails = texts.map { StepEvent.DetailLine(at: later, message: $0) }
        messages.append((StepEventID.outcome(run: run), .stepEvent(outcome)))

        let step = try await Self.recorded(messages, deployment: deployment, step: .validate)
        #expect(step.detail.map(\.message) == texts + ["refresh done"])
    }

    /// The step `step` of `deployment` as the history reads it after `messages`, applied one by one.
    static func recorded(_ messages: [(id: String, message: HangarMessage)], deployment: UUID, step: StepName) async throws -> StepDetails {
        try await withHistoryStore { store in
            let projector = HistoryProjector(store: store, logger: historyTestLogger)
            for (tag, entry) in messages.enumerated() {
                try await projector.apply([try incomingEvent(entry.message, id: entry.id, tag: tag)])
            }
            let details = try #require(try await HistoryQueries(store: store).details(deployment))
            return try #require(details.steps.first { $0.name == step })
        }
    }

    static func event(
        _ kind: StepEvent.Kind, _ deployment: UUID, _ dispatch: UUID, step: StepName = .validate, detail: String? = nil
    ) -> StepEvent {
        StepEvent(kind: kind, deploymentId: deployment, step: step, attempt: 1, dispatchId: dispatch, at: at, detail: detail, worker: "worker-1")
    }

    static func running(_ deployment: UUID) -> DeploymentEvent {
        DeploymentEvent(
            status: .running, deploymentId: deployment, environmentId: UUID(), environmentName: "env", version: "v1", owner: "alice",
            at: at, createdAt: at, scheduledAt: nil, mode: .optimized, options: .init(), notify: [])
    }
}
