import Foundation
import HangarContracts
import HangarMessaging
import Synchronization
import Testing

@testable import HangarScheduling

/// The event batches the scheduler holds to send as one (``EventBatchHold``), on instants the
/// test chooses.
@Suite("Scheduler: event batches held to go out as one")
struct EventBatchHoldTests {
    static let start = ContinuousClock.now

    /// A transaction's batch of `count` step events (urgent: a deployment's end after them).
    static func batch(_ name: String, count: Int = 1, urgent: Bool = false) throws -> TransactionalOutbox.Entry {
        var items = (0..<count).map { index in
            EventBatch.Item(
                messageId: "\(name).\(index)",
                message: .stepEvent(
                    StepEvent(kind: .succeeded, deploymentId: UUID(), step: .validate, attempt: 1, dispatchId: UUID(), at: Date())))
        }
        if urgent {
            let end = DeploymentEvent(
                status: .succeeded, deploymentId: UUID(), environmentId: UUID(), environmentName: "web", version: nil, owner: "ci",
                at: Date(), createdAt: Date(), scheduledAt: nil, mode: .standard, options: DeploymentOptions(), notify: [])
            items.append(EventBatch.Item(messageId: "\(name).end", message: .deploymentEvent(end)))
        }
        let message = HangarMessage.eventBatch(EventBatch(items: items))
        return TransactionalOutbox.Entry(messageId: name, message: message, body: try ContractCodec.encode(message))
    }

    static let command = TransactionalOutbox.Entry(
        messageId: "execute-1", message: .cancelDeployment(CancelDeployment(deploymentId: UUID(), requestedBy: "ci", requestedAt: Date())),
        body: Array("{}".utf8))

    /// What `route` sends now, and whether it started holding.
    static func route(
        _ hold: EventBatchHold, _ entries: [TransactionalOutbox.Entry], at now: ContinuousClock.Instant
    ) -> (publish: [TransactionalOutbox.Entry], startedHolding: Bool) {
        var sent: [TransactionalOutbox.Entry] = []
        let started = hold.route(entries, at: now) { sent += $0 }
        return (sent, started)
    }

    /// What `flush` sends.
    static func flush(_ hold: EventBatchHold, at now: ContinuousClock.Instant, all: Bool = false) -> [TransactionalOutbox.Entry] {
        var sent: [TransactionalOutbox.Entry] = []
        hold.flush(at: now, all: all) { sent += $0 }
        return sent
    }

    /// The event ids a published entry carries, read back from its body as the recorder reads it.
    static func eventIds(_ entry: TransactionalOutbox.Entry) throws -> [String] {
        guard case .eventBatch(let batch) = try ContractCodec.decode(type: entry.message.type, schemaVersion: 1, body: entry.body) else {
            return []
        }
        return batch.items.map(\.messageId)
    }

    @Test("batches that can wait are held and the transaction's other messages go out; one that cannot takes the held ones with it, in order")
    func urgentTakesHeld() throws {
        let hold = EventBatchHold(window: .milliseconds(50))
        let first = Self.route(hold, [try Self.batch("a", count: 2), Self.command], at: Self.start)
        #expect(first.publish.map(\.messageId) == ["execute-1"] && first.startedHolding)
        let second = Self.route(hold, [try Self.batch("b")], at: Self.start + .milliseconds(10))
        #expect(second.publish.isEmpty && !second.startedHolding, "the window runs from the first")
        #expect(hold.heldRows == ["a", "b"], "the relay leaves these to the hold")
        let end = Self.route(hold, [try Self.batch("c", urgent: true), Self.command], at: Self.start + .milliseconds(20))
        #expect(end.publish.count == 2 && end.publish[1].messageId == "execute-1")
        let merged = try #require(end.publish.first)
        #expect(merged.rows == ["a", "b", "c"], "the merged message stands for the three rows")
        #expect(merged.message.type == EventBatch.urgentMessageType)
        #expect(try Self.eventIds(merged) == ["a.0", "a.1", "b.0", "c.0", "c.end"])
        #expect(hold.deadline == nil, "nothing is held after it")
    }

