import Foundation
import Metrics
import HangarContracts
import HangarProviders
import Logging
import Synchronization

/// Runs one `step.execute` command through its provider and reports it as step events:
/// `step.started` (first run only, `poll` 0), a `step.progress` per detail line, then the
/// outcome (`step.succeeded`, `step.skipped`, `step.failed`, or `step.progress` with a
/// continuation and `checkAfter` when the cloud is still working).
///
/// Each event's message id is deterministic (``StepEventID``): a step re-run after a crash
/// publishes the same ids, so consumers deduplicate what they already have. `publish` must
/// return only once the event is durable (confirmed); if it throws, ``execute(_:)`` throws
/// and the command should be delivered again (steps are idempotent).
public struct StepExecutor: Sendable {
    /// Publishes one event under the given message id, returning once it is confirmed.
    public typealias Publish = @Sendable (_ event: StepEvent, _ messageId: String) async throws -> Void

    private let providers: ProviderRegistry
    private let workerName: String
    private let logger: Logger
    private let publish: Publish
    private let now: @Sendable () -> Date
    private let liveAfter: Duration

    /// - Parameter liveAfter: `started` and detail lines are held this long; a step that
    ///   ends sooner reports them inside its outcome event (one message instead of several),
    ///   a longer one publishes them as they come. `.zero` publishes everything live.
    public init(
        providers: ProviderRegistry, workerName: String, logger: Logger, liveAfter: Duration = .zero,
        now: @escaping @Sendable () -> Date = { Date() }, publish: @escaping Publish
    ) {
        self.providers = providers
        self.workerName = workerName
        self.logger = logger
        self.liveAfter = liveAfter
        self.now = now
        self.publish = publish
    }

