import Logging
import ServiceLifecycle
import Synchronization

/// A connection to RabbitMQ that publishes with confirms, consumes with manual acks,
/// declares its topology at every (re)connect and reconnects by itself.
///
/// The connection starts connecting when it is created, on a thread of its own. Run it as a
/// `Service` in a `ServiceGroup`, listed before the services that use it: on graceful
/// shutdown it waits for outstanding confirms, then closes.
///
/// ```swift
/// let connection = AMQPConnection(configuration: try AMQPConfiguration(url: "amqp://guest:guest@127.0.0.1:5672/", connectionName: "worker"), logger: logger)
/// try await connection.declare(.workQueue("hangar.steps", deadLetterExchange: "hangar.dead"))
/// try await connection.publish(Message(body: Array("hello".utf8)), exchange: "", routingKey: "hangar.steps")
/// ```
public final class AMQPConnection: Service, Sendable {
    private let driver: ConnectionDriver
    private let nextConsumerID = Atomic<Int>(1)
    /// The logger given to ``init(configuration:logger:)``. The connection's I/O thread logs with a copy
    /// that adds `amqp.connection` (the connection name); code built on the connection, such as
    /// dead-lettering, logs with this one.
    public let logger: Logger

    /// Creates the connection and starts connecting in the background.
    public init(configuration: AMQPConfiguration, logger: Logger) {
        self.logger = logger
        self.driver = ConnectionDriver(configuration: configuration, logger: logger)
        driver.start()
    }

    /// The configuration in use.
    public var configuration: AMQPConfiguration { driver.configuration }

    /// The connection's I/O thread as a task executor. A task that prefers it (for example a
    /// ``ConsumerService`` given it) runs between the thread's turns: a delivery reaches its
    /// handler, and the handler's publishes, confirms and acks reach the thread, with no switch
    /// between threads. Work that blocks its thread must not run there: it would hold up every
    /// publish, delivery and heartbeat of the connection. Once the connection is closed, its
    /// tasks run on the global executor.
    public var executor: any TaskExecutor { driver }

    /// Whether the connection is up right now.
    public var isConnected: Bool { driver.isConnected }

    /// How many consumers this connection keeps. While ``isConnected`` they are all subscribed:
    /// after a reconnect they are subscribed again before the connection counts as up.
    public var consumerCount: Int { driver.keptConsumers }

    /// How many times the connection was established; more than 1 after a reconnect.
    public var connectionsEstablished: Int { driver.connectionsEstablished }

    /// Waits until the connection is up, or throws ``AMQPError/Code-swift.struct/timeout``.
    public func waitUntilConnected(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !isConnected {
            guard ContinuousClock.now < deadline else {
                throw AMQPError(.timeout, "not connected to \(configuration.redactedURL) after \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Publishes `message` and returns once the broker confirmed it (`basic.ack`).
    ///
    /// Concurrent calls are pipelined on one channel. If the connection drops before the
    /// confirm, the message is published again after the reconnect (consumers must be
    /// idempotent). Throws `publishNacked` for a nack, `unroutable` when `mandatory` and no
    /// queue took it, `channelClosed` for a missing exchange, and `timeout` when no confirm
    /// arrived within ``AMQPConfiguration/publishTimeout``.
    public func publish(
        _ message: Message,
        exchange: String,
        routingKey: String,
        mandatory: Bool = true
    ) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            publish(message, exchange: exchange, routingKey: routingKey, mandatory: mandatory) { continuation.resume(with: $0) }
        }
    }

    /// Hands `message` to the connection's thread to publish and returns at once; the confirm
    /// (or the error ``publish(_:exchange:routingKey:mandatory:)`` would throw) is
    /// `completion`'s, called once on the connection's thread, so it must not block.
    ///
    /// For a caller that must not wait for the confirm before its next step, and must not
    /// pay a task's hop before the message goes out either: a transactional outbox
    /// publishing right after its commit, say.
    public func publish(
        _ message: Message, exchange: String, routingKey: String, mandatory: Bool = true,
        completion: @escaping @Sendable (Result<Void, AMQPError>) -> Void
    ) {
        driver.submit(
            .publish(
                PendingPublish(
                    exchange: exchange, routingKey: routingKey, mandatory: mandatory, message: message,
                    deadline: ContinuousClock.now + configuration.publishTimeout, completion: completion)))
    }

    /// Declares exchanges, queues and bindings, and remembers them to declare again after
    /// every reconnect. Throws `declarationFailed` (for example a queue that exists with
    /// other arguments).
    public func declare(_ topology: Topology) async throws {
        let deadline = ContinuousClock.now + configuration.operationTimeout
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            driver.submit(.declare(topology, deadline: deadline, continuation))
        }
    }

    /// Starts consuming `queue` with manual acknowledgements and at most `prefetch`
    /// unsettled deliveries. The consumer resumes by itself after a reconnect.
    public func consume(
        queue: String,
        prefetch: UInt16 = 32,
        arguments: [String: FieldValue] = [:]
    ) async throws -> AMQPConsumer {
        let id = nextConsumerID.add(1, ordering: .relaxed).oldValue
        let (stream, continuation) = AsyncThrowingStream<Delivery, any Error>.makeStream()
        let record = ConsumerRecord(id: id, queue: queue, prefetch: prefetch, arguments: arguments, stream: continuation)
        let driver = self.driver
        continuation.onTermination = { termination in
            if case .cancelled = termination { driver.submit(.cancel(consumerID: id, nil)) }
        }
        let deadline = ContinuousClock.now + configuration.operationTimeout
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            driver.submit(.consume(record, deadline: deadline, done))
        }
        return AMQPConsumer(id: id, queue: queue, stream: stream, driver: driver)
    }

    /// Deletes a queue; returns how many messages it held. With `ifEmpty` the broker refuses
    /// to delete a queue that holds messages (`channelClosed`, reply code 406).
    @discardableResult
    public func deleteQueue(_ name: String, ifEmpty: Bool = false) async throws -> UInt32 {
        try await control { session, channel in try session.deleteQueue(name, ifEmpty: ifEmpty, channel: channel) }
    }

    /// Removes a binding from the broker. A binding this connection declared is declared again
    /// after a reconnect unless it was declared on its own (`Topology(bindings: [binding])`),
    /// in which case this also forgets it.
    public func unbind(_ binding: Topology.Binding) async throws {
        let driver = driver
        try await control { session, channel in
            driver.forget(Topology(bindings: [binding]))
            try session.unbind(binding, channel: channel)
        }
    }

    /// The number of ready messages in `queue` and its consumers (a passive declare).
    public func queueStatus(_ name: String) async throws -> (messages: UInt32, consumers: UInt32) {
        try await control { session, channel in try session.inspectQueue(name, channel: channel) }
    }

    private func control<Result: Sendable>(
        _ body: @escaping (Session, UInt16) throws -> Result
    ) async throws -> Result {
        let deadline = ContinuousClock.now + configuration.operationTimeout
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
            driver.submit(
                .operation(
                    ControlOperation(
                        deadline: deadline,
                        run: { session, channel in continuation.resume(returning: try body(session, channel)) },
                        fail: { continuation.resume(throwing: $0) })))
        }
    }

    /// Waits for outstanding confirms (up to the publish timeout), then closes the
    /// connection. Later calls fail with `shutdown`.
    public func close() async {
        await withCheckedContinuation { continuation in driver.submit(.close(continuation)) }
    }

    /// Runs until graceful shutdown or cancellation, then closes.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }
}
