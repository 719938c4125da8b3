import HangarMessaging
import Synchronization
import Testing

@Suite("WakeSignal")
struct WakeSignalTests {
    /// Runs `operation` in its own task and tells whether it returned within `limit`; a hung
    /// operation is left behind, so the test fails instead of hanging the run.
    private func returns(within limit: Duration, _ operation: @escaping @Sendable () async -> Void) async -> Bool {
        let done = Mutex(false)
        Task {
            await operation()
            done.withLock { $0 = true }
        }
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if done.withLock({ $0 }) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return done.withLock { $0 }
    }

    @Test("a wait whose time runs out returns, however short the time (no lost wake-up)")
    func timeoutsAlwaysReturn() async {
        let signal = WakeSignal()
        // Very short timeouts make the timer finish before the waiter is registered: each of
        // these waits must still return.
        let finished = await returns(within: .seconds(60)) {
            for round in 0..<5_000 {
                await signal.wait(timeout: .nanoseconds(round % 3))
            }
        }
        #expect(finished, "a wait never returned")
    }

    @Test("a signal wakes the waiter at once; a signal with nobody waiting is kept for the next wait")
    func signalWakes() async {
        let signal = WakeSignal()
        signal.signal()
        let clock = ContinuousClock()
        let kept = await clock.measure { await signal.wait(timeout: .seconds(30)) }
        #expect(kept < .seconds(10))

        let waiter = Task { await clock.measure { await signal.wait(timeout: .seconds(30)) } }
        try? await Task.sleep(for: .milliseconds(50))
        signal.signal()
        #expect(await waiter.value < .seconds(10))
    }

    @Test("a cancelled wait returns")
    func cancelledWaitReturns() async {
        let signal = WakeSignal()
        let finished = await returns(within: .seconds(60)) {
            let waiter = Task { await signal.wait(timeout: .seconds(3600)) }
            try? await Task.sleep(for: .milliseconds(20))
            waiter.cancel()
            await waiter.value
        }
        #expect(finished, "a cancelled wait never returned")
        // Cancelled before it starts, too.
        let finishedEarly = await returns(within: .seconds(60)) {
            await withTaskGroup(of: Void.self) { group in
                group.cancelAll()
                group.addTask { await signal.wait(timeout: .seconds(3600)) }
            }
        }
        #expect(finishedEarly, "a wait in a cancelled task never returned")
    }
}
