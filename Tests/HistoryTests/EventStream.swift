import Foundation
import HangarContracts
import HangarMessaging

@testable import AMQPClient

/// The events of many deployments running at once, as workers and the scheduler publish them,
/// merged into the order a queue holds them: one deployment in five each succeeds, retries a
/// step after a transient failure, fails, is cancelled, or has an attempt replaced that answers
/// late.
struct EventStream {
    var deployments: [UUID] = []
    /// In queue order: when each was published (milliseconds) and what.
    var events: [(at: Int64, id: String, message: HangarMessage)] = []

    static func make(deployments count: Int, random: inout SeededRandom) -> EventStream {
        var stream = EventStream()
        let start: Int64 = 1_800_000_000_000
        for index in 0..<count {
            var builder = Builder(id: UUID(), index: index, now: start + Int64(index) * 7)
            builder.run(scenario: index % 5, random: &random)
            stream.deployments.append(builder.id)
            stream.events += builder.events
        }
        // Publishing order across deployments is by time; within one deployment it is the order
        // it was built in (the times there only grow).
        stream.events = stream.events.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
        return stream
    }

    /// The queue's deliveries: every event once, and about one in `redeliverEvery` a second
    /// time (the same message id) up to 40 deliveries later, as after a consumer's crash.
    func deliveries(redeliverEvery: Int, random: inout SeededRandom) -> [IncomingMessage] {
        var queue: [(message: HangarMessage, id: String, redelivered: Bool)] = events.map { ($0.message, $0.id, false) }
        for (offset, event) in events.enumerated().reversed() where Int.random(in: 0..<redeliverEvery, using: &random) == 0 {
            let position = min(queue.count, offset + Int.random(in: 1...40, using: &random))
            queue.insert((event.message, event.id, true), at: position)
        }
        return queue.enumerated().map { tag, entry in
            let amqp = Message(
                body: try! ContractCodec.encode(entry.message), messageId: entry.id,
                correlationId: entry.message.deploymentId?.uuidString.lowercased(), type: entry.message.type)
            let delivery = Delivery(
                message: amqp, exchange: "hangar.events", routingKey: entry.message.type, redelivered: entry.redelivered,
                deliveryTag: UInt64(tag + 1), settle: { _ in })
            return try! IncomingMessage(delivery)
        }
    }

    private struct Builder {
        let id: UUID
        let index: Int
        var now: Int64
        var events: [(at: Int64, id: String, message: HangarMessage)] = []
        /// The steps as the scheduler sees them (it takes only the current dispatch's events):
        /// a deployment's last event carries them.
        var steps: [DeploymentStepSummary] = []
        private let environment = UUID()

        init(id: UUID, index: Int, now: Int64) {
            self.id = id
            self.index = index
            self.now = now
        }

        mutating func run(scenario: Int, random: inout SeededRandom) {
            deployment(.queued, random: &random)
            deployment(.running, random: &random)
            // validate is quick: its outcome carries its start and lines.
            step(.validate, .succeeded, attempt: 1, live: false, lines: ["target checked"], random: &random)
            step(.stopPreparationServer, .skipped, attempt: 1, live: false, detail: "not asked to", random: &random)
            switch scenario {
            case 1:
                step(.createImage, .failed, attempt: 1, error: "throttled", transient: true, random: &random)
                step(.createImage, .succeeded, attempt: 2, lines: ["image pending"], outputs: ["imageId": "ami-\(index)"], random: &random)
            case 2:
                step(.createImage, .succeeded, attempt: 1, outputs: ["imageId": "ami-\(index)"], random: &random)
                step(.createModels, .succeeded, attempt: 1, random: &random)
                step(.replaceInstances, .failed, attempt: 1, error: "no capacity", transient: false, random: &random)
                step(.finalize, .succeeded, attempt: 1, detail: "cleaning up after: replace_instances failed", random: &random)
                deployment(.failed, reason: "replace_instances failed: no capacity", failedStep: .replaceInstances, random: &random)
                return
            case 3:
                emit(.stepEvent(stepEvent(.started, .createImage, attempt: 1, worker: "worker-1")), random: &random)
                emit(.stepEvent(stepEvent(.progress, .createImage, attempt: 1, detail: "image pending", worker: "worker-1")), random: &random)
                step(.finalize, .succeeded, attempt: 1, detail: "cleaning up after: cancelled by deployer", random: &random)
                deployment(.cancelled, reason: "cancelled by deployer", random: &random)
                return
            case 4:
                // Attempt 1's worker froze; its lease lapsed and attempt 2 ran; attempt 1 answers last.
                emit(.stepEvent(stepEvent(.started, .createImage, attempt: 1, worker: "worker-1")), random: &random)
                step(.createImage, .succeeded, attempt: 2, worker: "worker-2", outputs: ["imageId": "ami-\(index)"], random: &random)
                emit(.stepEvent(stepEvent(.failed, .createImage, attempt: 1, error: "stale attempt failed", worker: "worker-1")), random: &random)
            default:
                step(
                    .createImage, .succeeded, attempt: 1, lines: ["image pending", "image available"], outputs: ["imageId": "ami-\(index)"],
                    random: &random)
            }
            step(.createModels, .succeeded, attempt: 1, random: &random)
            step(.replaceInstances, .succeeded, attempt: 1, lines: ["2 of 4 replaced", "4 of 4 replaced"], random: &random)
            step(.finalize, .succeeded, attempt: 1, random: &random)
            deployment(.succeeded, outputs: ["imageId": "ami-\(index)", "version": "v\(index)"], random: &random)
        }

