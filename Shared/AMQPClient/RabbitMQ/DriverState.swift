import Foundation
import Synchronization

/// A publish waiting for the broker's confirm. Touched only on the I/O thread after submission.
final class PendingPublish: @unchecked Sendable {
    let exchange: String
    let routingKey: String
    let mandatory: Bool
    let message: Message
    let deadline: ContinuousClock.Instant
    private var completion: (@Sendable (Result<Void, AMQPError>) -> Void)?
    /// The delivery tag on the current publish channel, once sent.
    var tag: UInt64 = 0
    /// Set when the broker returned the message as unroutable (before its ack).
    var returned: AMQPError?

    init(
        exchange: String, routingKey: String, mandatory: Bool, message: Message, deadline: ContinuousClock.Instant,
        completion: @escaping @Sendable (Result<Void, AMQPError>) -> Void
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.mandatory = mandatory
        self.message = message
        self.deadline = deadline
        self.completion = completion
    }

    var isDone: Bool { completion == nil }

    func succeed() {
        if let returned {
            fail(returned)
        } else {
            complete(.success(()))
        }
    }

    func fail(_ error: AMQPError) {
        complete(.failure(error))
    }

    private func complete(_ result: Result<Void, AMQPError>) {
        let completion = completion
        self.completion = nil
        completion?(result)
    }
}

/// A consumer registered on the connection. Touched only on the I/O thread after submission.
final class ConsumerRecord: @unchecked Sendable {
    enum State {
        /// Registered; `basic.consume` not yet confirmed on the current connection.
        case pending
        /// Receiving deliveries.
        case active
        /// Cancelled by the application or the broker; its stream is finished.
        case cancelled
    }

    let id: Int
    let queue: String
    let prefetch: UInt16
    let arguments: [String: FieldValue]
    let stream: AsyncThrowingStream<Delivery, any Error>.Continuation
    var state: State = .pending
    var channel: UInt16 = 0
    var generation: UInt64 = 0
    var consumerTag = ""
    /// Valid while the current channel is open; deliveries check it before settling.
    var lease = ChannelLease()
    /// Deliveries on the current channel not yet settled.
    var unsettled = UnsettledTags()

    init(
        id: Int, queue: String, prefetch: UInt16, arguments: [String: FieldValue],
        stream: AsyncThrowingStream<Delivery, any Error>.Continuation
    ) {
        self.id = id
        self.queue = queue
        self.prefetch = prefetch
        self.arguments = arguments
        self.stream = stream
    }

    /// Marks the channel gone: settling its deliveries now throws `staleDelivery`.
    func invalidateLease() {
        lease.invalidate()
    }

    func finish(throwing error: AMQPError? = nil) {
        state = .cancelled
        stream.finish(throwing: error)
    }
}

/// Work handed from Swift tasks to the I/O thread.
enum Command: @unchecked Sendable {
    case publish(PendingPublish)
    /// Acks, nacks or rejects a delivery. Nobody waits for it: acks are coalesced.
    case settle(channel: UInt16, generation: UInt64, tag: UInt64, Settlement)
    case declare(Topology, deadline: ContinuousClock.Instant, CheckedContinuation<Void, any Error>)
    case consume(ConsumerRecord, deadline: ContinuousClock.Instant, CheckedContinuation<Void, any Error>)
    /// Stops deliveries to the consumer (`basic.cancel`); its channel stays open for settling.
    case cancel(consumerID: Int, CheckedContinuation<Void, any Error>?)
    /// Closes the consumer's channel; unsettled deliveries return to the queue.
    case release(consumerID: Int, CheckedContinuation<Void, any Error>?)
    /// A synchronous operation on the control channel.
    case operation(ControlOperation)
    case close(CheckedContinuation<Void, Never>)

    /// Resolves the command's caller with `error` without doing it.
    func fail(_ error: AMQPError) {
        switch self {
        case .publish(let pending): pending.fail(error)
        case .settle: break
        case .declare(_, _, let continuation): continuation.resume(throwing: error)
        case .consume(let record, _, let continuation):
            record.finish(throwing: error)
            continuation.resume(throwing: error)
        case .cancel(_, let continuation), .release(_, let continuation): continuation?.resume()
        case .operation(let operation): operation.fail(error)
        case .close(let continuation): continuation.resume()
        }
    }

    /// When the command gives up waiting for a connection.
    var deadline: ContinuousClock.Instant? {
        switch self {
        case .publish(let pending): return pending.deadline
        case .declare(_, let deadline, _), .consume(_, let deadline, _): return deadline
        case .operation(let operation): return operation.deadline
        default: return nil
        }
    }
}

/// A one-off synchronous broker operation (delete a queue, count its messages) run on the
/// control channel.
struct ControlOperation: @unchecked Sendable {
    let deadline: ContinuousClock.Instant
    let run: (Session, UInt16) throws -> Void
    let fail: (AMQPError) -> Void
}

/// Whether a consumer's channel is still the one its deliveries came on. Shared between the
/// I/O thread (which invalidates it) and the tasks settling deliveries.
final class ChannelLease: Sendable {
    private let open = Atomic<Bool>(true)

    var isOpen: Bool { open.load(ordering: .acquiring) }

    func invalidate() { open.store(false, ordering: .releasing) }
}
