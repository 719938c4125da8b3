import AMQPClient
import Foundation
import HangarContracts
import HangarExecution
import HangarMessaging
import Logging
import ServiceLifecycle
import Testing

/// A `WorkerService` on the real broker. Each test runs in a virtual host of its own (so its
/// events reach no other service's queue), runs the worker on a queue of its own (declared
/// like the steps role's, with its `.dead` queue) and sends commands straight to it through
/// the default exchange. The events are collected from a queue bound to `hangar.events` with
/// `step.#`, filtered by the test's deployment ids.
@Suite("Worker against a real broker", .serialized, .timeLimit(.minutes(2)))
struct WorkerIntegrationTests {
    @Test("commands run to started, progress details and succeeded, with the contract's properties")
    func succeeded() async throws {
        try await WorkerHarness.with("succeeded") { harness in
            let commands = (0..<3).map { _ in Fixtures.command(.createModels, outputs: Fixtures.imageOutputs) }
            for command in commands { try await harness.send(command) }

            for command in commands {
                let received = try await harness.events(of: command.deploymentId) { $0.last?.event.kind == .succeeded }
                #expect(received.map(\.event.kind) == [.started, .progress, .progress, .progress, .succeeded])
                #expect(
                    Array(received.compactMap(\.event.detail).prefix(3))
                        == ["creating main model", "creating backup model", "removing old models"])
                let last = try #require(received.last)
                #expect(last.event.outputs?["mainModelVersion"] != nil)
                #expect(last.event.outputs?["backupModelVersion"] != nil)
                #expect(received.allSatisfy { $0.event.worker == "worker-it" })
                let run = StepEventID.run(dispatchId: command.dispatchId, attempt: 1, poll: 0)
                let lines = received.compactMap(\.event.detail).prefix(3).enumerated().map { index, text in
                    StepEventID.line(run: run, index: index, text: text)
                }
                #expect(received.map(\.messageId) == ["\(run).started"] + lines + ["\(run).outcome"])
                #expect(received.allSatisfy { $0.correlationId == command.deploymentId.uuidString.lowercased() })
                #expect(received.map(\.type) == ["step.started", "step.progress", "step.progress", "step.progress", "step.succeeded"])
                #expect(received.allSatisfy { $0.appId == "hangar-worker" })
            }
            try await eventually("the commands are acked") {
                try await harness.connection.queueStatus(harness.queue).messages == 0
            }
        }
    }

    @Test("a failing step yields step.failed with the right transient flag")
    func failed() async throws {
        try await WorkerHarness.with("failed") { harness in
            let settings: [String: JSONValue] = [
                "failures": [
                    ["step": "create_image", "attempts": [1], "transient": true, "message": "throttled"],
                    ["step": "finalize", "transient": false, "message": "the version label is taken"],
                ]
            ]
            let transient = Fixtures.command(.createImage, settings: settings)
            let permanent = Fixtures.command(.finalize, settings: settings)
            let unknown = Fixtures.command(.validate, provider: "nimbus")
            for command in [transient, permanent, unknown] { try await harness.send(command) }

            let isFailed: @Sendable ([ReceivedEvent]) -> Bool = { $0.last?.event.kind == .failed }
            let transientEvents = try await harness.events(of: transient.deploymentId, until: isFailed)
            #expect(transientEvents.first?.event.kind == .started)
            #expect(transientEvents.last?.event.error == "throttled")
            #expect(transientEvents.last?.event.transient == true)

            let permanentEvents = try await harness.events(of: permanent.deploymentId, until: isFailed)
            #expect(permanentEvents.last?.event.error == "the version label is taken")
            #expect(permanentEvents.last?.event.transient == false)

            let unknownEvents = try await harness.events(of: unknown.deploymentId, until: isFailed)
            #expect(unknownEvents.map(\.event.kind) == [.started, .failed])
            #expect(unknownEvents.last?.event.error?.contains("unknown provider 'nimbus'") == true)
            #expect(unknownEvents.last?.event.transient == false)
        }
    }

    @Test("a step waiting on the cloud yields step.progress with a continuation and checkAfter, then completes on its check")
    func inProgress() async throws {
        try await WorkerHarness.with("progress") { harness in
            let settings: [String: JSONValue] = ["polls": ["replace_instances": 1], "pollIntervalMs": 30_000]
            let command = Fixtures.command(
                .replaceInstances, settings: settings, options: .init(lockInstances: true), outputs: Fixtures.modelOutputs)
            let sent = Date()
            try await harness.send(command)

            let waiting = try await harness.events(of: command.deploymentId) { $0.last?.event.continuation != nil }
            #expect(waiting.map(\.event.kind) == [.started, .progress, .progress, .progress])
            #expect(
                Array(waiting.compactMap(\.event.detail).prefix(2))
                    == ["locking instances", "replacing instances in optimized publish mode"])
            let last = try #require(waiting.last?.event)
            let checkAfter = try #require(last.checkAfter)
            #expect(checkAfter > sent.addingTimeInterval(29) && checkAfter < Date().addingTimeInterval(31))
            #expect(last.continuation?.objectValue?["step"] == "replace_instances")

            var check = command
            check.poll = 1
            check.continuation = last.continuation
            try await harness.send(check)
            let all = try await harness.events(of: command.deploymentId) { $0.last?.event.kind == .succeeded }
            let checkEvents = all.dropFirst(waiting.count)
            #expect(checkEvents.map(\.event.kind) == [.progress, .succeeded], "no second started")
            #expect(checkEvents.first?.event.detail == "unlocking instances")
            #expect(checkEvents.allSatisfy { $0.messageId.contains(".a1.p1.") })
        }
    }

    @Test("an undecodable message is dead-lettered with its reason; another message type is rejected")
    func deadLetters() async throws {
        try await WorkerHarness.with("dead") { harness in
            try await harness.connection.publish(
                Message(body: Array("{not json".utf8), contentType: "application/json", messageId: "garbage", type: "step.execute"),
                exchange: "", routingKey: harness.queue)
            let event = StepEvent(kind: .started, deploymentId: UUID(), step: .validate, attempt: 1, dispatchId: UUID(), at: Date())
            try await harness.connection.publish(
                try MessageBus.amqpMessage(.stepEvent(event), messageId: "misrouted", appId: "test"),
                exchange: "", routingKey: harness.queue)

            let dead = try await harness.connection.consume(queue: "\(harness.queue).dead", prefetch: 10)
            var received: [String: Delivery] = [:]
            for try await delivery in dead {
                received[delivery.message.messageId] = delivery
                try await delivery.ack()
                if received.count == 2 { break }
            }
            await dead.close()
            let garbage = try #require(received["garbage"])
            let reason = try #require(garbage.message.headers["x-hangar-dead-reason"]?.stringValue)
            #expect(reason.contains("malformed 'step.execute' body"))
            #expect(garbage.message.headers["x-hangar-original-queue"]?.stringValue == harness.queue)
            #expect(received["misrouted"] != nil, "a step event on the steps queue is rejected")
            try await eventually("nothing left on the queue") {
                try await harness.connection.queueStatus(harness.queue).messages == 0
            }
        }
    }
}

