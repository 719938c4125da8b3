import CRabbitMQ
import Foundation

/// A failure that ends the whole connection: the driver drops it and reconnects.
struct ConnectionFault: Error {
    var error: AMQPError
}

/// One open rabbitmq-c connection. Not thread-safe: only the driver's I/O thread touches it.
final class Session {
    private let state: amqp_connection_state_t
    /// Scratch memory for outgoing strings and tables, recycled after each call.
    private let pool = UnsafeMutablePointer<amqp_pool_t>.allocate(capacity: 1)
    private(set) var lastSend = ContinuousClock.now
    private var destroyed = false
    let heartbeatSeconds: Int

    private init(state: amqp_connection_state_t, heartbeatSeconds: Int) {
        self.state = state
        self.heartbeatSeconds = heartbeatSeconds
        init_amqp_pool(pool, 16 * 1024)
    }

    deinit {
        destroy()
        empty_amqp_pool(pool)
        pool.deallocate()
    }

    /// Opens the socket and logs in. Throws ``AMQPError`` with `connectionFailed` or
    /// `authenticationFailed`.
    static func open(_ configuration: AMQPConfiguration, at endpoint: AMQPConfiguration.Endpoint) throws -> Session {
        guard let state = amqp_new_connection() else {
            throw AMQPError(.connectionFailed, "rabbitmq-c could not allocate a connection")
        }
        let socket: OpaquePointer?
        if let tls = configuration.tls {
            socket = amqp_ssl_socket_new(state)
            if let socket {
                if let ca = tls.caCertificatePath, amqp_ssl_socket_set_cacert(socket, ca) != AMQP_STATUS_OK.rawValue {
                    amqp_destroy_connection(state)
                    throw AMQPError(.invalidConfiguration, "cannot load CA certificates from \(ca)")
                }
                if let cert = tls.clientCertificatePath, let key = tls.clientKeyPath,
                    amqp_ssl_socket_set_key(socket, cert, key) != AMQP_STATUS_OK.rawValue
                {
                    amqp_destroy_connection(state)
                    throw AMQPError(.invalidConfiguration, "cannot load client certificate \(cert) and key \(key)")
                }
                amqp_ssl_socket_set_verify_peer(socket, tls.verifyPeer ? 1 : 0)
                amqp_ssl_socket_set_verify_hostname(socket, tls.verifyHostname ? 1 : 0)
            }
        } else {
            socket = amqp_tcp_socket_new(state)
        }
        guard let socket else {
            amqp_destroy_connection(state)
            throw AMQPError(.connectionFailed, "rabbitmq-c could not create a socket")
        }
        let opened = hangar_socket_open(socket, endpoint.host, Int32(endpoint.port), configuration.connectTimeout.milliseconds)
        guard opened == AMQP_STATUS_OK.rawValue else {
            amqp_destroy_connection(state)
            throw AMQPError(
                .connectionFailed,
                "cannot connect to \(endpoint): \(Self.describe(opened))",
                libraryStatus: opened)
        }
        _ = hangar_set_handshake_timeout(state, configuration.connectTimeout.milliseconds)
        _ = hangar_set_rpc_timeout(state, configuration.operationTimeout.milliseconds)
        let heartbeat = Int32(configuration.heartbeat.seconds.rounded())
        let reply = hangar_login(
            state, configuration.virtualHost, 131_072, heartbeat, configuration.user, configuration.password,
            configuration.connectionName)
        let session = Session(state: state, heartbeatSeconds: Int(amqp_get_heartbeat(state)))
        do {
            try session.check(reply, channel: 0, context: "login")
        } catch let fault as ConnectionFault {
            var error = fault.error
            if error.replyCode == 403 || error.replyCode == 530 {
                error.code = .authenticationFailed
            } else {
                error.code = .connectionFailed
            }
            throw error
        }
        return session
    }

    var socketDescriptor: Int32 { amqp_get_sockfd(state) }

    /// Whether frames are decoded or bytes are buffered that the socket no longer shows.
    var hasBufferedInput: Bool { amqp_frames_enqueued(state) != 0 || amqp_data_in_buffer(state) != 0 }

    // MARK: Frames

