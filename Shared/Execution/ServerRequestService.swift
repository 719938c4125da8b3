import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import HangarProviders
import Logging
import ServiceLifecycle
import Tracing

/// The worker's side of the server request/reply: consumes `server.query` and
/// `server.action` requests from `hangar.servers`, asks the environment's provider, and
/// publishes a ``ServerReply`` to the request's `reply_to` queue (or its `replyQueue`: the
/// scheduler's, for a scheduled stop) with its `correlation_id`.
///
/// Requests are not durable work: one past its `expiresAt` is dropped (its asker has given
/// up), a reply whose asker is gone is dropped by the broker, and an undecodable request is
/// acked with a warning rather than dead-lettered (there is nobody to answer).
public struct ServerRequestService: Service {
    private let inner: ConsumerService
    private let connection: AMQPConnection
    private let logger: Logger

    /// - Parameters:
    ///   - name: the worker's name, written to every reply.
    ///   - timeout: how long a provider call may take before the reply says it failed.
    public init(
        connection: AMQPConnection, providers: ProviderRegistry = ProviderRegistry(), name: String,
        queue: String = HangarTopology.serverRequestsQueue, concurrency: Int = 4, timeout: Duration = .seconds(20), logger: Logger
    ) {
        var logger = logger
        logger[metadataKey: "worker"] = .string(name)
        self.connection = connection
        self.logger = logger
        inner = ConsumerService(
            connection: connection, queue: queue, prefetch: UInt16(clamping: concurrency), concurrency: concurrency, logger: logger
        ) { [logger] delivery in
            let message = delivery.message
            let request: ServerRequest
            do {
                request = try HangarJSON.decoder.decode(ServerRequest.self, from: Data(message.body))
            } catch {
                logger.warning("hangar.server_request.undecodable", metadata: ["error": "\(error)"])
                return .ack
            }
            // A waiting asker names its reply queue in `reply_to`; the scheduler names its own
            // durable queue in the request.
            guard let replyTo = message.replyTo.flatMap({ $0.isEmpty ? nil : $0 }) ?? request.replyQueue, !replyTo.isEmpty else {
                logger.warning("hangar.server_request.no_reply_to", metadata: ["amqp.message_id": "\(message.messageId)"])
                return .ack
            }
            guard request.expiresAt > Date() else {
                logger.info("hangar.server_request.expired", metadata: ["request.id": "\(request.requestId)"])
                return .ack
            }
            // In the asker's trace (an HTTP request to intake), when it sent one.
            let reply = await withSpan(
                "process \(message.type ?? "server.request")", context: TraceHeaders.extract(message.headers), ofKind: .consumer
            ) { _ in
                await Self.answer(request, providers: providers, worker: name, timeout: timeout)
            }
            logger.info(
                "hangar.server_request.answered",
                metadata: [
                    "request.id": "\(request.requestId)", "environment": "\(request.environmentName)",
                    "server.action": "\(request.action?.rawValue ?? request.environmentAction?.rawValue ?? "query")",
                    "failure": "\(reply.failure?.rawValue ?? "-")",
                ])
            // A reply to a durable queue is kept across a broker restart; one to a waiting asker is not.
            let answer = Message(
                body: Array(try HangarJSON.encoder.encode(reply)), contentType: "application/json",
                messageId: ServerReply.messageId(answering: request.requestId),
                correlationId: message.correlationId ?? request.requestId.lowercasedString, type: ServerReply.type,
                persistent: request.replyQueue != nil, timestamp: Date(), appId: "hangar-worker")
            do {
                // Not mandatory: if the asker's queue is gone, nobody is waiting any more.
                try await connection.publish(answer, exchange: "", routingKey: replyTo, mandatory: false)
            } catch {
                logger.warning("hangar.server_request.reply_failed", metadata: ["error": "\(error)"])
            }
            return .ack
        }
    }

    /// Declares the requests queue (waiting for the broker), then consumes it.
    public func run() async throws {
        let (connection, logger) = (connection, logger)
        do {
            try await cancelWhenGracefulShutdown {
                try await declareWhenReachable(HangarTopology.exchanges + HangarTopology.serverRequests, on: connection, logger: logger)
            }
        } catch is CancellationError {
            return
        }
        try await inner.run()
    }

    /// Asks the provider; every outcome becomes a reply.
    static func answer(_ request: ServerRequest, providers: ProviderRegistry, worker: String, timeout: Duration) async -> ServerReply {
        let provider: any Provider
        do {
            provider = try providers.provider(named: request.target.provider)
        } catch {
            return ServerReply(requestId: request.requestId, failure: .unsupported, error: error.description, worker: worker)
        }
        do {
            if let environmentAction = request.environmentAction {
                let lines = try await withDeadline(timeout) {
                    try await ProviderSpan.call(environmentAction.rawValue, provider: request.target.provider) {
                        try await provider.perform(environmentAction, of: request.target)
                    }
                }
                return ServerReply(requestId: request.requestId, worker: worker, lines: lines)
            }
            let servers = try await withDeadline(timeout) {
                if let action = request.action {
                    return [
                        try await ProviderSpan.call("perform", provider: request.target.provider) {
                            try await provider.perform(action, on: request.serverId ?? "", of: request.target)
                        }
                    ]
                }
                return try await ProviderSpan.call("servers", provider: request.target.provider) {
                    try await provider.servers(of: request.target)
                }
            }
            return ServerReply(requestId: request.requestId, servers: servers, worker: worker)
        } catch let error as ProviderUnsupportedError {
            return ServerReply(requestId: request.requestId, failure: .unsupported, error: error.description, worker: worker)
        } catch let error as SimulatedServerNotFound {
            return ServerReply(requestId: request.requestId, failure: .notFound, error: error.description, worker: worker)
        } catch {
            return ServerReply(requestId: request.requestId, failure: .failed, error: "\(error)", worker: worker)
        }
    }
}

struct ProviderTimedOut: Error, CustomStringConvertible {
    var timeout: Duration
    var description: String { "the provider did not answer within \(timeout)" }
}

/// Runs `body`, throwing ``ProviderTimedOut`` (and cancelling it) after `timeout`.
func withDeadline<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw ProviderTimedOut(timeout: timeout)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
