import Foundation
import HangarContracts
import HangarProviders
import Logging
import Metrics
import Synchronization
import Tracing

/// Runs one `step.execute` command through its provider and reports it as step events:
/// `step.started` (first run only, `poll` 0), a `step.progress` per detail line, then the
/// outcome (`step.succeeded`, `step.skipped`, `step.failed`, or `step.progress` with a
/// continuation and `checkAfter` when the cloud is still working).
///
/// Each event's message id is deterministic (``StepEventID``): a step re-run after a crash
/// publishes the same ids for the same events, so consumers deduplicate what they already
/// have. While a step runs, a ``Heartbeat`` (when given) renews its lease with the scheduler
/// every `interval`. `publish` must
/// return only once the event is durable (confirmed); if it throws, ``execute(_:)`` throws
/// and the command should be delivered again (steps are idempotent).
public struct StepExecutor: Sendable {
    /// Publishes one event under the given message id, returning once it is confirmed.
    public typealias Publish = @Sendable (_ event: StepEvent, _ messageId: String) async throws -> Void

    /// A sign of life sent every `interval` while a step runs (the first after one interval,
    /// so quick steps send none). A heartbeat that cannot be sent is logged and skipped: the
    /// step goes on, and its outcome is what counts.
    public struct Heartbeat: Sendable {
        /// Time between heartbeats while a step runs (the worker's `heartbeatInterval`, `HANGAR_WORKER_HEARTBEAT_MS` in production).
        public var interval: Duration
        /// Publishes one `step.heartbeat` to the scheduler; an error is logged and the step goes on.
        public var send: @Sendable (StepHeartbeat) async throws -> Void

        /// Creates a heartbeat that calls `send` every `interval`.
        public init(interval: Duration, send: @escaping @Sendable (StepHeartbeat) async throws -> Void) {
            self.interval = interval
            self.send = send
        }
    }

    private let providers: ProviderRegistry
    private let workerName: String
    private let logger: Logger
    private let publish: Publish
    private let now: @Sendable () -> Date
    private let liveAfter: Duration
    private let heartbeat: Heartbeat?

