import AMQPClient
import Logging

/// Changes the type of Hangar's durable queues (the four work queues and their `.dead`
/// queues) in one virtual host, keeping every message in its order.
///
/// A queue's type cannot change in place. For each queue of the other type, the migration
/// moves its messages to a classic holding queue `<queue>.migrating`, deletes the queue (only
/// if empty), declares it again with the new type and its bindings, and moves the messages
/// back. Each move publishes a message with a confirm before it acks the original, so a crash
/// loses nothing; running it again finishes what a stopped run left (a holding queue that
/// still exists is emptied into its queue). A message may be moved twice after a crash:
/// Hangar's consumers deduplicate by message id.
///
/// Hangar's services must be stopped: a queue or holding queue with a consumer is refused.
public struct QueueMigration: Sendable {
    /// What happened to one queue.
    public struct Step: Sendable, Equatable {
        /// The queue's name, for example `hangar.steps` or `hangar.steps.dead`.
        public var queue: String
        /// Messages moved out and back in (0 when the queue was empty).
        public var messages: Int
    }

    /// Why a migration stopped: a queue or holding queue still has consumers (`inUse`), or a queue received
    /// messages while it was being changed, so the delete took them (`refilled`).
    public enum Failure: Error, CustomStringConvertible {
        case inUse(queue: String, consumers: UInt32)
        case refilled(queue: String, messages: UInt32)

        /// What went wrong and what the operator should do.
        public var description: String {
            switch self {
            case .inUse(let queue, let consumers):
                return "\(queue) has \(consumers) consumer(s): stop Hangar's services before changing the queue type"
            case .refilled(let queue, let messages):
                return
                    "\(queue) received \(messages) message(s) while it was being changed, and they went with it: something still publishes; stop Hangar's services"
            }
        }
    }

    /// The connection to the virtual host whose queues are changed.
    public let connection: AMQPConnection
    /// The queue type to change the queues to.
    public let target: QueueType
    /// Logs each queue deleted and changed, and messages lost to a refill.
    public let logger: Logger

    /// A migration of Hangar's queues to `target`; nothing happens until ``run()``.
    public init(connection: AMQPConnection, target: QueueType, logger: Logger) {
        self.connection = connection
        self.target = target
        self.logger = logger
    }

    /// The queues whose type this migration governs.
    public static var queueNames: [String] {
        HangarTopology.roles.flatMap { [$0.queue, "\($0.queue).dead"] }
    }

    /// Changes every queue of the other type; returns the queues changed.
    public func run() async throws -> [Step] {
        let topology = HangarTopology.all(target)
        for name in Self.queueNames {
            for queue in [name, holding(name)] {
                if let status = try await status(queue), status.consumers > 0 {
                    throw Failure.inUse(queue: queue, consumers: status.consumers)
                }
            }
        }
        try await connection.declare(HangarTopology.exchanges)
        var steps: [Step] = []
        for name in Self.queueNames {
            guard let queue = topology.queues.first(where: { $0.name == name }) else { continue }
            let bindings = topology.bindings.filter { $0.queue == name }
            let holdingExists = try await status(holding(name)) != nil
            let targetTyped = try await hasTargetType(queue)
            if targetTyped && !holdingExists { continue }

            try await connection.declare(Topology(queues: [Topology.Queue(name: holding(name), type: .classic)]))
            var moved = 0
            if !targetTyped {
                moved = try await move(from: name, to: holding(name))
                // Quorum queues refuse `if-empty` (540, which ends the connection): the move
                // has just emptied the queue, and with the services stopped nothing refills it.
                let lost = try await connection.deleteQueue(name, ifEmpty: target == .quorum)
                if lost > 0 {
                    logger.error("hangar.queues.lost", metadata: ["amqp.queue": "\(name)", "hangar.messages": "\(lost)"])
                    throw Failure.refilled(queue: name, messages: lost)
                }
                logger.info("hangar.queues.deleted", metadata: ["amqp.queue": "\(name)", "hangar.messages_held": "\(moved)"])
            }
            try await connection.declare(Topology(queues: [queue], bindings: bindings))
            let back = try await move(from: holding(name), to: name)
            try await connection.deleteQueue(holding(name), ifEmpty: true)
            logger.info(
                "hangar.queues.changed", metadata: ["amqp.queue": "\(name)", "amqp.queue_type": "\(target.rawValue)", "hangar.messages": "\(back)"])
            steps.append(Step(queue: name, messages: max(moved, back)))
        }
        return steps
    }

    private func holding(_ name: String) -> String { "\(name).migrating" }

    /// The queue's ready messages and consumers, `nil` when it does not exist.
    private func status(_ name: String) async throws -> (messages: UInt32, consumers: UInt32)? {
        do {
            return try await connection.queueStatus(name)
        } catch let error as AMQPError where error.replyCode == 404 {
            return nil
        }
    }

    /// Declares `queue` as the target wants it: `true` when that succeeds (it exists with the
    /// target type, or did not exist and now does), `false` when it exists with the other type.
    private func hasTargetType(_ queue: Topology.Queue) async throws -> Bool {
        do {
            try await connection.declare(Topology(queues: [queue]))
            return true
        } catch let error as AMQPError where error.replyCode == 406 && error.message.contains("x-queue-type") {
            return false
        }
    }

    /// Moves every message of `source` to the end of `destination`, in order: each is
    /// published with a confirm, then acked. Returns how many.
    private func move(from source: String, to destination: String) async throws -> Int {
        var moved = 0
        while let ready = try await status(source)?.messages, ready > 0 {
            let consumer = try await connection.consume(queue: source, prefetch: 256)
            var taken = 0
            for try await delivery in consumer {
                try await connection.publish(delivery.message, exchange: "", routingKey: destination)
                try await delivery.ack()
                taken += 1
                if taken == ready { break }
            }
            await consumer.close()
            moved += taken
        }
        return moved
    }
}