    /// Reads one frame if one is available now. Returns `false` when there is none.
    func pollFrame(_ frame: inout amqp_frame_t) throws -> Bool {
        let status = hangar_poll_frame(state, &frame)
        if status == AMQP_STATUS_TIMEOUT.rawValue { return false }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw ConnectionFault(
                error: AMQPError(.connectionLost, "reading from the broker failed: \(Self.describe(status))", libraryStatus: status))
        }
        return true
    }

    /// Reads the content (header and body frames) that follows a deliver or return method.
    func readContent(channel: UInt16) throws -> Message {
        var message = amqp_message_t()
        let reply = amqp_read_message(state, channel, &message, 0)
        try check(reply, channel: channel, context: "reading message content")
        defer { amqp_destroy_message(&message) }
        return Decode.message(message.properties, body: message.body)
    }

    func releaseBuffers() {
        amqp_maybe_release_buffers(state)
    }

    func sendHeartbeatIfDue(now: ContinuousClock.Instant) throws {
        guard heartbeatSeconds > 0, now - lastSend >= .milliseconds(heartbeatSeconds * 500) else { return }
        try sent(hangar_send_heartbeat(state), "sending a heartbeat")
    }

    func replyCloseOk(channel: UInt16) throws {
        var closeOk = amqp_channel_close_ok_t()
        try sent(amqp_send_method(state, channel, hangar_method_channel_close_ok, &closeOk), "sending channel.close-ok")
    }

    func replyConnectionCloseOk() {
        var closeOk = amqp_connection_close_ok_t()
        _ = amqp_send_method(state, 0, hangar_method_connection_close_ok, &closeOk)
    }

    // MARK: Channels

    func openChannel(_ channel: UInt16) throws {
        _ = amqp_channel_open(state, channel)
        try checkLastReply(channel: channel, context: "opening channel \(channel)")
    }

    func closeChannel(_ channel: UInt16) throws {
        let reply = amqp_channel_close(state, channel, 200)
        try check(reply, channel: channel, context: "closing channel \(channel)")
    }

    func selectConfirms(_ channel: UInt16) throws {
        _ = amqp_confirm_select(state, channel)
        try checkLastReply(channel: channel, context: "confirm.select")
    }

    func qos(_ channel: UInt16, prefetch: UInt16) throws {
        _ = amqp_basic_qos(state, channel, 0, prefetch, 0)
        try checkLastReply(channel: channel, context: "basic.qos")
    }

    /// Starts a consumer; returns the broker-assigned consumer tag.
    func consume(_ channel: UInt16, queue: String, arguments: [String: FieldValue]) throws -> String {
        defer { recycle_amqp_pool(pool) }
        let writer = PoolWriter(pool: pool)
        let ok = amqp_basic_consume(state, channel, writer.bytes(queue), hangar_empty_bytes(), 0, 0, 0, writer.table(arguments))
        try checkLastReply(channel: channel, context: "consuming from queue '\(queue)'")
        return ok?.pointee.consumer_tag.string ?? ""
    }

    func cancel(_ channel: UInt16, consumerTag: String) throws {
        defer { recycle_amqp_pool(pool) }
        let writer = PoolWriter(pool: pool)
        _ = amqp_basic_cancel(state, channel, writer.bytes(consumerTag))
        try checkLastReply(channel: channel, context: "cancelling consumer \(consumerTag)")
    }

    // MARK: Topology

    func declare(_ exchange: Topology.Exchange, channel: UInt16) throws {
        defer { recycle_amqp_pool(pool) }
        let writer = PoolWriter(pool: pool)
        _ = amqp_exchange_declare(
            state, channel, writer.bytes(exchange.name), writer.bytes(exchange.kind.rawValue), 0,
            exchange.durable ? 1 : 0, 0, 0, hangar_empty_table())
        try checkLastReply(channel: channel, context: "declaring exchange '\(exchange.name)'")
    }

    func declare(_ queue: Topology.Queue, channel: UInt16) throws {
        defer { recycle_amqp_pool(pool) }
        let writer = PoolWriter(pool: pool)
        _ = amqp_queue_declare(
            state, channel, writer.bytes(queue.name), 0, queue.durable ? 1 : 0, 0, 0,
            writer.table(queue.declareArguments))
        try checkLastReply(channel: channel, context: "declaring queue '\(queue.name)'")
    }

    func declare(_ binding: Topology.Binding, channel: UInt16) throws {
        defer { recycle_amqp_pool(pool) }
        let writer = PoolWriter(pool: pool)
        _ = amqp_queue_bind(
            state, channel, writer.bytes(binding.queue), writer.bytes(binding.exchange),
            writer.bytes(binding.routingKey), hangar_empty_table())
        try checkLastReply(channel: channel, context: "binding '\(binding.queue)' to '\(binding.exchange)'")
    }

    /// Removes a binding (the broker answers OK when there is no such binding).
    func unbind(_ binding: Topology.Binding, channel: UInt16) throws {
        defer { recycle_amqp_pool(pool) }
        let writer = PoolWriter(pool: pool)
        _ = amqp_queue_unbind(
            state, channel, writer.bytes(binding.queue), writer.bytes(binding.exchange),
            writer.bytes(binding.routingKey), hangar_empty_table())
        try checkLastReply(channel: channel, context: "unbinding '\(binding.queue)' from '\(binding.exchange)'")
    }

    /// Deletes a queue; returns how many messages it held. With `ifEmpty` the broker refuses
    /// (406) to delete a queue that holds messages.
    func deleteQueue(_ name: String, ifEmpty: Bool = false, channel: UInt16) throws -> UInt32 {
        defer { recycle_amqp_pool(pool) }
        let writer = PoolWriter(pool: pool)
        let ok = amqp_queue_delete(state, channel, writer.bytes(name), 0, ifEmpty ? 1 : 0)
        try checkLastReply(channel: channel, context: "deleting queue '\(name)'")
        return ok?.pointee.message_count ?? 0
    }

    /// Declares `name` passively: returns its ready message count and consumer count.
    func inspectQueue(_ name: String, channel: UInt16) throws -> (messages: UInt32, consumers: UInt32) {
        defer { recycle_amqp_pool(pool) }
        let writer = PoolWriter(pool: pool)
        let ok = amqp_queue_declare(state, channel, writer.bytes(name), 1, 0, 0, 0, hangar_empty_table())
        try checkLastReply(channel: channel, context: "inspecting queue '\(name)'")
        return (ok?.pointee.message_count ?? 0, ok?.pointee.consumer_count ?? 0)
    }

    // MARK: Publishing and settling

    func publish(channel: UInt16, exchange: String, routingKey: String, mandatory: Bool, message: Message) throws {
        defer { recycle_amqp_pool(pool) }
        let writer = PoolWriter(pool: pool)
        var properties = writer.properties(message)
        let exchangeBytes = writer.bytes(exchange)
        let routingKeyBytes = writer.bytes(routingKey)
        let status = message.body.withUnsafeBytes { body in
            amqp_basic_publish(
                state, channel, exchangeBytes, routingKeyBytes, mandatory ? 1 : 0, 0, &properties,
                amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress)))
        }
        try sent(status, "publishing to '\(exchange)'")
    }

    func settle(channel: UInt16, deliveryTag: UInt64, _ settlement: Settlement, multiple: Bool = false) throws {
        let status: Int32
        switch settlement {
        case .ack: status = amqp_basic_ack(state, channel, deliveryTag, multiple ? 1 : 0)
        case .nack(let requeue): status = amqp_basic_nack(state, channel, deliveryTag, 0, requeue ? 1 : 0)
        case .reject: status = amqp_basic_reject(state, channel, deliveryTag, 0)
        }
        try sent(status, "settling delivery \(deliveryTag)")
    }

    // MARK: Closing

    /// Closes the connection politely (connection.close and its reply), then frees it.
    func close() {
        guard !destroyed else { return }
        _ = amqp_connection_close(state, 200)
        destroy()
    }

    /// Frees the connection without a protocol goodbye (after a fault).
    func destroy() {
        guard !destroyed else { return }
        destroyed = true
        _ = amqp_destroy_connection(state)
    }

    // MARK: Errors

    private func sent(_ status: Int32, _ context: String) throws {
        guard status == AMQP_STATUS_OK.rawValue else {
            throw ConnectionFault(error: AMQPError(.connectionLost, "\(context) failed: \(Self.describe(status))", libraryStatus: status))
        }
        lastSend = .now
    }

    private func checkLastReply(channel: UInt16, context: String) throws {
        try check(amqp_get_rpc_reply(state), channel: channel, context: context)
    }

    /// Throws ``ConnectionFault`` for failures that end the connection, ``AMQPError`` with
    /// `channelClosed` when the broker closed only this channel (close-ok already sent).
    private func check(_ reply: amqp_rpc_reply_t, channel: UInt16, context: String) throws {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            lastSend = .now
            return
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            let status = Int32(reply.library_error)
            throw ConnectionFault(error: AMQPError(.connectionLost, "\(context) failed: \(Self.describe(status))", libraryStatus: status))
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == hangar_method_channel_close, let decoded = reply.reply.decoded {
                let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
                let text = close.reply_text.string
                try replyCloseOk(channel: channel)
                throw AMQPError(.channelClosed, "\(context): \(text)", replyCode: close.reply_code)
            }
            if reply.reply.id == hangar_method_connection_close, let decoded = reply.reply.decoded {
                let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                let text = close.reply_text.string
                replyConnectionCloseOk()
                throw ConnectionFault(
                    error: AMQPError(.connectionLost, "\(context): broker closed the connection: \(text)", replyCode: close.reply_code))
            }
            throw ConnectionFault(error: AMQPError(.protocolError, "\(context): unexpected reply method \(reply.reply.id)"))
        default:
            throw ConnectionFault(error: AMQPError(.protocolError, "\(context): no reply"))
        }
    }

    static func describe(_ status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }
}