extension WorkerIntegrationTests {
    @Test("a worker given a topology declares it before it consumes")
    func declares() async throws {
        try await WorkerHarness.with("declares", workerDeclares: true) { harness in
            try await eventually("the worker declared its queue") {
                (try? await harness.connection.queueStatus(harness.queue))?.consumers == 1
            }
            #expect(try await harness.connection.queueStatus("\(harness.queue).dead").messages == 0)
            let command = Fixtures.command(.validate)
            try await harness.send(command)
            let events = try await harness.events(of: command.deploymentId) { $0.last?.event.kind == .succeeded }
            #expect(events.map(\.event.kind) == [.started, .progress, .progress, .succeeded])
        }
    }
}

/// An event as it arrived, with the AMQP properties that carry the contract.
struct ReceivedEvent: Sendable {
    var event: StepEvent
    var messageId: String
    var correlationId: String?
    var type: String?
    var appId: String?
}

/// A worker on its own queue, a collector of its events, and the cleanup.
final class WorkerHarness: Sendable {
    let connection: AMQPConnection
    let virtualHost: String
    let queue: String
    let eventsQueue: String
    private let group: ServiceGroup
    private let running: Task<Void, any Error>
    private let consumer: AMQPConsumer
    private let collecting: Task<Void, any Error>
    private let received = Collector<ReceivedEvent>()

