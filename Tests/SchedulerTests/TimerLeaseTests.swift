import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import SQLKit
import Testing

@testable import HangarScheduling

/// The timer lease between two scheduler replicas on one store, with a clock moved by hand:
/// one holds and renews it; when it stops renewing, the other takes it over once it lapses,
/// under the next epoch; and the deposed one's timer transactions commit nothing (the fencing
/// token).
@Suite("Scheduler: the timer lease between replicas")
struct TimerLeaseTests {
    @Test("the standby takes the lease over once it lapses (2 s), under the next epoch; the deposed replica's timers fire nothing")
    func takeoverAndFencing() async throws {
        try await SchedulerHarness.with { harness in
            // The harness's engine ("test") holds the lease; a second replica on the same store.
            let standby = try harness.replica("standby")
            #expect(try await harness.lease() == "test@1")
            #expect(try await !standby.holdsLease(), "held and not lapsed")
            await #expect(throws: SchedulerDeposed.self) { try await standby.fireDueTimers() }

            // A deployment due in 5 s: a start timer.
            let id = UUID()
            let request = SubmitDeployment(
                deploymentId: id, environmentId: UUID(), environmentName: "web", version: "1.0", owner: "alice", createdAt: harness.clock.now,
                scheduledAt: harness.clock.now.addingTimeInterval(5), options: .init(), mode: .optimized,
                target: ProviderTarget(provider: "simulated"))
            try await harness.engine.handle([(messageId: "submit-\(id)", message: .submitDeployment(request))])

            harness.clock.advance(by: 1)
            #expect(try await harness.engine.holdsLease(), "renewed until 3 s")
            harness.clock.advance(by: 1.5)
            #expect(try await !standby.holdsLease(), "2.5 s: still held")
            harness.clock.advance(by: 1)
            #expect(try await standby.holdsLease(), "3.5 s: lapsed, taken over")
            #expect(try await harness.lease() == "standby@2")

            harness.clock.advance(by: 2)  // the start is due
            await #expect(throws: SchedulerDeposed.self) { try await harness.engine.fireDueTimers() }
            #expect(try await harness.status(id) == "scheduled", "the deposed replica committed nothing")
            #expect(try await standby.fireDueTimers() == 1)
            #expect(try await harness.status(id) == "running")
            #expect(try await !harness.engine.holdsLease(), "the standby holds it now")
        }
    }

    @Test("a lease given up on shutdown is taken at once by the standby, under a higher epoch than any before it")
    func releaseHandsOver() async throws {
        try await SchedulerHarness.with { harness in
            let standby = try harness.replica("standby")
            #expect(try await harness.lease() == "test@1")
            #expect(try await !standby.holdsLease())

            await harness.engine.releaseLease()
            #expect(try await standby.holdsLease(), "taken without waiting for the lease to lapse")
            #expect(try await harness.lease() == "standby@2", "the epoch goes on from the released one")
            await #expect(throws: SchedulerDeposed.self) { try await harness.engine.fireDueTimers() }

            await standby.releaseLease()
            #expect(try await harness.engine.holdsLease())
            #expect(try await harness.lease() == "test@3")
        }
    }
}

extension SchedulerHarness {
    /// Another scheduler replica named `instance` on the harness's store and clock (its broker
    /// does not answer: what it would publish stays in the outbox).
    func replica(_ instance: String) throws -> SchedulerEngine {
        var logger = Logger(label: "hangar.scheduler.tests")
        logger.logLevel = .critical
        let connection = AMQPConnection(configuration: try AMQPConfiguration(url: "amqp://guest:guest@127.0.0.1:1/"), logger: logger)
        return SchedulerEngine(
            store: store, bus: MessageBus(connection: connection, appId: "test"), configuration: SchedulerConfiguration(),
            instance: instance, logger: logger, now: { [clock] in clock.now })
    }

    /// `holder@epoch` of the timer lease.
    func lease() async throws -> String {
        try await store.read { db in
            let row = try #require(try await db.raw("SELECT holder, epoch FROM scheduler_leases WHERE name = 'timers'").first())
            return "\(try row.decode(column: "holder", as: String.self))@\(try row.decode(column: "epoch", as: Int64.self))"
        }
    }
}
