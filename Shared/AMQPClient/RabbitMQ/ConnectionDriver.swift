import CRabbitMQ
import DequeModule
import Foundation
import Logging
import Synchronization

/// Owns one rabbitmq-c connection on a thread of its own: rabbitmq-c is not thread-safe and
/// its calls block, so no C call runs on Swift's cooperative pool. Swift tasks hand it
/// ``Command``s through a locked inbox and an eventfd; it reads frames, resumes the tasks'
/// continuations, sends heartbeats and reconnects.
///
/// It is also a `TaskExecutor`: a task that prefers it runs its jobs on the I/O thread between
/// the loop's turns, so a handler that receives a delivery, publishes and acks does so without
/// a switch between threads (see ``AMQPConnection/executor``).
final class ConnectionDriver: @unchecked Sendable {
    private struct Inbox {
        var commands: [Command] = []
        /// Jobs of tasks that prefer this executor, run on the I/O thread in order.
        var jobs: [UnownedJob] = []
        var closed = false
        /// The I/O loop has ended: jobs go to the global executor instead.
        var finished = false
        /// The I/O thread is (about to be) blocked in `poll` and needs the eventfd to wake.
        var sleeping = false
    }

    static let publishChannel: UInt16 = 1
    static let controlChannel: UInt16 = 2

    let configuration: AMQPConfiguration
    private let logger: Logger
    private let inbox = Mutex(Inbox())
    private let wakeup = Wakeup()
    private let connectedFlag = Atomic<Bool>(false)
    private let connectionCount = Atomic<Int>(0)

    // Everything below is confined to the I/O thread.
    private var session: Session?
    private var nextTag: UInt64 = 1
    private var unconfirmed = Deque<PendingPublish>()
    private var waiting = Deque<PendingPublish>()
    private var deferred = Deque<Command>()
    private var topologies: [Topology] = []
    private var consumers: [Int: ConsumerRecord] = [:] {
        didSet { consumerCount.store(consumers.count, ordering: .releasing) }
    }
    /// `consumers.count`, readable from any thread.
    private let consumerCount = Atomic<Int>(0)
    private var consumersByChannel: [UInt16: ConsumerRecord] = [:]
    /// Acks gathered while processing one batch of commands, by channel.
    private var pendingAcks: [UInt16: [UInt64]] = [:]
    private var freeChannels: [UInt16] = []
    private var nextChannel: UInt16 = 3
    private var generation: UInt64 = 0
    private var controlChannelOpen = false
    private var closeRequested = false
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []
    private var lastReceive = ContinuousClock.now
    private var reconnectAttempt = 0
    /// The node this connection uses or tries next (an index into the configuration's
    /// endpoints), and how many were tried in a row without success.
    private var endpointIndex = 0
    private var failedInARow = 0
    private var lastConnectError: AMQPError?

