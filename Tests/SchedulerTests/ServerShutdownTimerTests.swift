import Foundation
import HangarContracts
import HangarMessaging
import Testing

@testable import HangarScheduling

/// Scheduled server stops on the scheduler's timers, with a clock moved by hand: fired at
/// their time under the timer lease, a worker asked once per attempt, unanswered or failed
/// attempts tried again after a growing delay, and the newest request winning.
@Suite("Scheduler: scheduled server stops")
struct ServerShutdownTimerTests {
    @Test("a stop fires at its time, asks a worker once, and the worker's answer ends it (a copy of the answer changes nothing)")
    func firesOnce() async throws {
        try await SchedulerHarness.with { harness in
            let command = harness.shutdown(at: 60)
            try await harness.deliver(command)
            #expect(try await harness.shutdownEvents().map(\.status) == [.scheduled])

            harness.clock.advance(by: 59)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.serverRequests().isEmpty, "not yet due")
            #expect(try await harness.engine.nextTimerDue() == command.at, "the timer loop wakes for it")
            harness.clock.advance(by: 1)
            try await harness.engine.fireDueTimers()
            let requests = try await harness.serverRequests()
            let request = try #require(requests.first)
            #expect(requests.count == 1)
            #expect(request.action == .stop && request.serverId == "i-prep" && request.replyQueue == HangarTopology.scheduler.queue)
            #expect(request.expiresAt == harness.clock.now.addingTimeInterval(10))
            harness.clock.advance(by: 5)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.serverRequests().count == 1, "one request while it is in flight")

            let reply = ServerReply(
                requestId: request.requestId, servers: [ServerInfo(id: "i-prep", name: "prep", role: .preparation, status: "stopped")],
                worker: "worker-1")
            try await harness.engine.handle([(messageId: ServerReply.messageId(answering: request.requestId), message: .serverReply(reply))])
            try await harness.engine.handle([(messageId: "a-copy", message: .serverReply(reply))])
            let events = try await harness.shutdownEvents()
            #expect(events.map(\.status) == [.scheduled, .stopped])
            #expect(events.last?.serverStatus == "stopped" && events.last?.worker == "worker-1" && events.last?.attempt == 1)
            #expect(events.last?.notify == ["ops@example.com"] && events.last?.dueAt == command.at)

            harness.clock.advance(by: 3600)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.serverRequests().count == 1, "nothing more to do")
            #expect(try await harness.engine.nextTimerDue() == nil)
        }
    }

    @Test(
        "an unanswered attempt fails after the request's time and 30 s, a provider failure fails too; each is tried again after 15 s, then 30 s; a server the provider does not know gives it up"
    )
    func retriesThenGivesUp() async throws {
        try await SchedulerHarness.with { harness in
            try await harness.deliver(harness.shutdown(at: 10))
            harness.clock.advance(by: 10)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.serverRequests().count == 1)

            harness.clock.advance(by: 39)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.shutdownEvents().last?.status == .scheduled, "still waiting for an answer")
            harness.clock.advance(by: 1)
            try await harness.engine.fireDueTimers()
            let unanswered = try #require(try await harness.shutdownEvents().last)
            #expect(unanswered.status == .failed && unanswered.attempt == 1 && unanswered.worker == nil)
            #expect(unanswered.error == "no worker answered within 40 s")
            #expect(unanswered.retryAt == harness.clock.now.addingTimeInterval(15))
            #expect(try await harness.serverRequests().count == 1, "no new request before the retry")

            harness.clock.advance(by: 15)
            try await harness.engine.fireDueTimers()
            let second = try #require(try await harness.serverRequests().last)
            #expect(try await harness.serverRequests().count == 2)
            // The late answer to the first request is stale now: it moves nothing.
            let first = try #require(try await harness.serverRequests().first)
            try await harness.reply(to: first, failure: nil)
            #expect(try await harness.shutdownEvents().count == 2)

            try await harness.reply(to: second, failure: .failed, error: "throttled")
            let failed = try #require(try await harness.shutdownEvents().last)
            #expect(failed.status == .failed && failed.attempt == 2 && failed.error == "throttled" && failed.worker == "worker-1")
            #expect(failed.retryAt == harness.clock.now.addingTimeInterval(30), "the delay doubles")

            harness.clock.advance(by: 30)
            try await harness.engine.fireDueTimers()
            let third = try #require(try await harness.serverRequests().last)
            try await harness.reply(to: third, failure: .notFound, error: "no server i-prep")
            let dropped = try #require(try await harness.shutdownEvents().last)
            #expect(dropped.status == .dropped && dropped.attempt == 3 && dropped.error == "no server i-prep")
            #expect(try await harness.engine.nextTimerDue() == nil)
        }
    }

    @Test("the newest request wins whatever order requests arrive in; a cancel stops it; cancelling nothing says nothing")
    func newestWins() async throws {
        try await SchedulerHarness.with { harness in
            let base = harness.clock.now
            let later = harness.shutdown(at: 200, requestedAt: base.addingTimeInterval(2))
            try await harness.deliver(later)
            // An earlier request for an earlier time, arriving after: ignored.
            try await harness.deliver(harness.shutdown(at: 50, requestedAt: base.addingTimeInterval(1)))
            #expect(try await harness.shutdownEvents().map(\.status) == [.scheduled])
            harness.clock.advance(by: 60)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.serverRequests().isEmpty, "the earlier time lost")

            var cancel = harness.shutdown(at: nil, requestedAt: base.addingTimeInterval(3), by: "bob")
            cancel.serverName = "i-prep"  // intake names the server by its id when cancelling
            try await harness.deliver(cancel)
            let cancelled = try #require(try await harness.shutdownEvents().last)
            #expect(cancelled.status == .cancelled && cancelled.requestedBy == "bob" && cancelled.serverName == "prep", "the schedule's name kept")
            #expect(cancelled.dueAt == later.at)
            harness.clock.advance(by: 300)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.serverRequests().isEmpty, "cancelled")

            try await harness.deliver(harness.shutdown(at: nil, requestedAt: base.addingTimeInterval(4)))
            #expect(try await harness.shutdownEvents().count == 2, "nothing was scheduled to cancel")
        }
    }

    @Test("only the replica holding the timer lease fires a stop")
    func onlyLeaseHolderFires() async throws {
        try await SchedulerHarness.with { harness in
            let standby = try harness.replica("standby")
            try await standby.handle([(messageId: "schedule", message: .scheduleShutdown(harness.shutdown(at: 5)))])
            harness.clock.advance(by: 5)
            await #expect(throws: SchedulerDeposed.self) { try await standby.fireDueTimers() }
            #expect(try await harness.serverRequests().isEmpty)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.serverRequests().count == 1)
        }
    }
}

