import Foundation
import HangarContracts
import SQLKit
import Testing

@testable import HangarScheduling

/// Finished deployments leave the scheduler's tables after `keepFinished`, so that its store
/// does not grow with the history (which lives with the recorder).
@Suite("Scheduler: pruning finished deployments")
struct PruneTests {
    @Test("finished deployments are removed after a day; reconnection requests stay while their month counts them")
    func pruneFinished() async throws {
        try await SchedulerHarness.with { harness in
            let plain = try await harness.submit()
            let reconnection = try await harness.submit(mode: .requestReconnection)
            let running = try await harness.submit()
            for id in [plain, reconnection] { try await harness.runToSuccess(id) }
            #expect(try await harness.count() == 3)

            harness.clock.advance(by: 23 * 3600)
            #expect(try await harness.engine.pruneFinished() == 0, "kept for a day")
            harness.clock.advance(by: 2 * 3600)
            #expect(try await harness.engine.pruneFinished() == 1)
            #expect(try await harness.ids() == Set([reconnection, running]), "the running one and this month's reconnection request stay")

            harness.clock.advance(by: 40 * 24 * 3600)
            #expect(try await harness.engine.pruneFinished() == 1)
            #expect(try await harness.ids() == [running])
        }
    }
}

extension SchedulerHarness {
    /// Answers every step of the deployment with `succeeded`.
    func runToSuccess(_ id: UUID) async throws {
        for _ in StepName.allCases {
            let dispatch = try #require(try await state(id).dispatchId)
            try await deliver(.succeeded, deployment: id, dispatch: dispatch)
        }
        let status = try await store.read { db in
            try await db.raw("SELECT status FROM scheduler_deployments WHERE id = \(bind: id.uuidString)").first()?
                .decode(column: "status", as: String.self)
        }
        #expect(status == "succeeded")
    }

    func ids() async throws -> Set<UUID> {
        try await store.read { db in
            Set(
                try await db.raw("SELECT id FROM scheduler_deployments").all().compactMap {
                    UUID(uuidString: try $0.decode(column: "id", as: String.self))
                })
        }
    }

    func count() async throws -> Int { try await ids().count }
}
