import Foundation
import HangarContracts
import HangarStorage
import SQLKit
import Testing

@testable import HangarScheduling

/// A finished deployment's event carries its steps as the scheduler saw them (the notifier's
/// summary emails show them; it no longer receives the step events).
@Suite("Step summaries in finished deployments' events")
struct StepSummaryTests {
    @Test("succeeded: every step with its status, times and attempts")
    func succeeded() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit()
            try await harness.runToSuccess(id)
            let event = try #require(try await harness.deploymentEvent(id, status: .succeeded))
            let steps = try #require(event.steps)
            #expect(steps.map(\.name) == StepName.allCases)
            #expect(steps.allSatisfy { $0.status == .succeeded && $0.attempts == 1 && $0.startedAt != nil && $0.finishedAt != nil })
        }
    }

    @Test("failed: the failing step with its error and attempts, the cleanup finalize after it; steps never run are absent")
    func failed() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit()
            try await harness.deliver(.succeeded, deployment: id, dispatch: try #require(try await harness.state(id).dispatchId))
            // stop_preparation_server fails for good.
            let dispatch = try #require(try await harness.state(id).dispatchId)
            let failure = StepEvent(
                kind: .failed, deploymentId: id, step: .stopPreparationServer, attempt: 1, dispatchId: dispatch, at: harness.clock.now,
                error: "the server refused to stop", transient: false, worker: "worker-1")
            try await harness.engine.handle([(messageId: "\(dispatch).failed", message: .stepEvent(failure))])
            // The cleanup finalize answers; the deployment ends as failed.
            let cleanup = try await harness.state(id)
            if cleanup.step == StepName.finalize.rawValue, let cleanupDispatch = cleanup.dispatchId {
                try await harness.deliver(.succeeded, deployment: id, dispatch: cleanupDispatch)
            }
            let event = try #require(try await harness.deploymentEvent(id, status: .failed))
            let steps = try #require(event.steps)
            let failed = try #require(steps.first { $0.name == .stopPreparationServer })
            #expect(failed.status == .failed && failed.error == "the server refused to stop" && failed.attempts == 1)
            #expect(steps.first { $0.name == .validate }?.status == .succeeded)
            #expect(!steps.contains { $0.name == .createImage || $0.name == .replaceInstances }, "never run: absent")
        }
    }
}

extension SchedulerHarness {
    /// The deployment event of `status` in the scheduler's outbox (inside an event batch: events go out in those only).
    func deploymentEvent(_ id: UUID, status: DeploymentStatus) async throws -> DeploymentEvent? {
        try await store.read { db in
            try await db.raw("SELECT type, body FROM scheduler_outbox WHERE type LIKE 'events.batch%'").all().flatMap { row -> [DeploymentEvent] in
                let type = try row.decode(column: "type", as: String.self)
                let body = try row.decode(column: "body", as: String.self)
                guard case .eventBatch(let batch) = try ContractCodec.decode(type: type, schemaVersion: 1, body: Array(body.utf8)) else { return [] }
                return batch.items.compactMap { item in
                    guard case .deploymentEvent(let event) = item.message, event.deploymentId == id, event.status == status else { return nil }
                    return event
                }
            }.first
        }
    }
}
