/// Deliveries from one queue, as an `AsyncSequence`. It ends after ``cancel()``, and throws
/// if the broker cancels the consumer. Settle every delivery, then call ``close()``.
public struct AMQPConsumer: AsyncSequence, Sendable {
    /// Each element is one ``Delivery``, to settle with ``Delivery/ack()``, ``Delivery/nack(requeue:)`` or ``Delivery/reject()``.
    public typealias Element = Delivery

    /// The queue consumed.
    public let queue: String
    let id: Int
    let stream: AsyncThrowingStream<Delivery, any Error>
    let driver: ConnectionDriver

    init(id: Int, queue: String, stream: AsyncThrowingStream<Delivery, any Error>, driver: ConnectionDriver) {
        self.id = id
        self.queue = queue
        self.stream = stream
        self.driver = driver
    }

    /// Iterates the deliveries as the connection's I/O thread receives them; it throws if the broker
    /// cancels the consumer.
    public func makeAsyncIterator() -> AsyncThrowingStream<Delivery, any Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }

    /// Stops new deliveries (a synchronous `basic.cancel`). Deliveries already received are
    /// still yielded, then the sequence ends; the channel stays open so they can be settled.
    public func cancel() async {
        try? await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            driver.submit(.cancel(consumerID: id, continuation))
        }
    }

    /// Requests ``cancel()`` without waiting (for synchronous shutdown handlers).
    public func requestCancel() {
        driver.submit(.cancel(consumerID: id, nil))
    }

    /// Cancels if needed and closes the consumer's channel: deliveries not yet settled go
    /// back to the queue.
    public func close() async {
        try? await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            driver.submit(.release(consumerID: id, continuation))
        }
    }

}
