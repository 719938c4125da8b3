import AMQPClient
import Synchronization

/// How long a ``BatchConsumerService`` may hold deliveries that need not be handled at once,
/// so that they are handled in one batch with those that follow.
///
/// A delivery that is not urgent waits at most `duration` after the oldest one held arrived;
/// an urgent one, a full batch or a graceful shutdown hands over everything held at once. The
/// recorder, for example, holds a running deployment's step events until the deployment's
/// next lifecycle event (its end, for a quick one), and writes them in one transaction
/// instead of one each. Held deliveries are not acked: a crash delivers them again.
public struct BatchWindow: Sendable {
    /// The longest a delivery that is not urgent waits for others; `.zero`: none waits.
    public var duration: Duration
    /// Whether a delivery must be handled at once, with everything held before it.
    public var isUrgent: @Sendable (Delivery) -> Bool

    /// A window of `duration`; `isUrgent` says which deliveries end it early.
    public init(duration: Duration, isUrgent: @escaping @Sendable (Delivery) -> Bool) {
        self.duration = duration
        self.isUrgent = isUrgent
    }

    /// What the consumer's taker does next.
    enum Decision: Equatable {
        /// Hands over the first `count` deliveries held.
        case take(count: Int)
        /// Waits for the next delivery (it holds none).
        case wait
        /// Waits for more until the window closes at this instant, or an urgent one comes.
        case waitUntil(ContinuousClock.Instant)
        /// Stops: nothing is held and nothing more will come.
        case finished
    }

    /// Whether the consumer hands over what it holds now or waits, and until when. `held`: how
    /// many it holds, `urgent` whether one of them is urgent, `oldest` when the first arrived,
    /// `finished` whether no more will come, `window` the window (`nil`: every delivery is
    /// handed over as it comes).
    static func decide(
        held: Int, urgent: Bool, oldest: ContinuousClock.Instant?, finished: Bool, maxBatch: Int, window: Duration?,
        now: ContinuousClock.Instant
    ) -> Decision {
        guard held > 0, let oldest else { return finished ? .finished : .wait }
        let count = min(maxBatch, held)
        guard let window, !finished, !urgent, held < maxBatch else { return .take(count: count) }
        let deadline = oldest.advanced(by: window)
        return now >= deadline ? .take(count: count) : .waitUntil(deadline)
    }
}

/// Deliveries received and not yet taken, with a wake-up for the one waiting taker; with a
/// ``BatchWindow``, what is not urgent is held until the window closes.
final class DeliveryBuffer<Element: Sendable>: Sendable {
    private struct Held {
        var element: Element
        var urgent: Bool
        var arrived: ContinuousClock.Instant
    }

    private struct State {
        var items: [Held] = []
        var urgentCount = 0
        var finished = false
        /// The batch size of a taker that waits for its window to close: a delivery that is
        /// not urgent and does not fill the batch changes nothing for it, so it is not woken.
        var holdingFor: Int?
    }

    private let state = Mutex(State())
    /// Wakes the taker; a wake-up while it is busy is kept for its next wait.
    private let wake = WakeSignal()
    private let window: Duration?

    /// A buffer that holds what is not urgent up to `window` (`nil`: nothing is held).
    init(window: Duration? = nil) {
        self.window = window
    }

    func append(_ element: Element, urgent: Bool = true) {
        let now = ContinuousClock.now
        let wakes = state.withLock { state -> Bool in
            state.items.append(Held(element: element, urgent: urgent, arrived: now))
            if urgent { state.urgentCount += 1 }
            return urgent || state.items.count >= (state.holdingFor ?? 0)
        }
        if wakes { wake.signal() }
    }

    func finish() {
        state.withLock { $0.finished = true }
        wake.signal()
    }

    /// Up to `max` deliveries, once one is there and the window (if any) lets them go; `nil`
    /// when finished and empty. Cancellation changes nothing: ``finish()`` ends it.
    func next(max: Int) async -> [Element]? {
        while true {
            let (decision, taken) = state.withLock { state -> (BatchWindow.Decision, [Element]) in
                let decision = BatchWindow.decide(
                    held: state.items.count, urgent: state.urgentCount > 0, oldest: state.items.first?.arrived,
                    finished: state.finished, maxBatch: max, window: window, now: .now)
                guard case .take(let count) = decision else {
                    if case .waitUntil = decision { state.holdingFor = max } else { state.holdingFor = nil }
                    return (decision, [])
                }
                state.holdingFor = nil
                let batch = state.items.prefix(count)
                state.urgentCount -= batch.count { $0.urgent }
                state.items.removeFirst(count)
                return (decision, batch.map(\.element))
            }
            switch decision {
            case .take: return taken
            case .finished: return nil
            case .wait: await wake.wait()
            case .waitUntil(let deadline):
                // In a task of its own, which the taker's cancellation does not reach: the
                // window still closes on time.
                await Task { [wake] in await wake.wait(timeout: deadline - .now) }.value
            }
        }
    }
}
