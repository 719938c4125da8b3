import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import Testing

@testable import AMQPClient
@testable import HangarHistory

/// The recorder's view of scheduled server stops: every turn kept once, and each server's
/// latest state moving only forward whatever order the events arrive in.
@Suite("Recorder: scheduled server stops")
struct ShutdownHistoryTests {
    @Test("turns arriving out of order and twice: each kept once, newest first; the state moves only forward, and a later request wins")
    func outOfOrder() async throws {
        try await withHistoryStore { store in
            var logger = Logger(label: "hangar.history.tests")
            logger.logLevel = .critical
            let projector = HistoryProjector(store: store, logger: logger)
            let queries = HistoryQueries(store: store)
            let environment = UUID()
            let t0 = Date(timeIntervalSince1970: 1_800_000_000)
            func event(_ status: ServerShutdownEvent.Status, attempt: Int, requestedAt: Date = t0, at offset: TimeInterval) -> ServerShutdownEvent {
                ServerShutdownEvent(
                    status: status, environmentId: environment, environmentName: "web", serverId: "i-1", serverName: "prep",
                    dueAt: t0.addingTimeInterval(60), requestedBy: "alice", requestedAt: requestedAt, attempt: attempt,
                    error: status == .failed ? "throttled \(attempt)" : nil, at: t0.addingTimeInterval(offset))
            }
            func apply(_ events: [ServerShutdownEvent], copy: Bool = false) async throws {
                try await projector.apply(
                    try events.enumerated().map { index, event in
                        let message = HangarMessage.shutdownEvent(event)
                        let delivery = Delivery(
                            message: Message(
                                body: try ContractCodec.encode(message), messageId: copy ? "copy-\(index)" : event.messageId, type: message.type),
                            exchange: "hangar.events", routingKey: message.type, redelivered: false, deliveryTag: UInt64(index + 1), settle: { _ in })
                        return try IncomingMessage(delivery)
                    })
            }

            // The second failure arrives before the schedule and the first failure.
            try await apply([event(.failed, attempt: 2, at: 90)])
            try await apply([event(.scheduled, attempt: 0, at: 0), event(.failed, attempt: 1, at: 70)])
            var state = try #require(try await queries.shutdownStates(environment: environment)["i-1"])
            #expect(state.status == .failed && state.attempt == 2 && state.lastError == "throttled 2")

            try await apply([event(.stopped, attempt: 3, at: 120)])
            try await apply([event(.failed, attempt: 2, at: 90)], copy: true)
            state = try #require(try await queries.shutdownStates(environment: environment)["i-1"])
            #expect(state.status == .stopped && state.attempt == 3, "a late copy of a failure does not move it back")

            // A new request for the server wins over the older one's turns, late or not.
            let later = t0.addingTimeInterval(500)
            try await apply([event(.scheduled, attempt: 0, requestedAt: later, at: 500)])
            try await apply([event(.dropped, attempt: 4, at: 510)])
            state = try #require(try await queries.shutdownStates(environment: environment)["i-1"])
            #expect(state.status == .scheduled && state.requestedAt == later)

            let history = try await queries.shutdownEvents(environment: environment)
            #expect(history.map(\.status) == [.dropped, .scheduled, .stopped, .failed, .failed, .scheduled], "every turn once, newest first")
            #expect(try await queries.shutdownEvents(environment: UUID()).isEmpty)
        }
    }
}