    /// Runs `command` and publishes its events. Throws when an event could not be published
    /// (or the task was cancelled mid-step): the step's effect is then unknown to the
    /// others, and the command must be delivered again.
    public func execute(_ command: ExecuteStep) async throws {
        var logger = logger
        logger[metadataKey: "deployment.id"] = .string(command.deploymentId.uuidString.lowercased())
        logger[metadataKey: "step.name"] = .string(command.step.rawValue)
        logger[metadataKey: "step.attempt"] = .stringConvertible(command.attempt)
        logger[metadataKey: "step.poll"] = .stringConvertible(command.poll)
        logger[metadataKey: "step.dispatch_id"] = .string(command.dispatchId.uuidString.lowercased())
        let started = ContinuousClock.now
        let (pending, background) = AsyncStream<(StepEvent, String)>.makeStream()
        let reporter = Reporter(
            command: command, workerName: workerName, now: now, publish: publish, background: background, live: liveAfter == .zero)
        let liveAfter = self.liveAfter

        // `started` and progress lines are published in the background, while the step runs,
        // and all are confirmed before the outcome is published (and the delivery acked).
        let outcome: StepOutcome = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [publish] in
                // In order: a live view shows the lines as they happened.
                for await (event, id) in pending { try await publish(event, id) }
            }
            if command.poll == 0 {
                reporter.emitInBackground(.started)
            }
            logger.debug("hangar.step.running", metadata: ["provider": "\(command.target.provider)"])
            let outcome: StepOutcome = try await withThrowingTaskGroup(of: Void.self) { timer in
                if liveAfter > .zero {
                    timer.addTask {
                        try await Task.sleep(for: liveAfter)
                        reporter.goLive()
                    }
                }
                defer { timer.cancelAll() }
                do {
                    let provider = try providers.provider(named: command.target.provider)
                    return try await provider.execute(command) { line in
                        reporter.emitInBackground(.progress, detail: line)
                    }
                } catch let error as UnknownProviderError {
                    return .failed(error: error.description, transient: false)
                } catch {
                    if Task.isCancelled {
                        background.finish()
                        throw error
                    }
                    return .failed(error: "\(command.target.provider) provider: \(error)", transient: true)
                }
            }
            background.finish()
            try await group.waitForAll()
            return outcome
        }

        let elapsed = ContinuousClock.now - started
        let metadata: Logger.Metadata = ["step.elapsed_ms": "\(Int(Self.seconds(elapsed) * 1000))"]
        let dimensions = [("step", command.step.rawValue), ("outcome", outcome.metricName)]
        Counter(label: "hangar_steps_total", dimensions: dimensions).increment()
        Timer(label: "hangar_step_duration_seconds", dimensions: dimensions).record(duration: elapsed)
        switch outcome {
        case .succeeded(let outputs, let detail):
            try await reporter.emit(.succeeded, detail: detail, outputs: outputs)
            logger.info("hangar.step.succeeded", metadata: metadata)
        case .skipped(let reason):
            try await reporter.emit(.skipped, detail: reason)
            logger.info("hangar.step.skipped", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        case .failed(let error, let transient):
            try await reporter.emit(.failed, error: error, transient: transient)
            logger.warning(
                "hangar.step.failed",
                metadata: metadata.merging(["error": "\(error)", "step.transient": "\(transient)"]) { $1 })
        case .inProgress(let continuation, let checkAfter, let detail):
            let due = now().addingTimeInterval(Self.seconds(checkAfter))
            try await reporter.emit(.progress, detail: detail, continuation: continuation, checkAfter: due)
            logger.info(
                "hangar.step.waiting",
                metadata: metadata.merging(["step.check_after": "\(HangarJSON.formatDate(due))"]) { $1 })
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        let (seconds, attoseconds) = duration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

/// The deterministic message ids of step events.
public enum StepEventID {
    /// The id of the `index`-th event of `kind` (from 0) that a worker publishes for one run
    /// of a dispatched step: `<dispatchId>.a<attempt>.p<poll>.<kind>.<index>`, for example
    /// `0192…-7c1e.a1.p0.progress.2`. The same run publishes the same ids, so a step re-run
    /// after a crash is deduplicated by consumers.
    public static func messageId(dispatchId: UUID, attempt: Int, poll: Int, kind: StepEvent.Kind, index: Int) -> String {
        "\(dispatchId.uuidString.lowercased()).a\(attempt).p\(poll).\(kind.rawValue).\(index)"
    }
}

/// Builds and publishes one run's events, numbering them per kind.
private final class Reporter: Sendable {
    let command: ExecuteStep
    let workerName: String
    let now: @Sendable () -> Date
    let publish: StepExecutor.Publish
    let background: AsyncStream<(StepEvent, String)>.Continuation
    private let counts = Mutex<[StepEvent.Kind: Int]>([:])
    /// Events held until the run goes live; `nil` once live.
    private let held: Mutex<[StepEvent]?>

    init(
        command: ExecuteStep, workerName: String, now: @escaping @Sendable () -> Date, publish: @escaping StepExecutor.Publish,
        background: AsyncStream<(StepEvent, String)>.Continuation, live: Bool
    ) {
        self.command = command
        self.workerName = workerName
        self.now = now
        self.publish = publish
        self.background = background
        self.held = Mutex(live ? nil : [])
    }

    /// Queues an event for the background publisher (started, detail lines), or holds it
    /// while the run is not live yet.
    func emitInBackground(_ kind: StepEvent.Kind, detail: String? = nil) {
        let now = now()
        let stillHeld = held.withLock { held -> Bool in
            guard held != nil else { return false }
            held!.append(StepEvent(
                kind: kind, deploymentId: command.deploymentId, step: command.step, attempt: command.attempt,
                dispatchId: command.dispatchId, at: now, detail: detail, worker: workerName))
            return true
        }
        if !stillHeld { background.yield(event(kind, detail: detail)) }
    }

    /// The run has lasted long enough to report live: publish what was held, in order.
    func goLive() {
        let events = held.withLock { held -> [StepEvent] in
            defer { held = nil }
            return held ?? []
        }
        for held in events { background.yield(event(held.kind, detail: held.detail, at: held.at)) }
    }

    /// Publishes the outcome and waits for the broker's confirm. Events still held go
    /// inside it (`startedAt`, `earlierDetails`).
    func emit(
        _ kind: StepEvent.Kind, detail: String? = nil, outputs: [String: String]? = nil, error: String? = nil,
        transient: Bool? = nil, continuation: JSONValue? = nil, checkAfter: Date? = nil
    ) async throws {
        var (event, id) = event(
            kind, detail: detail, outputs: outputs, error: error, transient: transient, continuation: continuation,
            checkAfter: checkAfter)
        let events = held.withLock { held -> [StepEvent]? in
            defer { held = nil }
            return held
        }
        if let events, !events.isEmpty {
            event.startedAt = events.first { $0.kind == .started }?.at
            let lines = events.compactMap { held in held.detail.map { StepEvent.DetailLine(at: held.at, message: $0) } }
            event.earlierDetails = lines.isEmpty ? nil : lines
        }
        try await publish(event, id)
    }

    private func event(
        _ kind: StepEvent.Kind, detail: String? = nil, outputs: [String: String]? = nil, error: String? = nil,
        transient: Bool? = nil, continuation: JSONValue? = nil, checkAfter: Date? = nil, at: Date? = nil
    ) -> (StepEvent, String) {
        let index = counts.withLock { counts -> Int in
            defer { counts[kind, default: 0] += 1 }
            return counts[kind, default: 0]
        }
        let event = StepEvent(
            kind: kind, deploymentId: command.deploymentId, step: command.step, attempt: command.attempt,
            dispatchId: command.dispatchId, at: at ?? now(), detail: detail, outputs: outputs, error: error,
            transient: transient, continuation: continuation, checkAfter: checkAfter, worker: workerName)
        let id = StepEventID.messageId(
            dispatchId: command.dispatchId, attempt: command.attempt, poll: command.poll, kind: kind, index: index)
        return (event, id)
    }
}

extension StepOutcome {
    /// The outcome's word in metrics: succeeded, skipped, failed, transient or waiting.
    var metricName: String {
        switch self {
        case .succeeded: "succeeded"
        case .skipped: "skipped"
        case .failed(_, let transient): transient ? "transient" : "failed"
        case .inProgress: "waiting"
        }
    }
}
