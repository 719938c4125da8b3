import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import Testing

@testable import AMQPClient
@testable import HangarHistory

/// The recorder takes the history from the scheduler's event batches: the same events in
/// batches of any size, some of them also delivered alone (what the recorder's queue held
/// from before the batches, or a redelivery), give the history the events give one by one.
@Suite("Recorder: event batches")
struct EventBatchHistoryTests {
    @Test("40 deployments' events in batches of 1 to 30, one in four also alone and some batches twice: the same history as one by one")
    func sameHistoryAsOneByOne() async throws {
        let seed = UInt64.random(in: 1...UInt64.max)
        var random = SeededRandom(seed: seed)
        let stream = EventStream.make(deployments: 40, random: &random)
        let alone = stream.deliveries(redeliverEvery: 5, random: &random)

        // The same events in batches, as the scheduler's transactions group them.
        var batched: [IncomingMessage] = []
        var offset = 0
        while offset < stream.events.count {
            let size = Int.random(in: 1...30, using: &random)
            let events = stream.events[offset..<min(stream.events.count, offset + size)]
            offset += size
            let batch = HangarMessage.eventBatch(EventBatch(items: events.map { EventBatch.Item(messageId: $0.id, message: $0.message) }))
            batched.append(try incomingEvent(batch, id: "events-\(offset)", tag: batched.count))
            for event in events where Int.random(in: 0..<4, using: &random) == 0 {
                batched.append(try incomingEvent(event.message, id: event.id, tag: batched.count))
            }
            if Int.random(in: 0..<6, using: &random) == 0 { batched.append(try incomingEvent(batch, id: "events-\(offset)", tag: batched.count)) }
        }

        try await withHistoryStore { reference in
            try await withHistoryStore { store in
                let one = HistoryProjector(store: reference, logger: quiet)
                let projector = HistoryProjector(store: store, logger: quiet)
                for delivery in alone { try await one.apply([delivery]) }
                var start = 0
                while start < batched.count {
                    let size = Int.random(in: 1...4, using: &random)
                    try await projector.apply(Array(batched[start..<min(batched.count, start + size)]))
                    start += size
                }
                let expected = HistoryQueries(store: reference)
                let actual = HistoryQueries(store: store)
                for id in stream.deployments {
                    let details = try await actual.details(id)
                    #expect(try await expected.details(id) == details, "seed \(seed), deployment \(id)")
                }
                let first = try #require(try await actual.details(stream.deployments[0]))
                #expect(first.status == .succeeded && first.steps.count == 6 && first.steps.allSatisfy { !$0.detail.isEmpty || $0.worker != nil })
            }
        }
    }

}

private let quiet: Logger = {
    var logger = Logger(label: "hangar.recorder.tests")
    logger.logLevel = .error
    return logger
}()
