import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import Logging
import Synchronization

/// The steps a worker is running, for its status.
final class RunningSteps: Sendable {
    private let steps = Mutex<[UUID: WorkerStatus.RunningStep]>([:])

    /// Runs `body` with the command counted as running.
    func running<T>(_ command: ExecuteStep, _ body: () async throws -> T) async rethrows -> T {
        let key = command.dispatchId
        let step = WorkerStatus.RunningStep(
            deploymentId: command.deploymentId, environmentName: command.environmentName, step: command.step, attempt: command.attempt,
            startedAt: Date())
        steps.withLock { $0[key] = step }
        defer { steps.withLock { _ = $0.removeValue(forKey: key) } }
        return try await body()
    }

    var current: [WorkerStatus.RunningStep] {
        steps.withLock { Array($0.values) }.sorted { $0.startedAt < $1.startedAt }
    }
}

/// Publishes the worker's ``WorkerStatus`` every `interval` (and, from ``WorkerService``, once
/// more with `stopping` once a graceful stop has finished its steps) to `hangar.commands` as `worker.status`: the recorder keeps the latest for
/// `GET /v1/workers`. Best effort: a status that cannot be published is skipped (the next one
/// says the same, newer).
struct WorkerStatusReporter: Sendable {
    let connection: AMQPConnection
    let name: String
    let concurrency: Int
    let interval: Duration
    let steps: RunningSteps
    let logger: Logger

    /// Publishes the status every `interval` until the task is cancelled.
    func run() async {
        while !Task.isCancelled {
            await publish(stopping: false)
            try? await Task.sleep(for: interval)
        }
    }

    func publish(stopping: Bool) async {
        let status = WorkerStatus(name: name, concurrency: concurrency, running: steps.current, stopping: stopping)
        do {
            let message = Message(
                body: Array(try HangarJSON.encoder.encode(status)), contentType: "application/json", type: WorkerStatus.messageType,
                persistent: false, appId: "hangar-worker")
            try await connection.publish(message, exchange: HangarTopology.commands, routingKey: WorkerStatus.messageType, mandatory: false)
        } catch {
            logger.debug("hangar.worker.status_not_sent", metadata: ["error": "\(error)"])
        }
    }
}