        /// A step's run: `started` and its lines live (or, when quick, carried by its outcome), then the outcome.
        mutating func step(
            _ name: StepName, _ outcome: StepEvent.Kind, attempt: Int, live: Bool = true, worker: String = "worker-1",
            lines: [String] = [], detail: String? = nil, outputs: [String: String]? = nil, error: String? = nil,
            transient: Bool? = nil, random: inout SeededRandom
        ) {
            var startedAt: Date?
            var earlier: [StepEvent.DetailLine]?
            if live {
                emit(.stepEvent(stepEvent(.started, name, attempt: attempt, worker: worker)), random: &random)
                for line in lines { emit(.stepEvent(stepEvent(.progress, name, attempt: attempt, detail: line, worker: worker)), random: &random) }
            } else {
                startedAt = Date(epochMilliseconds: now)
                earlier =
                    lines.isEmpty
                    ? nil
                    : lines.enumerated().map { StepEvent.DetailLine(at: Date(epochMilliseconds: now + 1 + Int64($0.offset)), message: $0.element) }
                now += 2 + Int64(lines.count)
            }
            var event = stepEvent(
                outcome, name, attempt: attempt, detail: detail, outputs: outputs, error: error, transient: transient, worker: worker)
            event.startedAt = startedAt
            event.earlierDetails = earlier
            emit(.stepEvent(event), random: &random)
        }

        func stepEvent(
            _ kind: StepEvent.Kind, _ name: StepName, attempt: Int, detail: String? = nil, outputs: [String: String]? = nil,
            error: String? = nil, transient: Bool? = nil, worker: String
        ) -> StepEvent {
            StepEvent(
                kind: kind, deploymentId: id, step: name, attempt: attempt, dispatchId: dispatch(name, attempt), at: Date(epochMilliseconds: now),
                detail: detail, outputs: outputs, error: error, transient: transient, worker: worker)
        }

        mutating func deployment(
            _ status: DeploymentStatus, reason: String? = nil, failedStep: StepName? = nil, outputs: [String: String]? = nil,
            random: inout SeededRandom
        ) {
            let at = Date(epochMilliseconds: now)
            let event = DeploymentEvent(
                status: status, deploymentId: id, environmentId: environment, environmentName: "env-\(index % 7)", version: "v\(index)",
                owner: "alice", at: at, createdAt: Date(epochMilliseconds: 1_800_000_000_000),
                scheduledAt: nil, mode: .optimized, options: .init(), notify: ["d\(index)@example.com"], reason: reason,
                failedStep: failedStep, outputs: outputs,
                steps: status.isTerminal ? steps.map { $0.closed(by: status, failedStep: failedStep, reason: reason, at: at) } : nil)
            emit(.deploymentEvent(event), random: &random)
        }

        /// Stamps `message` with the current time (its own `at` is that time) and moves time on.
        mutating func emit(_ message: HangarMessage, random: inout SeededRandom) {
            if case .stepEvent(let event) = message, event.attempt >= (steps.first { $0.name == event.step }?.attempts ?? 0) {
                steps.apply(event)
            }
            events.append((now, "\(id.uuidString.lowercased())-\(events.count)", message))
            now += Int64.random(in: 1...12, using: &random)
        }

        private func dispatch(_ name: StepName, _ attempt: Int) -> UUID {
            // Stable per step and attempt: the last 12 hex digits name them.
            let suffix = String(format: "%06x%06x", name.position, attempt)
            return UUID(uuidString: String(id.uuidString.prefix(24)) + suffix)!
        }
    }
}

/// SplitMix64: the same seed gives the same run.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
