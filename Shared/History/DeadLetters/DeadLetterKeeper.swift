import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import Logging
import ServiceLifecycle

/// Takes every dead letter from the `<queue>.dead` queues into ``DeadLetterStore`` (acked once
/// it is stored), and carries out operators' `dead-letter.replay` and `dead-letter.purge`
/// commands: a replay publishes the original message to its queue again (confirmed, its
/// death headers removed, one more replay counted), then forgets it. A message still bad comes
/// back as a new dead letter with its new reason. Runs inside the recorder.
struct DeadLetterKeeper: Sendable {
    let connection: AMQPConnection
    let store: DeadLetterStore
    let logger: Logger

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for queue in HangarTopology.deadLetterQueues {
                let consumer = ConsumerService(connection: connection, queue: queue, prefetch: 16, logger: logger) { delivery in
                    try await keep(delivery)
                }
                group.addTask { try await consumer.run() }
            }
            let commands = ConsumerService(connection: connection, queue: HangarTopology.deadLetterCommands.queue, logger: logger) { delivery in
                try await handle(command: delivery)
            }
            group.addTask { try await commands.run() }
            group.addTask {
                // The gauge of what is kept, every 5 s.
                await cancelWhenGracefulShutdown {
                    let gauge = CountsGauge(label: "hangar_dead_letters", dimension: "queue")
                    while !Task.isCancelled {
                        if let counts = try? await store.counts() { gauge.record(counts) }
                        try? await Task.sleep(for: .seconds(5))
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    private func keep(_ delivery: Delivery) async throws -> DeliveryOutcome {
        let letter = KeptDeadLetter(delivery: delivery, receivedAt: Date())
        do {
            try await store.keep(letter)
        } catch {
            // The store is unavailable: the delivery goes back to its queue; not in a hot loop.
            try? await Task.sleep(for: .seconds(1))
            throw error
        }
        logger.warning(
            "recorder.dead_letter.kept",
            metadata: [
                "dead_letter.id": "\(letter.id)", "amqp.queue": "\(letter.queue)", "amqp.message_id": "\(letter.message.messageId)",
                "reason": "\(letter.reason)",
            ])
        return .ack
    }

    private func handle(command delivery: Delivery) async throws -> DeliveryOutcome {
        let command: DeadLetterCommand
        do {
            command = try HangarJSON.decoder.decode(DeadLetterCommand.self, from: Data(delivery.message.body))
        } catch {
            return .reject(reason: "malformed dead-letter command: \(error)")
        }
        let metadata: Logger.Metadata = ["dead_letter.id": "\(command.id)", "requested_by": "\(command.requestedBy)"]
        switch command.action {
        case .purge:
            if try await store.forget(command.id) { logger.notice("recorder.dead_letter.purged", metadata: metadata) }
        case .replay:
            // Gone already (replayed or purged before, this command delivered again): nothing to do.
            guard let letter = try await store.find(command.id) else { return .ack }
            do {
                try await connection.publish(letter.replayMessage, exchange: "", routingKey: letter.queue)
            } catch let error as AMQPError where error.code == .unroutable {
                // Its queue is gone: it stays listed, and the operator is told in the log.
                logger.error("recorder.dead_letter.replay_unroutable", metadata: metadata.merging(["amqp.queue": "\(letter.queue)"]) { $1 })
                return .ack
            }
            // Published (confirmed) before it is forgotten: a crash in between replays it twice,
            // which its consumer's deduplication by message id absorbs.
            try await store.forget(command.id)
            logger.notice("recorder.dead_letter.replayed", metadata: metadata.merging(["amqp.queue": "\(letter.queue)"]) { $1 })
        }
        return .ack
    }
}