    @Test("held batches go out once their window closes, not before")
    func windowCloses() throws {
        let hold = EventBatchHold(window: .milliseconds(50))
        _ = Self.route(hold, [try Self.batch("a")], at: Self.start)
        _ = Self.route(hold, [try Self.batch("b")], at: Self.start + .milliseconds(30))
        #expect(hold.deadline == Self.start + .milliseconds(50))
        #expect(Self.flush(hold, at: Self.start + .milliseconds(49)).isEmpty)
        let due = Self.flush(hold, at: Self.start + .milliseconds(50))
        #expect(due.count == 1 && due.first?.rows == ["a", "b"])
        #expect(due.first?.message.type == EventBatch.messageType, "events that can wait keep the type that says so")
        #expect(try due.first.map(Self.eventIds) == ["a.0", "b.0"])
        #expect(Self.flush(hold, at: Self.start + .seconds(1)).isEmpty && hold.deadline == nil)

        // One batch alone goes out as it is.
        _ = Self.route(hold, [try Self.batch("c")], at: Self.start + .seconds(2))
        #expect(Self.flush(hold, at: Self.start + .seconds(3)).map(\.messageId) == ["c"])
    }

    @Test("a full hold goes out; a stop sends what is held and holds nothing after it; a zero window holds nothing")
    func fullStopAndZero() throws {
        let size = try Self.batch("z").body.count  // as long as each of a, b and c
        let hold = EventBatchHold(window: .milliseconds(50), maxHeldBytes: size * 3)
        _ = Self.route(hold, [try Self.batch("a")], at: Self.start)
        _ = Self.route(hold, [try Self.batch("b")], at: Self.start)
        let third = Self.route(hold, [try Self.batch("c")], at: Self.start)
        #expect(third.publish.first?.rows == ["a", "b", "c"])

        _ = Self.route(hold, [try Self.batch("d")], at: Self.start)
        #expect(!hold.isClosed)
        #expect(Self.flush(hold, at: Self.start, all: true).map(\.rows) == [["d"]])
        #expect(hold.isClosed)
        #expect(Self.route(hold, [try Self.batch("e"), Self.command], at: Self.start).publish.map(\.messageId) == ["e", "execute-1"])

        let none = EventBatchHold(window: .zero)
        #expect(Self.route(none, [try Self.batch("f")], at: Self.start).publish.map(\.messageId) == ["f"])
        #expect(Self.route(none, [Self.command], at: Self.start).publish.map(\.messageId) == ["execute-1"])
    }

    @Test("a window closing on another thread never lets a later batch out ahead of the batches it took")
    func orderAcrossThreads() throws {
        let hold = EventBatchHold(window: .milliseconds(50))
        let batches = try (0..<2_000).map { index in try Self.batch("t\(index)", urgent: index % 7 == 6) }
        let sent = Mutex<[String]>([])
        let routed = Atomic<Bool>(false)
        let record: @Sendable ([TransactionalOutbox.Entry]) -> Void = { entries in
            let ids = entries.flatMap { (try? Self.eventIds($0)) ?? [] }
            sent.withLock { $0 += ids }
        }
        // One thread commits transactions while another closes windows as fast as it can (every
        // window is over at the instant it passes), as the scheduler's publisher does.
        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            if thread == 0 {
                for batch in batches { hold.route([batch], at: Self.start, send: record) }
                routed.store(true, ordering: .releasing)
            } else {
                while !routed.load(ordering: .acquiring) { hold.flush(at: Self.start + .seconds(1), send: record) }
            }
        }
        hold.flush(at: Self.start, all: true, send: record)
        let expected = try batches.flatMap(Self.eventIds)
        let got = sent.withLock { $0 }
        let firstOutOfOrder = zip(got, expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(got.count == expected.count)
        #expect(firstOutOfOrder == nil, "event \(firstOutOfOrder?.offset ?? 0) out of order: \(firstOutOfOrder.map { "\($0.element)" } ?? "")")
    }
}