    init(configuration: AMQPConfiguration, logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "amqp.connection"] = .string(configuration.connectionName)
        self.logger = logger
    }

    /// Starts the I/O thread.
    func start() {
        let thread = Thread { [self] in self.run() }
        thread.name = "amqp:\(configuration.connectionName)"
        thread.start()
    }

    var isConnected: Bool { connectedFlag.load(ordering: .acquiring) }

    /// Consumers this connection keeps (subscribed while connected: a reconnect subscribes them
    /// again before it counts as connected).
    var keptConsumers: Int { consumerCount.load(ordering: .acquiring) }

    /// How many times a connection was established (1 after the first connect).
    var connectionsEstablished: Int { connectionCount.load(ordering: .relaxed) }

    /// Hands `command` to the I/O thread; fails it at once if the connection is closed.
    /// Stops declaring `topology` again after reconnects. On the I/O thread only (from a
    /// control operation).
    func forget(_ topology: Topology) {
        topologies.removeAll { $0 == topology }
    }

    func submit(_ command: Command) {
        let accepted = deposit { inbox in
            guard !inbox.closed else { return false }
            inbox.commands.append(command)
            return true
        }
        if !accepted {
            command.fail(AMQPError(.shutdown, "the connection '\(configuration.connectionName)' is closed"))
        }
    }

    /// Puts work in the inbox under its lock (`add` returns whether it took it) and wakes the I/O
    /// thread when it took it and the thread sleeps in `poll`. Only a sleeping I/O thread needs
    /// the (costly) eventfd write; a busy one takes the work on its next turn.
    private func deposit(_ add: (inout Inbox) -> Bool) -> Bool {
        let (accepted, wake) = inbox.withLock { inbox -> (Bool, Bool) in
            guard add(&inbox) else { return (false, false) }
            let wake = inbox.sleeping
            inbox.sleeping = false
            return (true, wake)
        }
        if wake { wakeup.signal() }
        return accepted
    }

    // MARK: The I/O loop

    private func run() {
        logger.debug("amqp.driver.started")
        var socketReadable = false
        while true {
            runJobs()
            if session == nil {
                takeCommands().forEach(handleDisconnected)
                expireDeadlines()
                if closeRequested && waiting.isEmpty && deferred.isEmpty { break }
                connectOrWait()
                socketReadable = true
                continue
            }
            do {
                try processCommands()
                try processInput(socketReadable: socketReadable)
                expireDeadlines()
                if closeRequested && unconfirmed.isEmpty && waiting.isEmpty && deferred.isEmpty {
                    closeGracefully()
                    break
                }
                let now = ContinuousClock.now
                try session?.sendHeartbeatIfDue(now: now)
                try checkHeartbeat(now: now)
                socketReadable = waitForWork(socket: session?.socketDescriptor, timeout: pollInterval)
                if socketReadable { lastReceive = .now }
            } catch let fault as ConnectionFault {
                connectionLost(fault.error)
            } catch {
                connectionLost(AMQPError(.protocolError, "unexpected error: \(error)"))
            }
        }
        shutDown()
    }

    /// Blocks in `poll` until the socket is readable, a command arrives or `timeout`
    /// passes; only checks the socket when commands are already waiting.
    private func waitForWork(socket: Int32?, timeout: Duration) -> Bool {
        let idle = inbox.withLock { inbox -> Bool in
            inbox.sleeping = inbox.commands.isEmpty && inbox.jobs.isEmpty
            return inbox.sleeping
        }
        let readable = wakeup.wait(socket: socket, timeout: idle ? timeout : .zero)
        if idle { inbox.withLock { $0.sleeping = false } }
        return readable
    }

    private var pollInterval: Duration {
        let heartbeat = session?.heartbeatSeconds ?? 0
        guard heartbeat > 0 else { return .milliseconds(250) }
        return min(.milliseconds(250), .milliseconds(heartbeat * 250))
    }

    private func takeCommands() -> [Command] {
        var taken = Array(deferred)
        deferred.removeAll()
        let fresh = inbox.withLock { inbox -> [Command] in
            let commands = inbox.commands
            inbox.commands.removeAll(keepingCapacity: true)
            return commands
        }
        taken.append(contentsOf: fresh)
        return taken
    }

    private func checkHeartbeat(now: ContinuousClock.Instant) throws {
        guard let heartbeat = session?.heartbeatSeconds, heartbeat > 0 else { return }
        if now - lastReceive > .seconds(heartbeat * 2) {
            throw ConnectionFault(error: AMQPError(.connectionLost, "no data from the broker for \(heartbeat * 2) s (missed heartbeats)"))
        }
    }

    // MARK: Connecting

    private func connectOrWait() {
        do {
            try connect()
            reconnectAttempt = 0
            failedInARow = 0
        } catch let error as AMQPError {
            fallBackAfterConnectFailure(error)
        } catch let fault as ConnectionFault {
            fallBackAfterConnectFailure(fault.error)
        } catch {
            fallBackAfterConnectFailure(AMQPError(.connectionFailed, "\(error)"))
        }
    }

    private func fallBackAfterConnectFailure(_ error: AMQPError) {
        if let session {
            session.destroy()
            self.session = nil
            requeueUnconfirmed()
        }
        lastConnectError = error
        // The next node at once while a round of the cluster's nodes is not over; after a
        // round, back off (jittered) before the next.
        let endpoints = configuration.endpoints
        endpointIndex = (endpointIndex + 1) % endpoints.count
        failedInARow += 1
        if failedInARow % endpoints.count != 0 {
            logger.warning("amqp.connect.failed", metadata: ["error": "\(error)", "amqp.next_node": "\(endpoints[endpointIndex])"])
            return
        }
        let delay = configuration.reconnect.delay(attempt: reconnectAttempt)
        reconnectAttempt += 1
        logger.warning(
            "amqp.connect.failed",
            metadata: ["error": "\(error)", "amqp.retry_in_ms": "\(delay.milliseconds)", "amqp.attempt": "\(reconnectAttempt)"])
        let until = ContinuousClock.now + delay
        while ContinuousClock.now < until {
            _ = waitForWork(socket: nil, timeout: min(until - .now, .milliseconds(250)))
            runJobs()
            takeCommands().forEach(handleDisconnected)
            expireDeadlines()
            if closeRequested && waiting.isEmpty && deferred.isEmpty { return }
        }
    }

    private func connect() throws {
        let endpoint = configuration.endpoints[endpointIndex]
        let session = try Session.open(configuration, at: endpoint)
        self.session = session
        lastReceive = .now
        generation += 1
        try session.openChannel(Self.publishChannel)
        try session.selectConfirms(Self.publishChannel)
        nextTag = 1
        controlChannelOpen = false
        for topology in topologies {
            do {
                try declare(topology, on: session)
            } catch let error as AMQPError {
                logger.error("amqp.topology.failed", metadata: ["error": "\(error)"])
            }
        }
        for record in consumers.values.sorted(by: { $0.id < $1.id }) where record.state == .active {
            do {
                try startConsumer(record, on: session)
            } catch let error as AMQPError {
                logger.error("amqp.consumer.resume_failed", metadata: ["amqp.queue": "\(record.queue)", "error": "\(error)"])
                forget(record)
                record.finish(throwing: error)
            }
        }
        let resend = Array(waiting)
        waiting.removeAll()
        for pending in resend where !pending.isDone {
            try send(pending)
        }
        connectedFlag.store(true, ordering: .releasing)
        connectionCount.add(1, ordering: .relaxed)
        logger.info(
            "amqp.connected",
            metadata: [
                "amqp.url": "\(configuration.redactedURL(of: endpoint))", "amqp.heartbeat_s": "\(session.heartbeatSeconds)",
                "amqp.republished": "\(resend.count)", "amqp.consumers": "\(consumers.count)",
            ])
    }

    private func connectionLost(_ error: AMQPError) {
        logger.warning("amqp.connection.lost", metadata: ["error": "\(error)"])
        // The node may be going down: a cluster's next node first.
        endpointIndex = (endpointIndex + 1) % configuration.endpoints.count
        connectedFlag.store(false, ordering: .releasing)
        session?.destroy()
        session = nil
        requeueUnconfirmed()
        controlChannelOpen = false
        pendingAcks.removeAll()
        consumersByChannel.removeAll()
        freeChannels.removeAll()
        nextChannel = 3
        for record in consumers.values {
            record.invalidateLease()
            record.channel = 0
            if record.state == .cancelled { consumers[record.id] = nil }
        }
    }

    /// Unconfirmed publishes go back to the front of the waiting line, in order, to be
    /// published again on the next connection (at-least-once: consumers deduplicate).
    private func requeueUnconfirmed() {
        for pending in unconfirmed.reversed() where !pending.isDone {
            waiting.prepend(pending)
        }
        unconfirmed.removeAll()
    }

    // MARK: Commands

    private func processCommands() throws {
        var commands = takeCommands()[...]
        while let command = commands.popFirst() {
            do {
                if case .settle(let channel, let generation, let tag, let settlement) = command {
                    try settle(channel: channel, generation: generation, tag: tag, settlement)
                    continue
                }
                try flushAcks()
                try execute(command)
            } catch let fault as ConnectionFault {
                deferred.append(contentsOf: commands)
                switch command {
                case .operation(let operation) where fault.error.replyCode != nil:
                    // The broker closed the connection because of this operation (for example
                    // 540 NOT_IMPLEMENTED): running it again after the reconnect would only
                    // close the next connection too.
                    operation.fail(fault.error)
                case .publish, .declare, .consume, .operation:
                    deferred.prepend(command)
                case .settle, .cancel, .release, .close:
                    handleDisconnected(command)
                }
                throw fault
            }
        }
        try flushAcks()
    }

    /// Sends a nack or reject now; keeps an ack for ``flushAcks()``.
    private func settle(channel: UInt16, generation: UInt64, tag: UInt64, _ settlement: Settlement) throws {
        guard let record = consumersByChannel[channel], record.generation == generation, record.unsettled.contains(tag)
        else {
            logger.debug("amqp.settle.ignored", metadata: ["amqp.delivery_tag": "\(tag)", "reason": "stale or already settled"])
            return
        }
        guard settlement != .ack else {
            pendingAcks[channel, default: []].append(tag)
            return
        }
        try session?.settle(channel: channel, deliveryTag: tag, settlement)
        record.unsettled.settled(tag)
    }

    /// Sends the acks gathered from one batch of commands: one `basic.ack` with `multiple`
    /// where every unsettled delivery up to a tag is acked, single acks for the rest.
    private func flushAcks() throws {
        guard !pendingAcks.isEmpty, let session else { return }
        defer { pendingAcks.removeAll(keepingCapacity: true) }
        for (channel, tags) in pendingAcks {
            guard let record = consumersByChannel[channel] else { continue }
            let acks = Array(Set(tags)).sorted()
            let (multiple, singles) = record.unsettled.plan(acks)
            if let multiple { try session.settle(channel: channel, deliveryTag: multiple, .ack, multiple: true) }
            for tag in singles { try session.settle(channel: channel, deliveryTag: tag, .ack) }
            for tag in acks { record.unsettled.settled(tag) }
        }
    }

    private func execute(_ command: Command) throws {
        guard let session else { return handleDisconnected(command) }
        switch command {
        case .publish(let pending):
            if pending.isDone { return }
            try send(pending)
        case .settle(let channel, let generation, let tag, let settlement):
            try settle(channel: channel, generation: generation, tag: tag, settlement)
        case .declare(let topology, _, let continuation):
            if !topologies.contains(topology) { topologies.append(topology) }
            do {
                try declare(topology, on: session)
                continuation.resume()
            } catch let error as AMQPError {
                topologies.removeAll { $0 == topology }
                continuation.resume(throwing: AMQPError(.declarationFailed, error.message, replyCode: error.replyCode))
            }
        case .consume(let record, _, let continuation):
            guard record.state != .cancelled else {
                continuation.resume(throwing: AMQPError(.consumerCancelled, "the consumer was cancelled before it started"))
                return
            }
            consumers[record.id] = record
            do {
                try startConsumer(record, on: session)
                continuation.resume()
            } catch let error as AMQPError {
                forget(record)
                record.finish(throwing: error)
                continuation.resume(throwing: error)
            }
        case .cancel(let id, let continuation):
            guard let record = consumers[id], record.state == .active else {
                consumers[id]?.finish()
                continuation?.resume()
                return
            }
            do {
                try session.cancel(record.channel, consumerTag: record.consumerTag)
            } catch let error as AMQPError {
                logger.warning("amqp.consumer.cancel_failed", metadata: ["error": "\(error)"])
            }
            // Deliveries that arrived before cancel-ok are queued: hand them over first.
            try drainQueuedFrames()
            record.finish()
            logger.debug("amqp.consumer.cancelled", metadata: ["amqp.queue": "\(record.queue)"])
            continuation?.resume()
        case .release(let id, let continuation):
            if let record = consumers[id] {
                if record.state == .active {
                    try? session.cancel(record.channel, consumerTag: record.consumerTag)
                    try drainQueuedFrames()
                }
                record.finish()
                if record.channel != 0 {
                    do { try session.closeChannel(record.channel) } catch let error as AMQPError {
                        logger.debug("amqp.channel.close_failed", metadata: ["error": "\(error)"])
                    }
                }
                forget(record)
            }
            continuation?.resume()
        case .operation(let operation):
            do {
                try openControlChannel(on: session)
                try operation.run(session, Self.controlChannel)
            } catch let error as AMQPError {
                if error.code == .channelClosed { controlChannelOpen = false }
                operation.fail(error)
            }
        case .close(let continuation):
            closeRequested = true
            closeWaiters.append(continuation)
        }
    }

    /// What a command does while there is no connection.
    private func handleDisconnected(_ command: Command) {
        switch command {
        case .publish(let pending):
            if !pending.isDone { waiting.append(pending) }
        case .settle:
            break  // The channel is gone; the broker redelivers the message.
        case .declare(let topology, _, _):
            if !topologies.contains(topology) { topologies.append(topology) }
            deferred.append(command)
        case .consume(let record, _, _):
            consumers[record.id] = record
            deferred.append(command)
        case .cancel(let id, let continuation):
            consumers[id]?.finish()
            continuation?.resume()
        case .release(let id, let continuation):
            if let record = consumers[id] {
                record.finish()
                forget(record)
            }
            continuation?.resume()
        case .operation:
            deferred.append(command)
        case .close(let continuation):
            closeRequested = true
            closeWaiters.append(continuation)
        }
    }

    private func expireDeadlines() {
        let now = ContinuousClock.now
        let reason = lastConnectError.map { " (last connection error: \($0.message))" } ?? ""
        while let first = waiting.first, first.isDone || first.deadline <= now {
            waiting.removeFirst()
            first.fail(AMQPError(.timeout, "no confirm from the broker within the publish timeout\(reason)"))
        }
        for pending in unconfirmed {
            guard pending.deadline <= now else { break }
            pending.fail(AMQPError(.timeout, "no confirm from the broker within the publish timeout; the message may or may not have been taken"))
        }
        if !deferred.isEmpty {
            var kept = Deque<Command>()
            for command in deferred {
                if let deadline = command.deadline, deadline <= now {
                    if case .consume(let record, _, _) = command { forget(record) }
                    command.fail(AMQPError(.connectionFailed, "the broker could not be reached in time\(reason)"))
                } else {
                    kept.append(command)
                }
            }
            deferred = kept
        }
    }

    // MARK: Publishing

    private func send(_ pending: PendingPublish) throws {
        guard let session else { return waiting.append(pending) }
        pending.tag = nextTag
        pending.returned = nil
        nextTag += 1
        unconfirmed.append(pending)
        try session.publish(
            channel: Self.publishChannel, exchange: pending.exchange, routingKey: pending.routingKey,
            mandatory: pending.mandatory, message: pending.message)
    }

    private func confirm(tag: UInt64, multiple: Bool, ack: Bool) {
        let settle: (PendingPublish) -> Void = { pending in
            if ack {
                pending.succeed()
            } else {
                pending.fail(AMQPError(.publishNacked, "the broker refused responsibility for message \(pending.message.messageId)"))
            }
        }
        if multiple {
            while let first = unconfirmed.first, first.tag <= tag {
                unconfirmed.removeFirst()
                settle(first)
            }
        } else if let first = unconfirmed.first, first.tag == tag {
            unconfirmed.removeFirst()
            settle(first)
        } else if let index = index(ofTag: tag) {
            settle(unconfirmed[index])
        }
        while let first = unconfirmed.first, first.isDone { unconfirmed.removeFirst() }
    }

    private func index(ofTag tag: UInt64) -> Int? {
        var low = 0
        var high = unconfirmed.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let value = unconfirmed[middle].tag
            if value == tag { return middle }
            if value < tag { low = middle + 1 } else { high = middle - 1 }
        }
        return nil
    }

    private func publishChannelClosed(code: UInt16, text: String) throws {
        guard let session else { return }
        // 404 on publish names the missing exchange: fail what went there, resend the rest.
        var missingExchange: String?
        if code == 404, let range = text.range(of: "no exchange '") {
            let rest = text[range.upperBound...]
            if let end = rest.firstIndex(of: "'") { missingExchange = String(rest[..<end]) }
        }
        let error = AMQPError(.channelClosed, "the broker closed the publishing channel: \(text)", replyCode: code)
        logger.warning("amqp.publish_channel.closed", metadata: ["error": "\(error)"])
        let pending = Array(unconfirmed)
        unconfirmed.removeAll()
        for item in pending where !item.isDone {
            if missingExchange == nil || item.exchange == missingExchange {
                item.fail(error)
            } else {
                waiting.append(item)
            }
        }
        try reopenChannel(Self.publishChannel, on: session)
        try session.selectConfirms(Self.publishChannel)
        nextTag = 1
        let resend = Array(waiting)
        waiting.removeAll()
        for item in resend where !item.isDone { try send(item) }
    }

    private func reopenChannel(_ channel: UInt16, on session: Session) throws {
        do {
            try session.openChannel(channel)
        } catch let error as AMQPError {
            throw ConnectionFault(error: error)
        }
    }

    // MARK: Topology and control

    private func openControlChannel(on session: Session) throws {
        guard !controlChannelOpen else { return }
        try reopenChannel(Self.controlChannel, on: session)
        controlChannelOpen = true
    }

    private func declare(_ topology: Topology, on session: Session) throws {
        try openControlChannel(on: session)
        do {
            for exchange in topology.exchanges { try session.declare(exchange, channel: Self.controlChannel) }
            for queue in topology.queues { try session.declare(queue, channel: Self.controlChannel) }
            for binding in topology.bindings { try session.declare(binding, channel: Self.controlChannel) }
        } catch let error as AMQPError {
            controlChannelOpen = false
            throw error
        }
    }

    // MARK: Consumers

    private func startConsumer(_ record: ConsumerRecord, on session: Session) throws {
        let channel = allocateChannel()
        do {
            try session.openChannel(channel)
        } catch let error as AMQPError {
            freeChannels.append(channel)
            throw ConnectionFault(error: error)
        }
        do {
            try session.qos(channel, prefetch: record.prefetch)
            record.consumerTag = try session.consume(channel, queue: record.queue, arguments: record.arguments)
        } catch let error as AMQPError {
            // The broker closed the channel (and close-ok was sent): the number is free again.
            freeChannels.append(channel)
            throw error
        }
        generation += 1
        record.channel = channel
        record.generation = generation
        record.lease = ChannelLease()
        record.unsettled.reset()
        record.state = .active
        consumersByChannel[channel] = record
        logger.debug("amqp.consumer.started", metadata: ["amqp.queue": "\(record.queue)", "amqp.channel": "\(channel)"])
    }

    private func allocateChannel() -> UInt16 {
        if let channel = freeChannels.popLast() { return channel }
        defer { nextChannel += 1 }
        return nextChannel
    }

    private func forget(_ record: ConsumerRecord) {
        record.invalidateLease()
        consumers[record.id] = nil
        if record.channel != 0, consumersByChannel[record.channel] === record {
            consumersByChannel[record.channel] = nil
            freeChannels.append(record.channel)
        }
        record.channel = 0
    }

    private func consumerChannelClosed(_ record: ConsumerRecord, code: UInt16, text: String) throws {
        guard let session else { return }
        logger.warning(
            "amqp.consumer_channel.closed",
            metadata: ["amqp.queue": "\(record.queue)", "amqp.reply_code": "\(code)", "error": "\(text)"])
        consumersByChannel[record.channel] = nil
        freeChannels.append(record.channel)
        record.invalidateLease()
        record.channel = 0
        guard record.state == .active else {
            forget(record)
            return
        }
        do {
            try startConsumer(record, on: session)
        } catch let error as AMQPError {
            forget(record)
            record.finish(throwing: error)
        }
    }

    // MARK: Frames

    private func processInput(socketReadable: Bool) throws {
        guard let session, socketReadable || session.hasBufferedInput else { return }
        var frame = amqp_frame_t()
        var budget = 4096
        while budget > 0, try session.pollFrame(&frame) {
            try handle(frame, session: session)
            budget -= 1
        }
        session.releaseBuffers()
    }

    /// Handles frames that a synchronous call queued while it waited for its reply.
    private func drainQueuedFrames() throws {
        guard let session else { return }
        var frame = amqp_frame_t()
        while session.hasBufferedInput, try session.pollFrame(&frame) {
            try handle(frame, session: session)
        }
    }

    private func handle(_ frame: amqp_frame_t, session: Session) throws {
        guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return }
        let channel = frame.channel
        let method = frame.payload.method
        switch method.id {
        case hangar_method_basic_ack:
            let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            if channel == Self.publishChannel { confirm(tag: ack.delivery_tag, multiple: ack.multiple != 0, ack: true) }
        case hangar_method_basic_nack:
            let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            if channel == Self.publishChannel { confirm(tag: nack.delivery_tag, multiple: nack.multiple != 0, ack: false) }
        case hangar_method_basic_deliver:
            let deliver = method.decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            let exchange = deliver.exchange.string
            let routingKey = deliver.routing_key.string
            let tag = deliver.delivery_tag
            let redelivered = deliver.redelivered != 0
            let message = try readContent(channel: channel, session: session)
            guard let record = consumersByChannel[channel] else {
                logger.debug("amqp.delivery.orphaned", metadata: ["amqp.channel": "\(channel)"])
                return
            }
            let recordGeneration = record.generation
            let lease = record.lease
            let delivery = Delivery(
                message: message, exchange: exchange, routingKey: routingKey, redelivered: redelivered, deliveryTag: tag
            ) { [self] settlement in
                // The write is queued, not awaited: a settlement lost with the connection
                // means a redelivery, which consumers handle anyway.
                guard lease.isOpen else {
                    throw AMQPError(.staleDelivery, "delivery \(tag) came on a channel that is gone; the broker redelivers it")
                }
                submit(.settle(channel: channel, generation: recordGeneration, tag: tag, settlement))
            }
            record.unsettled.delivered(tag)
            record.stream.yield(delivery)
        case hangar_method_basic_return:
            let returned = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            let code = returned.reply_code
            let text = returned.reply_text.string
            let exchange = returned.exchange.string
            let routingKey = returned.routing_key.string
            let message = try readContent(channel: channel, session: session)
            if let pending = unconfirmed.first(where: { !$0.isDone && $0.message.messageId == message.messageId }) {
                pending.returned = AMQPError(
                    .unroutable, "no queue is bound to '\(exchange)' for routing key '\(routingKey)': \(text)", replyCode: code)
            }
        case hangar_method_basic_cancel:
            // The broker cancelled a consumer (its queue was deleted, or a quorum leader moved).
            if let record = consumersByChannel[channel] {
                logger.warning("amqp.consumer.cancelled_by_broker", metadata: ["amqp.queue": "\(record.queue)"])
                record.finish(throwing: AMQPError(.consumerCancelled, "the broker cancelled the consumer of queue '\(record.queue)'"))
                try? session.closeChannel(channel)
                forget(record)
            }
        case hangar_method_channel_close:
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let code = close.reply_code
            let text = close.reply_text.string
            try session.replyCloseOk(channel: channel)
            if channel == Self.publishChannel {
                try publishChannelClosed(code: code, text: text)
            } else if channel == Self.controlChannel {
                controlChannelOpen = false
            } else if let record = consumersByChannel[channel] {
                try consumerChannelClosed(record, code: code, text: text)
            }
        case hangar_method_connection_close:
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            let text = close.reply_text.string
            let code = close.reply_code
            session.replyConnectionCloseOk()
            throw ConnectionFault(error: AMQPError(.connectionLost, "the broker closed the connection: \(text)", replyCode: code))
        case hangar_method_connection_blocked:
            logger.warning("amqp.connection.blocked", metadata: ["amqp.reason": "broker resource alarm: publishing is paused"])
        case hangar_method_connection_unblocked:
            logger.info("amqp.connection.unblocked")
        default:
            logger.debug("amqp.frame.ignored", metadata: ["amqp.method": "\(method.id)", "amqp.channel": "\(channel)"])
        }
    }

    private func readContent(channel: UInt16, session: Session) throws -> Message {
        do {
            return try session.readContent(channel: channel)
        } catch let error as AMQPError {
            throw ConnectionFault(error: error)
        }
    }

    // MARK: Closing

    private func closeGracefully() {
        for record in consumers.values { record.finish() }
        consumers.removeAll()
        consumersByChannel.removeAll()
        session?.close()
        session = nil
        connectedFlag.store(false, ordering: .releasing)
        logger.info("amqp.closed")
    }

    private func shutDown() {
        let leftovers = inbox.withLock { inbox -> [Command] in
            inbox.closed = true
            defer { inbox.commands.removeAll() }
            return inbox.commands
        }
        defer { finishJobs() }
        let error = AMQPError(.shutdown, "the connection '\(configuration.connectionName)' is closed")
        for command in Array(deferred) + leftovers { command.fail(error) }
        deferred.removeAll()
        for pending in Array(waiting) + Array(unconfirmed) { pending.fail(error) }
        waiting.removeAll()
        unconfirmed.removeAll()
        for record in consumers.values { record.finish() }
        consumers.removeAll()
        session?.destroy()
        session = nil
        connectedFlag.store(false, ordering: .releasing)
        for waiter in closeWaiters { waiter.resume() }
        closeWaiters.removeAll()
        logger.debug("amqp.driver.stopped")
    }
}

