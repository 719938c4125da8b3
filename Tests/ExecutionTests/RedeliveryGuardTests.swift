import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Classic queues have no delivery limit: the consumers count redeliveries themselves, in
/// their store (``RedeliveryGuard/counted(limit:_:)``), so a message that fails every time
/// still reaches its dead-letter queue and the others go on.
@Suite("Redelivery guard on classic queues", .serialized)
struct RedeliveryGuardTests {
    static let counts = DeliveryCounts(table: "test_redeliveries")

    @Test("a message whose handler fails every time is dead-lettered at the limit, counted in a store that survives the consumer")
    func countedInStore() async throws {
        let virtualHost = try await TestBroker.createVirtualHost("redelivery")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-redelivery-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = DatabaseConfiguration.sqlite(path: folder.appendingPathComponent("consumer.sqlite").path)
        let connection = try await TestBroker.connect("redelivery", virtualHost: virtualHost)
        let queue = "test.work"
        try await connection.declare(
            HangarTopology.exchanges + .workQueue(queue, type: .classic, deliveryLimit: 3, deadLetterExchange: HangarTopology.dead))
        let poison = UUID()
        let healthy = (0..<5).map { _ in UUID() }
        func publish(_ deployment: UUID) async throws {
            let heartbeat = HangarMessage.stepHeartbeat(
                StepHeartbeat(deploymentId: deployment, step: .createImage, attempt: 1, dispatchId: UUID(), at: Date(), worker: "w"))
            try await connection.publish(
                try MessageBus.amqpMessage(heartbeat, messageId: deployment.uuidString, appId: "test"), exchange: "", routingKey: queue)
        }

        let applied = Mutex<Set<UUID>>([])
        let poisonHandled = Mutex(0)
        // Round 1: the poison fails once, then its second delivery (the first redelivery,
        // counted) hangs and the consumer's connection is cut: a crash. Round 2: a new consumer
        // with a new store on the same database goes on counting from there. One message per
        // batch, so each handler call is one delivery.
        for round in [1, 2] {
            let store = SQLStore(configuration: database, logger: TestBroker.logger)
            let storeRunning = Task { await store.run() }
            try await store.migrate([Self.counts.migration(id: "test-redeliveries-1")])
            let consumerConnection = try await TestBroker.connect("redelivery-\(round)", virtualHost: virtualHost)
            let consumer = BatchConsumerService(
                connection: consumerConnection, queue: queue, prefetch: 10, maxBatch: 1,
                redeliveries: .counted(limit: 3) { ids in try await Self.counts.recordRedeliveries(of: ids, in: store) },
                logger: TestBroker.logger
            ) { batch in
                for message in batch {
                    let deployment = try #require(message.message.deploymentId)
                    guard deployment == poison else {
                        applied.withLock { _ = $0.insert(deployment) }
                        continue
                    }
                    let seen = poisonHandled.withLock {
                        $0 += 1
                        return $0
                    }
                    if round == 1 && seen == 2 { try await Task.sleep(for: .seconds(3600)) }
                    throw TestFailure("poison")
                }
            }
            let group = ServiceGroup(configuration: .init(services: [consumer], logger: TestBroker.logger))
            let running = Task { try await group.run() }
            if round == 1 {
                try await publish(poison)
                for deployment in healthy { try await publish(deployment) }
                try await eventually("the poison's second delivery in hand") { poisonHandled.withLock { $0 } == 2 }
                await consumerConnection.close()
                running.cancel()
                _ = try? await running.value
            } else {
                try await eventually("the poison message dead-lettered") {
                    try await connection.queueStatus("\(queue).dead").messages == 1
                }
                try await eventually("the healthy messages applied") { applied.withLock { $0 } == Set(healthy) }
                await group.triggerGracefulShutdown()
                try await running.value
                await consumerConnection.close()
            }
            store.shutdown()
            await storeRunning.value
        }

        #expect(poisonHandled.withLock { $0 } == 3, "3 deliveries handled in all: the count went on across the crash")
        #expect(try await connection.queueStatus(queue).messages == 0)
        let deadConsumer = try await connection.consume(queue: "\(queue).dead", prefetch: 1)
        var iterator = deadConsumer.makeAsyncIterator()
        let dead = try #require(try await iterator.next())
        #expect(dead.message.headers["x-hangar-dead-reason"]?.stringValue?.contains("redelivered 3 times") == true)
        // Whether the ack reaches the broker does not matter here (the virtual host goes next);
        // on a loaded machine the test's connection may have been re-established meanwhile,
        // which makes this delivery stale (seen once in a full run).
        try? await dead.ack()
        await deadConsumer.close()
        await connection.close()
        try await TestBroker.deleteVirtualHost(virtualHost)
    }
}