extension SchedulerHarness {
    static let shutdownEnvironment = UUID()

    /// A request to stop server `i-prep` `at` seconds from now (`nil`: cancel).
    func shutdown(at seconds: TimeInterval?, requestedAt: Date? = nil, by: String = "alice") -> ScheduleServerShutdown {
        ScheduleServerShutdown(
            environmentId: Self.shutdownEnvironment, environmentName: "web", serverId: "i-prep", serverName: "prep",
            at: seconds.map { clock.now.addingTimeInterval($0) }, requestedBy: by, requestedAt: requestedAt ?? clock.now,
            notify: ["ops@example.com"], target: ProviderTarget(provider: "simulated"))
    }

    func deliver(_ command: ScheduleServerShutdown) async throws {
        try await engine.handle([(messageId: command.messageId, message: .scheduleShutdown(command))])
    }

    /// A worker's answer to `request`.
    func reply(to request: ServerRequest, failure: ServerReply.Failure?, error: String? = nil) async throws {
        let reply = ServerReply(requestId: request.requestId, failure: failure, error: error, worker: "worker-1")
        try await engine.handle([(messageId: ServerReply.messageId(answering: request.requestId), message: .serverReply(reply))])
    }

    /// The stop requests the scheduler queued for workers, oldest first.
    func serverRequests() async throws -> [ServerRequest] {
        try await outbox(type: ServerRequest.actionType).compactMap {
            guard case .serverRequest(let request) = $0.message else { return nil }
            return request
        }.sorted { $0.expiresAt < $1.expiresAt }
    }

    /// The `server.shutdown.*` events queued, in the order they happened.
    func shutdownEvents() async throws -> [ServerShutdownEvent] {
        var events: [ServerShutdownEvent] = []
        for status in ServerShutdownEvent.Status.allCases {
            for entry in try await outbox(type: ServerShutdownEvent.typePrefix + status.rawValue) {
                if case .shutdownEvent(let event) = entry.message { events.append(event) }
            }
        }
        return events.sorted {
            ($0.at, $0.attempt, ServerShutdownEventOrder.rank($0.status)) < ($1.at, $1.attempt, ServerShutdownEventOrder.rank($1.status))
        }
    }
}

/// Within one instant and attempt, the order in which the scheduler emits a stop's events.
enum ServerShutdownEventOrder {
    static func rank(_ status: ServerShutdownEvent.Status) -> Int {
        switch status {
        case .scheduled: 0
        case .failed: 1
        case .cancelled, .stopped, .dropped: 2
        }
    }
}