// MARK: - Running tasks on the I/O thread

extension ConnectionDriver: TaskExecutor {
    /// Takes a job of a task that prefers this executor; the I/O thread runs it on its next
    /// turn (woken if it sleeps in `poll`), or the global executor once the loop has ended.
    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        let accepted = deposit { inbox in
            guard !inbox.finished else { return false }
            inbox.jobs.append(unowned)
            return true
        }
        if !accepted { globalConcurrentExecutor.enqueue(ExecutorJob(unowned)) }
    }

    /// Runs the jobs enqueued so far (those they enqueue wait for the next turn). On the I/O thread.
    fileprivate func runJobs() {
        let jobs = inbox.withLock { inbox -> [UnownedJob] in
            guard !inbox.jobs.isEmpty else { return [] }
            defer { inbox.jobs.removeAll(keepingCapacity: true) }
            return inbox.jobs
        }
        let executor = asUnownedTaskExecutor()
        for job in jobs { job.runSynchronously(on: executor) }
    }

    /// Hands the jobs left, and every later one, to the global executor: the loop has ended.
    fileprivate func finishJobs() {
        let left = inbox.withLock { inbox -> [UnownedJob] in
            inbox.finished = true
            defer { inbox.jobs.removeAll() }
            return inbox.jobs
        }
        for job in left { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }
}
