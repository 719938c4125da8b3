import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import Synchronization
import Tracing

/// Intake's side of the server request/reply: publishes a ``ServerRequest`` to
/// `hangar.commands` with `reply_to` = this process's reply queue and waits, up to a time
/// limit, for the ``ServerReply`` with the same `correlation_id`.
final class ServerRequester: Sendable {
    let connection: AMQPConnection
    /// This process's reply queue (see ``HangarTopology/privateQueue(_:bindings:)``).
    let replyQueue: String
    let timeout: Duration
    private let pending = Mutex<[String: AsyncStream<ServerReply>.Continuation]>([:])

    init(connection: AMQPConnection, replyQueue: String, timeout: Duration) {
        self.connection = connection
        self.replyQueue = replyQueue
        self.timeout = timeout
    }

    enum Failure: Error {
        /// No worker answered in time.
        case timedOut(Duration)
        /// The request could not be published (broker down, no requests queue).
        case notSent(String)
    }

    func ask(_ request: ServerRequest) async throws -> ServerReply {
        let key = request.requestId.uuidString.lowercased()
        let (stream, continuation) = AsyncStream<ServerReply>.makeStream(bufferingPolicy: .bufferingNewest(1))
        pending.withLock { $0[key] = continuation }
        defer { _ = pending.withLock { $0.removeValue(forKey: key) } }
        let milliseconds = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        var message = Message(
            body: Array(try HangarJSON.encoder.encode(request)), contentType: "application/json", correlationId: key,
            type: request.messageType, persistent: false, timestamp: Date(), appId: "hangar-intake", replyTo: replyQueue,
            expiration: String(max(1, milliseconds)))
        if let context = ServiceContext.current { TraceHeaders.inject(context, into: &message.headers) }
        do {
            try await connection.publish(message, exchange: HangarTopology.commands, routingKey: request.messageType)
        } catch {
            throw Failure.notSent("\(error)")
        }
        let timeout = self.timeout
        let reply = try await withThrowingTaskGroup(of: ServerReply?.self) { group in
            group.addTask {
                for await reply in stream { return reply }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let reply else { throw Failure.timedOut(timeout) }
        return reply
    }

    /// Hands a delivery from the reply queue to whoever waits for it; late replies are dropped.
    func deliver(_ delivery: Delivery) {
        guard let key = delivery.message.correlationId,
            let reply = try? HangarJSON.decoder.decode(ServerReply.self, from: Data(delivery.message.body))
        else { return }
        let continuation = pending.withLock { $0.removeValue(forKey: key) }
        continuation?.yield(reply)
        continuation?.finish()
    }
}

extension ServerRequest {
    /// A request about `environment`'s servers, with its provider target, that workers drop
    /// after `expiresIn` seconds.
    init(
        _ environment: EnvironmentResource, action: ServerAction? = nil, serverId: String? = nil, environmentAction: EnvironmentCloudAction? = nil,
        requestedBy: String, expiresIn: TimeInterval
    ) {
        self.init(
            environmentId: environment.id, environmentName: environment.name,
            target: ProviderTarget(provider: environment.provider, settings: environment.target, environmentId: environment.id),
            action: action, serverId: serverId, environmentAction: environmentAction, requestedBy: requestedBy,
            expiresAt: Date().addingTimeInterval(expiresIn))
    }
}
