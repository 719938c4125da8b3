import Foundation
import HangarContracts
import HangarMessaging
import Logging
import Synchronization
import Testing

@testable import HangarScheduling

/// The recorder's events come in one ``EventBatch`` per scheduler transaction, written to the
/// outbox with the transaction: the step events it took in, as the workers wrote them, then
/// the events it published.
@Suite("Scheduler: event batches for the recorder")
struct EventBatchOutboxTests {
    @Test("one batch per transaction: the step event as it came, then the events it led to; urgent with a deployment's end")
    func batchPerTransaction() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit()
            var seen = Set(try await harness.batches().map(\.messageId))
            let started = try await harness.batches()
            #expect(started.count == 1 && started[0].message.type == EventBatch.messageType)
            #expect(started.first.map(items)?.map(\.message.type) == ["deployment.running"])

            // The steps up to the last, each answered by a worker that writes its JSON with spaces.
            for _ in StepName.allCases {
                let state = try await harness.state(id)
                let dispatch = try #require(state.dispatchId)
                let event = StepEvent(
                    kind: .succeeded, deploymentId: id, step: try #require(StepName(rawValue: state.step)), attempt: state.attempt,
                    dispatchId: dispatch, at: harness.clock.now, outputs: ["k": "v"], worker: "worker-1")
                let body = Array(
                    String(decoding: try ContractCodec.encode(.stepEvent(event)), as: UTF8.self).replacingOccurrences(of: ",", with: ", ").utf8)
                let messageId = "\(dispatch).a1.p0.outcome"
                try await harness.engine.handle([.init(messageId: messageId, message: .stepEvent(event), body: body)])

                let new = try await harness.batches().filter { !seen.contains($0.messageId) }
                seen.formUnion(new.map(\.messageId))
                #expect(new.count == 1, "one batch for the transaction")
                guard let batch = new.first else { continue }
                let types = items(batch).map(\.message.type)
                #expect(items(batch).first?.messageId == messageId && types.first == "step.succeeded", "the step event first: \(types)")
                #expect(String(decoding: batch.body, as: UTF8.self).contains(String(decoding: body, as: UTF8.self)), "its body as it came")
                if event.step == .finalize {
                    #expect(types == ["step.succeeded", "deployment.succeeded"])
                    #expect(batch.message.type == EventBatch.urgentMessageType, "a deployment's end is written at once")
                } else {
                    #expect(types == ["step.succeeded"])
                    #expect(batch.message.type == EventBatch.messageType)
                }

                // The same event again (a redelivery) is skipped: no batch.
                try await harness.engine.handle([.init(messageId: messageId, message: .stepEvent(event), body: body)])
                #expect(try await harness.batches().count == seen.count, "a duplicate adds nothing")
            }
        }
    }

    @Test("an answer to an old dispatch changes nothing but still goes to the recorder, which shows replaced attempts")
    func staleAnswerForwarded() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit()
            let before = try await harness.batches().count
            try await harness.deliver(.succeeded, deployment: id, dispatch: UUID())
            #expect(try await harness.state(id).step == StepName.validate.rawValue, "nothing moved")
            let batches = try await harness.batches()
            #expect(batches.count == before + 1)
            #expect(batches.flatMap(items).filter { $0.message.type == "step.succeeded" }.count == 1)
        }
    }

    @Test("the batch is published first: a scheduler killed between publishes has sent it if it sent the step command")
    func batchPublishedFirst() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit()
            let dispatch = try #require(try await harness.state(id).dispatchId)
            let event = StepEvent(
                kind: .succeeded, deploymentId: id, step: .validate, attempt: 1, dispatchId: dispatch, at: harness.clock.now, worker: "w")
            let published = try await harness.store.transaction { db in
                let tx = SchedulerTransaction(db: db, dialect: harness.store.dialect, outbox: harness.engine.outbox, now: harness.clock.now)
                tx.forward(.stepEvent(event), messageId: "\(dispatch).a1.p0.outcome", traceParent: nil, body: nil)
                try await Transitions(tx, configuration: SchedulerConfiguration(), logger: Logger(label: "test")).stepEvent(event)
                try await tx.writeEventBatch()
                return tx.outbox.map(\.message.type)
            }
            #expect(published == [EventBatch.messageType, "step.execute"], "\(published)")
        }
    }

    @Test("a relay given message types reads only rows of those types")
    func relayByType() async throws {
        try await SchedulerHarness.with { harness in
            _ = try await harness.submit()
            let types = try await harness.store.read { db in
                try await db.raw("SELECT type FROM scheduler_outbox").all().map { try $0.decode(column: "type", as: String.self) }
            }
            #expect(Set(types).isSuperset(of: [EventBatch.messageType, "step.execute"]), "a batch, a step command and others: \(types)")

            let seen = Mutex<[String]>([])
            for filter in [nil, [EventBatch.messageType, EventBatch.urgentMessageType]] {
                seen.withLock { $0 = [] }
                // Nothing kept: nothing is published (the harness has no broker).
                let published = try await harness.engine.outbox.relay(olderThan: .zero, now: harness.clock.now, types: filter) { entries in
                    seen.withLock { $0 = entries.map(\.message.type) }
                    return []
                }
                #expect(published == 0)
                let read = seen.withLock { $0 }
                #expect(Set(read) == (filter == nil ? Set(types) : [EventBatch.messageType]), "\(String(describing: filter)): \(read)")
            }
        }
    }

    private func items(_ entry: TransactionalOutbox.Entry) -> [EventBatch.Item] {
        guard case .eventBatch(let batch) = entry.message else { return [] }
        return batch.items
    }
}

extension SchedulerHarness {
    /// The event batches in the outbox.
    func batches() async throws -> [TransactionalOutbox.Entry] {
        try await outbox(type: EventBatch.messageType) + outbox(type: EventBatch.urgentMessageType)
    }
}