    /// - Parameter liveAfter: `started` and detail lines are held this long; a step that
    ///   ends sooner reports them inside its outcome event (one message instead of several),
    ///   a longer one publishes them as they come. `.zero` publishes everything live.
    ///   - heartbeat: renews a running step's lease with the scheduler; `nil`: none.
    public init(
        providers: ProviderRegistry, workerName: String, logger: Logger, liveAfter: Duration = .zero, heartbeat: Heartbeat? = nil,
        now: @escaping @Sendable () -> Date = { Date() }, publish: @escaping Publish
    ) {
        self.heartbeat = heartbeat
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
    ///
    /// It runs in a span `step <name>` (the deployment, step, attempt, poll and worker as
    /// attributes, the outcome when known), a child of the current one; its events carry it.
    public func execute(_ command: ExecuteStep) async throws {
        try await withSpan("step \(command.step.rawValue)") { span in
            if span.isRecording {
                span.updateAttributes { attributes in
                    attributes["hangar.deployment.id"] = command.deploymentId.lowercasedString
                    attributes["hangar.step"] = command.step.rawValue
                    attributes["hangar.step.attempt"] = command.attempt
                    attributes["hangar.step.poll"] = command.poll
                    attributes["hangar.worker"] = workerName
                }
            }
            let outcome = try await run(command)
            if span.isRecording {
                span.attributes["hangar.step.outcome"] = outcome.metricName
                switch outcome {
                case .failed, .halted: span.setStatus(SpanStatus(code: .error))
                default: break
                }
            }
        }
    }

    @discardableResult
    private func run(_ command: ExecuteStep) async throws -> StepOutcome {
        var logger = logger
        // Set in one assignment: swift-log's StreamLogHandler renders its metadata again at
        // each change, five times a step before.
        logger.handler.metadata.merge(
            [
                "deployment.id": .string(command.deploymentId.lowercasedString), "step.name": .string(command.step.rawValue),
                "step.attempt": .stringConvertible(command.attempt), "step.poll": .stringConvertible(command.poll),
                "step.dispatch_id": .string(command.dispatchId.lowercasedString),
            ]
        ) { _, new in new }
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
                if let heartbeat = self.heartbeat {
                    timer.addTask { [now, workerName, logger] in
                        while true {
                            try await Task.sleep(for: heartbeat.interval)
                            let beat = StepHeartbeat(
                                deploymentId: command.deploymentId, step: command.step, attempt: command.attempt,
                                dispatchId: command.dispatchId, at: now(), worker: workerName)
                            do {
                                try await heartbeat.send(beat)
                                logger.trace("hangar.step.heartbeat")
                            } catch {
                                if Task.isCancelled { return }
                                logger.info("hangar.step.heartbeat_failed", metadata: ["error": "\(error)"])
                            }
                        }
                    }
                }
                defer { timer.cancelAll() }
                // A rollback's steps that make nothing: answered here, the provider never asked.
                if let reason = command.rollbackSkipReason { return .skipped(reason: reason) }
                do {
                    let provider = try providers.provider(named: command.target.provider)
                    return try await ProviderSpan.execute(provider, command) { line in
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
        let metadata: Logger.Metadata = ["step.elapsed_ms": "\(Int(elapsed.seconds * 1000))"]
        let dimensions = [("step", command.step.rawValue), ("outcome", outcome.metricName)]
        Counter(label: "hangar_steps_total", dimensions: dimensions).increment()
        Timer(label: "hangar_step_duration_seconds", dimensions: dimensions).record(duration: elapsed)
        switch outcome {
        case .succeeded(let outputs, let detail):
            try await reporter.emitOutcome(.succeeded, detail: detail, outputs: outputs)
            logger.info("hangar.step.succeeded", metadata: metadata)
        case .skipped(let reason):
            try await reporter.emitOutcome(.skipped, detail: reason)
            logger.info("hangar.step.skipped", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        case .failed(let error, let transient):
            try await reporter.emitOutcome(.failed, error: error, transient: transient)
            logger.warning(
                "hangar.step.failed",
                metadata: metadata.merging(["error": "\(error)", "step.transient": "\(transient)"]) { $1 })
        case .halted(let error, let outputs, let continuation):
            try await reporter.emitOutcome(.failed, outputs: outputs, error: error, transient: false, continuation: continuation)
            logger.warning("hangar.step.halted", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        case .inProgress(let continuation, let checkAfter, let detail):
            let due = now().addingTimeInterval(checkAfter.seconds)
            try await reporter.emitOutcome(.progress, detail: detail, continuation: continuation, checkAfter: due)
            logger.info(
                "hangar.step.waiting",
                metadata: metadata.merging(["step.check_after": "\(HangarJSON.formatDate(due))"]) { $1 })
        }
        return outcome
    }
}

/// Builds and publishes one run's events under their ``StepEventID``s.
private final class Reporter: Sendable {
    let command: ExecuteStep
    let workerName: String
    let now: @Sendable () -> Date
    let publish: StepExecutor.Publish
    let background: AsyncStream<(StepEvent, String)>.Continuation
    private let run: String
    /// Detail lines numbered so far, the events held until the run goes live (`nil` once
    /// live), and the last time stamped, under one lock so that lines are numbered in the
    /// order they happened.
    private let state: Mutex<(lines: Int, held: [(StepEvent, String)]?, lastAt: Date?)>

    init(
        command: ExecuteStep, workerName: String, now: @escaping @Sendable () -> Date, publish: @escaping StepExecutor.Publish,
        background: AsyncStream<(StepEvent, String)>.Continuation, live: Bool
    ) {
        self.command = command
        self.workerName = workerName
        self.now = now
        self.publish = publish
        self.background = background
        self.run = StepEventID.run(dispatchId: command.dispatchId, attempt: command.attempt, poll: command.poll)
        self.state = Mutex((0, live ? nil : [], nil))
    }

    /// Queues `started` or a detail line for the background publisher, or holds it while the
    /// run is not live yet.
    func emitInBackground(_ kind: StepEvent.Kind, detail: String? = nil) {
        let live = state.withLock { state -> (StepEvent, String)? in
            let event = StepEvent(
                kind: kind, deploymentId: command.deploymentId, step: command.step, attempt: command.attempt,
                dispatchId: command.dispatchId, at: Self.stamp(now(), after: &state.lastAt), detail: detail, worker: workerName)
            let id: String
            if kind == .started {
                id = StepEventID.started(run: run)
            } else {
                id = StepEventID.line(run: run, index: state.lines, text: detail ?? "")
                state.lines += 1
            }
            guard state.held != nil else { return (event, id) }
            state.held!.append((event, id))
            return nil
        }
        if let live { background.yield(live) }
    }

    /// `time`, or the run's previous event's time if the clock went back: a run's events
    /// keep their order in time. Events of the same millisecond keep their true time; the
    /// history orders them by the line's index (``StepEventID/lineIndex(of:)``), the outcome
    /// after its lines. (Until stop 43 each event was stamped at least 1 ms after the one
    /// before, which showed a step shorter than a millisecond as lasting a millisecond per
    /// line, and the next step as starting before it ended.)
    private static func stamp(_ time: Date, after last: inout Date?) -> Date {
        var time = time
        if let previous = last, time < previous { time = previous }
        last = time
        return time
    }

    /// The run has lasted long enough to report live: publish what was held, in order.
    func goLive() {
        for held in takeHeld() { background.yield(held) }
    }

    private func takeHeld() -> [(StepEvent, String)] {
        state.withLock { state in
            defer { state.held = nil }
            return state.held ?? []
        }
    }

    /// Publishes the outcome under the run's outcome id and waits for the broker's confirm.
    /// Events still held go inside it (`startedAt`, `earlierDetails`).
    func emitOutcome(
        _ kind: StepEvent.Kind, detail: String? = nil, outputs: [String: String]? = nil, error: String? = nil,
        transient: Bool? = nil, continuation: JSONValue? = nil, checkAfter: Date? = nil
    ) async throws {
        let at = state.withLock { state in Self.stamp(now(), after: &state.lastAt) }
        var event = StepEvent(
            kind: kind, deploymentId: command.deploymentId, step: command.step, attempt: command.attempt,
            dispatchId: command.dispatchId, at: at, detail: detail, outputs: outputs, error: error,
            transient: transient, continuation: continuation, checkAfter: checkAfter, worker: workerName)
        let held = takeHeld().map(\.0)
        if !held.isEmpty {
            event.startedAt = held.first { $0.kind == .started }?.at
            let lines = held.compactMap { held in held.detail.map { StepEvent.DetailLine(at: held.at, message: $0) } }
            event.earlierDetails = lines.isEmpty ? nil : lines
        }
        try await publish(event, StepEventID.outcome(run: run))
    }
}

extension StepOutcome {
    /// The outcome's word in metrics: succeeded, skipped, failed, transient or waiting.
    var metricName: String {
        switch self {
        case .succeeded: "succeeded"
        case .skipped: "skipped"
        case .failed(_, let transient): transient ? "transient" : "failed"
        case .halted: "halted"
        case .inProgress: "waiting"
        }
    }
}