    private init(
        connection: AMQPConnection, virtualHost: String, queue: String, eventsQueue: String, group: ServiceGroup,
        running: Task<Void, any Error>, consumer: AMQPConsumer
    ) {
        self.connection = connection
        self.virtualHost = virtualHost
        self.queue = queue
        self.eventsQueue = eventsQueue
        self.group = group
        self.running = running
        self.consumer = consumer
        let received = self.received
        collecting = Task {
            for try await delivery in consumer {
                if let incoming = try? IncomingMessage(delivery), case .stepEvent(let event) = incoming.message {
                    let message = delivery.message
                    await received.add(
                        ReceivedEvent(
                            event: event, messageId: message.messageId, correlationId: message.correlationId, type: message.type,
                            appId: message.appId))
                }
                try await delivery.ack()
            }
        }
    }

    /// With `workerDeclares`, the worker declares its queue itself (`declaring:`); otherwise
    /// the harness declares it before the worker starts.
    static func start(_ name: String, workerDeclares: Bool = false) async throws -> WorkerHarness {
        let virtualHost = try await TestBroker.createVirtualHost("execution-\(name)")
        do {
            return try await start(name, in: virtualHost, workerDeclares: workerDeclares)
        } catch {
            try? await TestBroker.deleteVirtualHost(virtualHost)
            throw error
        }
    }

    private static func start(_ name: String, in virtualHost: String, workerDeclares: Bool) async throws -> WorkerHarness {
        let connection = try await TestBroker.connect("\(name)-harness", virtualHost: virtualHost)
        let queue = TestBroker.unique("\(name).steps")
        let eventsQueue = TestBroker.unique("\(name).events")
        let workerTopology = HangarTopology.Role(queue: queue).topology(connection.configuration.queueType)
        try await connection.declare(
            (workerDeclares ? HangarTopology.exchanges : workerTopology)
                + Topology(
                    queues: [.init(name: eventsQueue, type: .classic)],
                    bindings: [.init(queue: eventsQueue, exchange: HangarTopology.events, routingKey: "step.#")]))
        let consumer = try await connection.consume(queue: eventsQueue, prefetch: 100)

        let workerConnection = try await TestBroker.connect("\(name)-worker", virtualHost: virtualHost)
        let worker = WorkerService(
            connection: workerConnection, name: "worker-it", queue: queue, concurrency: 2,
            declaring: workerDeclares ? workerTopology : nil, logger: TestBroker.logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: workerConnection), .init(service: worker)], logger: TestBroker.logger))
        let running = Task { try await group.run() }
        return WorkerHarness(
            connection: connection, virtualHost: virtualHost, queue: queue, eventsQueue: eventsQueue, group: group,
            running: running, consumer: consumer)
    }

    /// Sends `command` straight to the worker's queue.
    func send(_ command: ExecuteStep) async throws {
        try await connection.publish(
            try MessageBus.amqpMessage(.executeStep(command), messageId: UUID().uuidString.lowercased(), appId: "test"),
            exchange: "", routingKey: queue)
    }

    /// The events of `deployment` received so far, once `done` holds for them.
    func events(
        of deployment: UUID, until done: @escaping @Sendable ([ReceivedEvent]) -> Bool
    ) async throws -> [ReceivedEvent] {
        let received = self.received
        try await eventually("events of \(deployment)") {
            done(await received.values.filter { $0.event.deploymentId == deployment })
        }
        return await received.values.filter { $0.event.deploymentId == deployment }
    }

    /// Runs `body` with a started harness, then stops the worker gracefully and deletes the
    /// virtual host, also when `body` throws.
    static func with(
        _ name: String, workerDeclares: Bool = false, _ body: (WorkerHarness) async throws -> Void
    ) async throws {
        let harness = try await start(name, workerDeclares: workerDeclares)
        do {
            try await body(harness)
        } catch {
            try? await harness.stop()
            throw error
        }
        try await harness.stop()
    }

    /// Stops the worker gracefully and deletes the virtual host with its queues.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
        consumer.requestCancel()
        _ = try? await collecting.value
        await consumer.close()
        await connection.close()
        try await TestBroker.deleteVirtualHost(virtualHost)
    }
}
