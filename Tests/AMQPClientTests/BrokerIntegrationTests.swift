import AMQPClient
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Against a real RabbitMQ (see `deploy/rabbitmq/start.sh`). Serialized: one test restarts
/// the broker. Every test uses its own uniquely named queues and exchanges.
@Suite("AMQP client against a real broker", .serialized, .timeLimit(.minutes(3)))
struct BrokerIntegrationTests {
    @Test("publish, confirm, consume and ack round trip with properties and headers")
    func roundTrip() async throws {
        let connection = try await TestBroker.connect("roundtrip")
        let queue = TestBroker.unique("roundtrip")
        try await connection.declare(Topology(queues: [.init(name: queue)]))

        let count = 100
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await connection.publish(
                        Message(
                            body: Array("message \(index)".utf8), contentType: "text/plain", messageId: "m-\(index)",
                            correlationId: "deployment-1", type: "test.message",
                            headers: ["x-schema-version": 1, "x-origin": "tests", "x-flag": true]),
                        exchange: "", routingKey: queue)
                }
            }
            try await group.waitForAll()
        }
        #expect(try await connection.queueStatus(queue).messages == UInt32(count))

        let consumer = try await connection.consume(queue: queue, prefetch: 20)
        var received: [String: Delivery] = [:]
        for try await delivery in consumer {
            received[delivery.message.messageId] = delivery
            try await delivery.ack()
            if received.count == count { break }
        }
        await consumer.close()

        let first = try #require(received["m-7"])
        #expect(String(decoding: first.message.body, as: UTF8.self) == "message 7")
        #expect(first.message.contentType == "text/plain")
        #expect(first.message.correlationId == "deployment-1")
        #expect(first.message.type == "test.message")
        #expect(first.message.persistent)
        #expect(first.message.headers["x-schema-version"] == .int(1))
        #expect(first.message.headers["x-origin"] == .string("tests"))
        #expect(first.message.headers["x-flag"] == .bool(true))
        #expect(first.routingKey == queue)
        #expect(!first.redelivered)
        try await eventually("queue drained and acked") {
            let counts = try await TestBroker.queueCounts(queue)
            return counts.ready == 0 && counts.unacked == 0
        }
        try await connection.deleteQueue(queue)
        await connection.close()
    }

    @Test("a cluster's addresses: a node that does not answer is passed over at once, and a lost connection goes on to the next node")
    func clusterAddresses() async throws {
        let name = TestBroker.unique("cluster")
        var configuration = try TestBroker.configuration(name: name)
        // Nothing listens on port 1: the first node is down.
        configuration.alternates = [.init(host: configuration.host, port: configuration.port)]
        configuration.host = "127.0.0.1"
        configuration.port = 1
        configuration.reconnect = .init(initial: .seconds(5), maximum: .seconds(5))  // a round's back-off would show
        let started = ContinuousClock.now
        let connection = AMQPConnection(configuration: configuration, logger: TestBroker.logger)
        try await connection.waitUntilConnected(timeout: .seconds(4))
        #expect(ContinuousClock.now - started < .seconds(4), "the second node was tried without backing off")
        let queue = TestBroker.unique("cluster")
        try await connection.declare(Topology(queues: [.init(name: queue)]))

        // Lost: the next node is the dead one, then the live one again, still without a back-off.
        try await TestBroker.forceClose(connectionNamed: name)
        try await Task.sleep(for: .milliseconds(200))
        try await connection.waitUntilConnected(timeout: .seconds(4))
        try await connection.publish(Message(body: Array("after".utf8)), exchange: "", routingKey: queue)
        #expect(try await connection.queueStatus(queue).messages == 1)
        await connection.close()
    }

    @Test("a nack with requeue redelivers the message")
    func nackRequeueRedelivers() async throws {
        let connection = try await TestBroker.connect("nack")
        let queue = TestBroker.unique("nack")
        try await connection.declare(Topology(queues: [.init(name: queue)]))
        try await connection.publish(Message(body: [1, 2, 3], messageId: "only"), exchange: "", routingKey: queue)

        let consumer = try await connection.consume(queue: queue, prefetch: 1)
        var iterator = consumer.makeAsyncIterator()
        let first = try #require(try await iterator.next())
        #expect(!first.redelivered)
        #expect(first.deliveryCount == 0)
        try await first.nack(requeue: true)

        let second = try #require(try await iterator.next())
        #expect(second.message.messageId == "only")
        #expect(second.redelivered)
        #expect(second.deliveryCount == 1)
        try await second.ack()
        await consumer.close()
        try await connection.deleteQueue(queue)
        await connection.close()
    }

    @Test("a message requeued past the delivery limit, or rejected, lands in the dead-letter queue")
    func deadLetters() async throws {
        let connection = try await TestBroker.connect("dead")
        let queue = TestBroker.unique("work")
        let deadExchange = TestBroker.unique("dead")
        try await connection.declare(.workQueue(queue, deliveryLimit: 2, deadLetterExchange: deadExchange))
        try await connection.publish(Message(body: Array("poison".utf8), messageId: "poison"), exchange: "", routingKey: queue)
        try await connection.publish(Message(body: Array("bad".utf8), messageId: "bad"), exchange: "", routingKey: queue)

        let consumer = try await connection.consume(queue: queue, prefetch: 10)
        var poisonDeliveries = 0
        var rejected = false
        for try await delivery in consumer {
            if delivery.message.messageId == "bad" {
                try await delivery.reject()
                rejected = true
            } else {
                poisonDeliveries += 1
                try await delivery.nack(requeue: true)
            }
            // The delivery limit is 2: the first delivery and two redeliveries, then dead.
            if rejected && poisonDeliveries == 3 { break }
        }
        await consumer.close()

        let dead = try await connection.consume(queue: "\(queue).dead", prefetch: 10)
        var deadIDs: Set<String> = []
        for try await delivery in dead {
            deadIDs.insert(delivery.message.messageId)
            try await delivery.ack()
            if deadIDs.count == 2 { break }
        }
        await dead.close()
        #expect(deadIDs == ["poison", "bad"])
        #expect(try await connection.queueStatus(queue).messages == 0)
        try await connection.deleteQueue(queue)
        try await connection.deleteQueue("\(queue).dead")
        await connection.close()
    }

    @Test("unroutable mandatory messages and missing exchanges are errors; the connection carries on")
    func publishErrors() async throws {
        let connection = try await TestBroker.connect("errors")
        let exchange = TestBroker.unique("exchange")
        let queue = TestBroker.unique("bound")
        try await connection.declare(
            Topology(
                exchanges: [.init(name: exchange, kind: .topic, durable: false)],
                queues: [.init(name: queue)],
                bindings: [.init(queue: queue, exchange: exchange, routingKey: "routed.#")]))

        await #expect {
            try await connection.publish(Message(body: [1]), exchange: exchange, routingKey: "nowhere")
        } throws: { ($0 as? AMQPError)?.code == .unroutable }

        await #expect {
            try await connection.publish(Message(body: [1]), exchange: TestBroker.unique("missing"), routingKey: "x")
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .channelClosed && error.replyCode == 404 && !error.isRetriable
        }

        // The publishing channel was reopened: routed messages still go through.
        try await connection.publish(Message(body: [2]), exchange: exchange, routingKey: "routed.ok")
        #expect(try await connection.queueStatus(queue).messages == 1)

        // Declaring an existing queue with other arguments fails without breaking the connection.
        await #expect {
            try await connection.declare(Topology(queues: [.init(name: queue, type: .classic)]))
        } throws: { ($0 as? AMQPError)?.code == .declarationFailed }
        try await connection.publish(Message(body: [3]), exchange: exchange, routingKey: "routed.again")
        #expect(try await connection.queueStatus(queue).messages == 2)

        // An operation the broker answers by closing the whole connection (540: a quorum queue
        // takes no if-empty delete) fails once, rather than closing each connection after it.
        await #expect {
            try await connection.deleteQueue(queue, ifEmpty: true)
        } throws: { ($0 as? AMQPError)?.replyCode == 540 }
        try await connection.waitUntilConnected(timeout: .seconds(15))
        try await connection.publish(Message(body: [4]), exchange: exchange, routingKey: "routed.after")
        #expect(try await connection.queueStatus(queue).messages == 3)

        try await connection.deleteQueue(queue)
        await connection.close()
        await #expect {
            try await connection.publish(Message(body: [5]), exchange: exchange, routingKey: "routed.late")
        } throws: { ($0 as? AMQPError)?.code == .shutdown }
    }

    @Test("a consumer and a publisher survive a forced connection close; every confirmed message is consumed")
    func survivesForcedClose() async throws {
        try await survivesDisruption("forced") { connectionName in
            try await TestBroker.forceClose(connectionNamed: connectionName)
        }
    }

    @Test("a consumer and a publisher survive a broker restart; every confirmed message is consumed")
    func survivesBrokerRestart() async throws {
        try await survivesDisruption("restart") { _ in
            try TestBroker.restart()
        }
    }

    /// Publishes a stream of messages while consuming them on the same connection,
    /// disrupts the connection half-way, and checks that every message whose publish was
    /// confirmed was consumed, none lost.
    private func survivesDisruption(_ label: String, disrupt: @Sendable (String) async throws -> Void) async throws {
        let configuration = try TestBroker.configuration(name: TestBroker.unique(label))
        let connection = AMQPConnection(configuration: configuration, logger: TestBroker.logger)
        try await connection.waitUntilConnected()
        let queue = TestBroker.unique(label)
        try await connection.declare(Topology(queues: [.init(name: queue)]))

        let confirmed = Collector<String>()
        let failed = Collector<String>()
        let consumed = Collector<String>()
        let stop = Atomic<Bool>(false)
        let consumer = try await connection.consume(queue: queue, prefetch: 50)
        let consuming = Task {
            for try await delivery in consumer {
                await consumed.add(delivery.message.messageId)
                try? await delivery.ack()
            }
        }
        let publishing = Task {
            var index = 0
            while !stop.load(ordering: .relaxed) {
                let id = "\(label)-\(index)"
                index += 1
                do {
                    try await connection.publish(Message(body: Array(id.utf8), messageId: id), exchange: "", routingKey: queue)
                    await confirmed.add(id)
                } catch {
                    await failed.add(id)
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        try await eventually("some messages published") { await confirmed.count >= 100 }
        try await disrupt(configuration.connectionName)
        try await eventually(timeout: .seconds(60), "reconnected") { connection.connectionsEstablished >= 2 }
        let before = await confirmed.count
        try await eventually(timeout: .seconds(60), "more messages published after the reconnect") {
            await confirmed.count >= before + 100
        }
        stop.store(true, ordering: .relaxed)
        try await publishing.value

        try await eventually(timeout: .seconds(60), "every confirmed message consumed") {
            await consumed.unique.isSuperset(of: Set(await confirmed.values))
        }
        #expect(connection.connectionsEstablished >= 2, "the connection was re-established")
        #expect(await failed.count == 0, "no publish failed: in-flight ones completed after the reconnect")
        await consumer.cancel()
        consuming.cancel()
        await consumer.close()
        try await connection.deleteQueue(queue)
        await connection.close()
    }

    @Test("handlers on the connection's executor run on its I/O thread, publish with confirms and ack; closed, it runs tasks elsewhere")
    func consumerOnConnectionThread() async throws {
        let connection = try await TestBroker.connect("executor")
        let queue = TestBroker.unique("executor")
        let replies = TestBroker.unique("executor-replies")
        try await connection.declare(Topology(queues: [.init(name: queue), .init(name: replies)]))
        let count = 200
        for index in 0..<count {
            try await connection.publish(Message(body: Array("\(index)".utf8), messageId: "m-\(index)"), exchange: "", routingKey: queue)
        }

        let threads = Mutex<Set<UInt>>([])
        let handled = Mutex(0)
        let service = ConsumerService(
            connection: connection, queue: queue, prefetch: 16, concurrency: 4, executor: connection.executor, logger: TestBroker.logger
        ) { delivery in
            threads.withLock { $0.insert(pthread_self()) }
            try await connection.publish(
                Message(body: delivery.message.body, messageId: "reply-\(delivery.message.messageId)"), exchange: "", routingKey: replies)
            threads.withLock { $0.insert(pthread_self()) }  // resumed after the confirm
            handled.withLock { $0 += 1 }
            return .ack
        }
        let running = Task { try await service.run() }
        try await eventually("every delivery handled, acked, and its reply confirmed") {
            let (source, answers) = (try await TestBroker.queueCounts(queue), try await TestBroker.queueCounts(replies))
            return handled.withLock { $0 } == count && source.ready == 0 && source.unacked == 0 && answers.ready == count
        }
        running.cancel()
        _ = await running.result
        // Four handlers at a time on the global executor would use more than one of its threads.
        let used = threads.withLock { $0 }
        #expect(used.count == 1, "every handler on one thread, the connection's: \(used)")
        let ioThread = await Task(executorPreference: connection.executor) { pthread_self() }.value
        #expect(used == [ioThread])

        try await connection.deleteQueue(queue)
        try await connection.deleteQueue(replies)
        await connection.close()
        // Its loop has ended: a task that prefers it runs on the global executor.
        let after = await Task(executorPreference: connection.executor) { pthread_self() }.value
        #expect(after != ioThread)
    }

    @Test("a handler that blocks for three heartbeat intervals keeps its connection")
    func slowHandlerKeepsConnection() async throws {
        let connection = try await TestBroker.connect("heartbeat", heartbeat: .seconds(1))
        let queue = TestBroker.unique("heartbeat")
        try await connection.declare(Topology(queues: [.init(name: queue)]))
        try await connection.publish(Message(body: [1], messageId: "slow"), exchange: "", routingKey: queue)

        let consumer = try await connection.consume(queue: queue, prefetch: 1)
        var iterator = consumer.makeAsyncIterator()
        let delivery = try #require(try await iterator.next())
        // Block this thread outright (not a suspension) for over three heartbeat intervals.
        usleep(3_500_000)
        try await delivery.ack()

        #expect(connection.isConnected)
        #expect(connection.connectionsEstablished == 1, "never reconnected")
        try await eventually("the management API lists the one connection") {
            try await TestBroker.connections(named: connection.configuration.connectionName).count == 1
        }
        try await eventually("ack reached the broker") {
            let counts = try await TestBroker.queueCounts(queue)
            return counts.ready == 0 && counts.unacked == 0
        }
        await consumer.close()
        try await connection.deleteQueue(queue)
        await connection.close()
    }

    @Test("graceful shutdown of a service group leaves nothing unacked and loses nothing")
    func gracefulShutdown() async throws {
        let setup = try await TestBroker.connect("setup")
        let queue = TestBroker.unique("graceful")
        try await setup.declare(Topology(queues: [.init(name: queue)]))
        let total = 200
        for index in 0..<total {
            try await setup.publish(Message(body: [UInt8(index % 256)], messageId: "g-\(index)"), exchange: "", routingKey: queue)
        }

        let connection = AMQPConnection(
            configuration: try TestBroker.configuration(name: TestBroker.unique("graceful")), logger: TestBroker.logger)
        let handled = Collector<String>()
        let consumer = ConsumerService(connection: connection, queue: queue, prefetch: 20, concurrency: 4, logger: TestBroker.logger) {
            delivery in
            try await Task.sleep(for: .milliseconds(20))
            await handled.add(delivery.message.messageId)
            return .ack
        }
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: connection), .init(service: consumer)], logger: TestBroker.logger))
        let running = Task { try await group.run() }
        try await eventually("some deliveries handled") { await handled.count >= 40 }
        await group.triggerGracefulShutdown()
        try await running.value

        let handledCount = await handled.count
        #expect(handledCount < total, "shutdown happened mid-stream")
        #expect(await handled.unique.count == handledCount, "no message handled twice")
        try await eventually("broker counts settle") {
            let counts = try await TestBroker.queueCounts(queue)
            return counts.unacked == 0 && counts.ready == total - handledCount
        }
        #expect(try await setup.queueStatus(queue).messages == UInt32(total - handledCount))
        try await setup.deleteQueue(queue)
        await setup.close()
    }

    @Test("deleting a consumed queue ends the consumer with consumerCancelled")
    func brokerCancelsConsumer() async throws {
        let connection = try await TestBroker.connect("cancel")
        let queue = TestBroker.unique("cancel")
        try await connection.declare(Topology(queues: [.init(name: queue)]))
        let consumer = try await connection.consume(queue: queue)
        let other = try await TestBroker.connect("deleter")
        try await other.deleteQueue(queue)
        await #expect {
            for try await _ in consumer {}
        } throws: { ($0 as? AMQPError)?.code == .consumerCancelled }
        await other.close()
        await connection.close()
    }

    @Test("a connection to a port where no broker listens keeps retrying and fails publishes clearly")
    func unreachableBroker() async throws {
        var configuration = try AMQPConfiguration(url: "amqp://guest:guest@127.0.0.1:1/", connectionName: TestBroker.unique("nobroker"))
        configuration.publishTimeout = .milliseconds(600)
        configuration.reconnect = .init(initial: .milliseconds(20), maximum: .milliseconds(100))
        let connection = AMQPConnection(configuration: configuration, logger: TestBroker.logger)
        await #expect {
            try await connection.publish(Message(body: [1]), exchange: "", routingKey: "x")
        } throws: { error in
            guard let error = error as? AMQPError else { return false }
            return error.code == .timeout && error.message.contains("connect")
        }
        #expect(!connection.isConnected)
        await connection.close()
    }

    @Test("wrong credentials are reported as authenticationFailed")
    func wrongCredentials() async throws {
        var configuration = try AMQPConfiguration(
            url: "amqp://guest:wrong@127.0.0.1:5672/", connectionName: TestBroker.unique("auth"))
        configuration.publishTimeout = .seconds(2)
        let connection = AMQPConnection(configuration: configuration, logger: TestBroker.logger)
        await #expect {
            try await connection.publish(Message(body: [1]), exchange: "", routingKey: "x")
        } throws: { error in
            (error as? AMQPError)?.message.contains("ACCESS_REFUSED") == true
        }
        await connection.close()
    }
}
