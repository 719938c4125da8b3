import Foundation
import HangarContracts
import Testing

@testable import HangarScheduling

/// `deployment.queued` announces a wait: a deployment whose environment is free starts in the
/// transaction that takes it, with `running` as its first event; one behind another deployment
/// of its environment says it is queued, and starts (`running`) when the first one ends.
@Suite("Queued events")
struct QueuedEventTests {
    @Test("a deployment that starts at once sends running, not queued; the one behind it sends queued, then running")
    func onlyAWaitIsQueued() async throws {
        try await SchedulerHarness.with { harness in
            let environment = UUID()
            let first = try await harness.submit(to: environment)
            #expect(try await harness.events(first, "queued").isEmpty, "it never waited")
            #expect(try await harness.events(first, "running").count == 1)
            #expect(try await harness.state(first).step == StepName.validate.rawValue)

            let second = try await harness.submit(to: environment)
            #expect(try await harness.events(second, "queued").count == 1, "it waits behind the first")
            #expect(try await harness.events(second, "running").isEmpty)

            try await harness.runToSuccess(first)
            #expect(try await harness.events(second, "running").count == 1, "it starts when the first ends")
            #expect(try await harness.state(second).step == StepName.validate.rawValue)
        }
    }
}
