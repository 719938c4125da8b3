import AMQPClient
import Logging
import ServiceLifecycle

/// Consumes a role's queue one message at a time (up to `concurrency` at once), decoding
/// each into a ``HangarMessage``. Undecodable messages are dead-lettered with their reason.
public struct ContractConsumerService: Service {
    public typealias Handler = @Sendable (IncomingMessage) async throws -> DeliveryOutcome

    private let inner: ConsumerService

    public init(
        connection: AMQPConnection, queue: String, prefetch: UInt16 = 32, concurrency: Int = 1, logger: Logger,
        handler: @escaping Handler
    ) {
        let deadLetterer = DeadLetterer(connection: connection, queue: queue)
        inner = ConsumerService(
            connection: connection, queue: queue, prefetch: prefetch, concurrency: concurrency, logger: logger
        ) { delivery in
            let incoming: IncomingMessage
            do {
                incoming = try IncomingMessage(delivery)
            } catch {
                await deadLetterer.deadLetter(delivery, reason: "\(error)")
                return .settled
            }
            return try await handler(incoming)
        }
    }

    public func run() async throws {
        try await inner.run()
    }
}
