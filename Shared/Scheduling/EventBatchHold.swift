import Foundation
import HangarContracts
import HangarMessaging
import Synchronization

/// Holds the scheduler's event batches whose events can all wait (``EventBatch/canWait(type:)``)
/// for up to a window after the first of them, and sends them to the recorder as one message:
/// a deployment run one step at a time costs the broker and the recorder one delivery for its
/// whole run instead of one per scheduler transaction.
///
/// - A batch with an event that must not wait (a deployment's end, say) takes the held ones
///   with it, in their order, as one message; so does the window's close (the scheduler's
///   publisher calls ``flush(at:all:send:)``), a full hold (`maxHeldBytes`: a drain of scheduled
///   starts writes large batches, and one huge message would cost more than it saves), and a
///   graceful stop.
/// - Only the publishing waits: each batch's outbox row is written with its transaction, and
///   the merged message's entry stands for all their rows (``TransactionalOutbox/Entry/rows``),
///   deleted once the broker confirms it. A scheduler that dies holding batches leaves their
///   rows to the relay, which sends each on its own: the recorder drops the events it already
///   has, so nothing is lost and nothing is written twice.
/// - The other messages of a transaction (step commands, deployment events) go out at once:
///   the history of a running deployment may trail its steps by the window, as the recorder's
///   own window already lets it.
final class EventBatchHold: Sendable {
    /// How long the first held batch may wait; zero: none is held.
    let window: Duration
    /// How many bytes of batches are held at most: the batch that reaches it goes out with them.
    let maxHeldBytes: Int
    private let state = Mutex<(held: [TransactionalOutbox.Entry], bytes: Int, since: ContinuousClock.Instant?, closed: Bool)>(
        ([], 0, nil, false))

    /// A hold of `window` (zero: every batch goes out with its transaction) and `maxHeldBytes`.
    init(window: Duration, maxHeldBytes: Int = 256 * 1024) {
        self.window = window
        self.maxHeldBytes = maxHeldBytes
    }

    /// Sends, through `send`, what of a transaction's committed `entries` (its event batch
    /// first, when it has one) goes out now, in order: a batch that can wait is held, and one
    /// that cannot goes out merged with those held before it. Returns whether the hold was
    /// empty and now is not: the publisher has a window to watch.
    ///
    /// `send` runs under the hold's lock, as in ``flush(at:all:send:)``: held batches taken by a
    /// closing window reach the publisher before a later batch can pass them (an urgent batch
    /// handed over first once let the history show a deployment `succeeded` before its steps'
    /// events arrived). It must only hand the entries over, not wait.
    @discardableResult
    func route(
        _ entries: [TransactionalOutbox.Entry], at now: ContinuousClock.Instant, send: ([TransactionalOutbox.Entry]) -> Void
    ) -> Bool {
        guard window > .zero, let first = entries.first, case .eventBatch(let batch) = first.message else {
            send(entries)
            return false
        }
        let rest = Array(entries.dropFirst())
        return state.withLock { state in
            if state.closed {
                send(entries)
                return false
            }
            if batch.isUrgent || state.bytes + first.body.count >= maxHeldBytes {
                let held = state.held + [first]
                (state.held, state.bytes, state.since) = ([], 0, nil)
                send(Self.merged(held) + rest)
                return false
            }
            state.held.append(first)
            state.bytes += first.body.count
            send(rest)
            guard state.since == nil else { return false }
            state.since = now
            return true
        }
    }

    /// Whether a stop closed the hold (``flush(at:all:send:)``).
    var isClosed: Bool { state.withLock { $0.closed } }

    /// The outbox rows of the batches held now, which the relay leaves to the hold.
    var heldRows: Set<String> {
        state.withLock { state in Set(state.held.flatMap(\.rows)) }
    }

    /// When the oldest held batch's window closes; `nil` when none is held.
    var deadline: ContinuousClock.Instant? {
        state.withLock { state in state.since.map { $0 + window } }
    }

    /// Sends the held batches, merged, through `send` (under the hold's lock, see
    /// ``route(_:at:send:)``) when their window has closed at `now` or `all` is set (a stop:
    /// nothing is held after it, and later batches go out as they come).
    func flush(at now: ContinuousClock.Instant, all: Bool = false, send: ([TransactionalOutbox.Entry]) -> Void) {
        state.withLock { state in
            if all { state.closed = true }
            guard let since = state.since, all || now >= since + window else { return }
            let held = state.held
            (state.held, state.bytes, state.since) = ([], 0, nil)
            send(Self.merged(held))
        }
    }

    /// `entries` (event batches, in order) as one batch message standing for all their rows;
    /// a single one as it is. Should the merged batch not encode, they go out as they are.
    static func merged(_ entries: [TransactionalOutbox.Entry]) -> [TransactionalOutbox.Entry] {
        guard entries.count > 1 else { return entries }
        var items: [EventBatch.Item] = []
        for entry in entries {
            guard case .eventBatch(let batch) = entry.message else { return entries }
            items.append(contentsOf: batch.items)
        }
        let message = HangarMessage.eventBatch(EventBatch(items: items))
        guard let body = try? ContractCodec.encode(message) else { return entries }
        return [
            TransactionalOutbox.Entry(
                messageId: "events-\(UUID.v7(at: Date()).lowercasedString)", message: message, body: body, traceParent: nil,
                rows: entries.flatMap(\.rows))
        ]
    }
}
