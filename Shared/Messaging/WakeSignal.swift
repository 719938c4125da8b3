import Synchronization

/// A wake-up flag one loop waits on, with a timeout or without: the scheduler's timer loop,
/// the notifier's sender, a batch consumer's taker. A signal while nobody waits is kept for the next wait. One waiter at a
/// time: each of those loops is the only one waiting on its signal.
///
/// Each wait has an id. Its timer and its cancellation handler end that wait by id, so a
/// timer that fires before the waiter has registered still ends it (the waiter sees its
/// id as expired when it registers), and an old wait's timer never ends a newer one.
public final class WakeSignal: Sendable {
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var pending = false
        var waiter: Waiter?
        var nextId: UInt64 = 0
        /// The id of a wait that ran out (or was cancelled) before its waiter registered.
        var expired: UInt64?
    }

    private let state = Mutex(State())

    /// A signal with no wake-up pending and nobody waiting.
    public init() {}

    /// Wakes the waiter, or the next wait if none is waiting.
    public func signal() {
        let waiter = state.withLock { state -> Waiter? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.continuation.resume()
    }

    /// Returns when notified (or already notified since the last wait). Cancellation does not
    /// end it: whoever cancels signals too (the batch consumer's buffer, when it finishes).
    public func wait() async {
        guard let id = begin() else { return }
        await registered(id)
    }

    /// Returns when notified (or already notified since the last wait), after `timeout`,
    /// or on cancellation.
    public func wait(timeout: Duration) async {
        guard let id = begin() else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.end(id)
            }
            await withTaskCancellationHandler {
                await registered(id)
            } onCancel: {
                self.end(id)
            }
            group.cancelAll()
        }
    }

    /// Takes a pending signal (`nil`: return at once), or numbers a new wait.
    private func begin() -> UInt64? {
        state.withLock { state -> UInt64? in
            if state.pending {
                state.pending = false
                return nil
            }
            state.nextId &+= 1
            return state.nextId
        }
    }

    /// Waits as `id` until a signal or ``end(_:)`` resumes it.
    private func registered(_ id: UInt64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.pending || state.expired == id {
                    state.pending = false
                    state.expired = nil
                    return true
                }
                state.waiter = Waiter(id: id, continuation: continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Ends wait `id`: resumes it if it is registered, else marks it expired so it returns
    /// as soon as it registers. Does nothing to any other wait.
    private func end(_ id: UInt64) {
        let waiter = state.withLock { state -> Waiter? in
            if let waiter = state.waiter {
                guard waiter.id == id else { return nil }
                state.waiter = nil
                return waiter
            }
            state.expired = id
            return nil
        }
        waiter?.continuation.resume()
    }
}
