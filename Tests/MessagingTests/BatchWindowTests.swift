import Synchronization
import Testing

@testable import HangarMessaging

@Suite("Batch window")
struct BatchWindowTests {
    private let start = ContinuousClock.now

    private func decide(
        held: Int, urgent: Bool = false, oldestAt: Duration = .zero, finished: Bool = false, maxBatch: Int = 10,
        window: Duration? = .milliseconds(50), at now: Duration
    ) -> BatchWindow.Decision {
        BatchWindow.decide(
            held: held, urgent: urgent, oldest: held > 0 ? start + oldestAt : nil, finished: finished, maxBatch: maxBatch,
            window: window, now: start + now)
    }

    @Test("without a window, or with one of zero, everything held is taken as it comes, up to a batch")
    func noWindow() {
        #expect(decide(held: 3, window: nil, at: .zero) == .take(count: 3))
        #expect(decide(held: 30, window: nil, at: .zero) == .take(count: 10))
        #expect(decide(held: 3, window: .zero, at: .zero) == .take(count: 3), "a window of zero holds nothing")
        #expect(decide(held: 0, window: nil, at: .zero) == .wait)
        #expect(decide(held: 0, finished: true, window: nil, at: .zero) == .finished)
    }

    @Test("what is not urgent waits until the window after the oldest closes")
    func holds() {
        #expect(decide(held: 1, at: .zero) == .waitUntil(start + .milliseconds(50)))
        #expect(decide(held: 4, oldestAt: .milliseconds(10), at: .milliseconds(40)) == .waitUntil(start + .milliseconds(60)))
        #expect(decide(held: 4, oldestAt: .milliseconds(10), at: .milliseconds(60)) == .take(count: 4))
        #expect(decide(held: 4, oldestAt: .milliseconds(10), at: .milliseconds(75)) == .take(count: 4))
    }

    @Test("an urgent delivery, a full batch or the end hands over at once")
    func endsEarly() {
        #expect(decide(held: 4, urgent: true, at: .milliseconds(1)) == .take(count: 4))
        #expect(decide(held: 10, at: .milliseconds(1)) == .take(count: 10))
        #expect(decide(held: 12, at: .milliseconds(1)) == .take(count: 10))
        #expect(decide(held: 4, finished: true, at: .milliseconds(1)) == .take(count: 4))
        #expect(decide(held: 0, finished: true, at: .milliseconds(1)) == .finished)
    }

    // The buffer itself, with a window of an hour: each of these returns only if it hands
    // over without waiting for the window.

    @Test("the buffer hands over what it held once an urgent one comes, in arrival order", .timeLimit(.minutes(1)))
    func bufferUrgent() async {
        let buffer = DeliveryBuffer<Int>(window: .seconds(3600))
        buffer.append(1, urgent: false)
        buffer.append(2, urgent: false)
        buffer.append(3, urgent: true)
        buffer.append(4, urgent: false)
        #expect(await buffer.next(max: 10) == [1, 2, 3, 4])
    }

    @Test("a taker waiting on the window is woken by an urgent delivery, not by one that can wait", .timeLimit(.minutes(1)))
    func bufferWakes() async {
        let buffer = DeliveryBuffer<Int>(window: .seconds(3600))
        buffer.append(1, urgent: false)
        let taken = Mutex<[Int]?>(nil)
        let taker = Task {
            let batch = await buffer.next(max: 10)
            taken.withLock { $0 = batch }
        }
        buffer.append(2, urgent: false)
        await Task.yield()
        #expect(taken.withLock { $0 } == nil, "nothing urgent came: the window holds")
        buffer.append(3, urgent: true)
        await taker.value
        #expect(taken.withLock { $0 } == [1, 2, 3])
    }

    @Test("a full batch goes at once and the rest stays held; the end hands everything over", .timeLimit(.minutes(1)))
    func bufferFullAndFinished() async {
        let buffer = DeliveryBuffer<Int>(window: .seconds(3600))
        for value in 1...5 { buffer.append(value, urgent: false) }
        #expect(await buffer.next(max: 3) == [1, 2, 3])
        buffer.finish()
        #expect(await buffer.next(max: 3) == [4, 5])
        #expect(await buffer.next(max: 3) == nil)
    }

    @Test("with a short window, what can wait is handed over once it closes", .timeLimit(.minutes(1)))
    func bufferWindowCloses() async {
        let buffer = DeliveryBuffer<Int>(window: .milliseconds(5))
        buffer.append(1, urgent: false)
        buffer.append(2, urgent: false)
        #expect(await buffer.next(max: 10) == [1, 2])
    }
}
