import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import Synchronization
import Tracing

/// Intake's side of request/reply over the broker: publishes a question to `hangar.commands`
/// with `reply_to` = this process's reply queue and waits, up to a time limit, for the answer
/// with the same `correlation_id`. The workers answer ``ServerRequest``s, the scheduler
/// ``ReconnectionQuotaQuery``s.
final class ServerRequester: Sendable {
    let connection: AMQPConnection
    /// This process's reply queue (see ``HangarTopology/privateQueue(_:bindings:)``).
    let replyQueue: String
    let timeout: Duration
    /// The bodies of the answers awaited, by correlation id.
    private let pending = Mutex<[String: AsyncStream<[UInt8]>.Continuation]>([:])

    init(connection: AMQPConnection, replyQueue: String, timeout: Duration) {
        self.connection = connection
        self.replyQueue = replyQueue
        self.timeout = timeout
    }

    enum Failure: Error {
        /// Nobody answered in time.
        case timedOut(Duration)
        /// The question could not be published (broker down, no queue bound for it).
        case notSent(String)
        /// The answer did not decode.
        case malformed(String)
    }

    /// Asks a worker about an environment's servers (it expires for the broker at the time limit).
    func ask(_ request: ServerRequest) async throws -> ServerReply {
        try await ask(
            body: try HangarJSON.encoder.encode(request), type: request.messageType, key: request.requestId.lowercasedString,
            timeout: timeout, expires: true)
    }

    /// Asks the scheduler whether an environment's reconnection quota has room, waiting at most
    /// `timeout`. No broker expiry: the scheduler's queue would dead-letter an expired question;
    /// the scheduler drops it past its `expiresAt` instead.
    func ask(_ query: ReconnectionQuotaQuery, timeout: Duration) async throws -> ReconnectionQuotaReply {
        try await ask(
            body: try HangarJSON.encoder.encode(query), type: ReconnectionQuotaQuery.messageType, key: query.requestId.lowercasedString,
            timeout: timeout, expires: false)
    }

    private func ask<Reply: Decodable>(body: Data, type: String, key: String, timeout: Duration, expires: Bool) async throws -> Reply {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(1))
        pending.withLock { $0[key] = continuation }
        defer { _ = pending.withLock { $0.removeValue(forKey: key) } }
        let milliseconds = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        var message = Message(
            body: Array(body), contentType: "application/json", correlationId: key, type: type, persistent: false, timestamp: Date(),
            appId: "hangar-intake", replyTo: replyQueue, expiration: expires ? String(max(1, milliseconds)) : nil)
        if let context = ServiceContext.current { TraceHeaders.inject(context, into: &message.headers) }
        do {
            try await connection.publish(message, exchange: HangarTopology.commands, routingKey: type)
        } catch {
            throw Failure.notSent("\(error)")
        }
        let answer = try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask {
                for await body in stream { return body }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let answer else { throw Failure.timedOut(timeout) }
        do {
            return try HangarJSON.decoder.decode(Reply.self, from: Data(answer))
        } catch {
            throw Failure.malformed("\(error)")
        }
    }

    /// Hands a delivery from the reply queue to whoever waits for it; late replies are dropped.
    func deliver(_ delivery: Delivery) {
        guard let key = delivery.message.correlationId else { return }
        let continuation = pending.withLock { $0.removeValue(forKey: key) }
        continuation?.yield(delivery.message.body)
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
