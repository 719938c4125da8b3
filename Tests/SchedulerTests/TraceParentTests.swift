import Foundation
import HangarContracts
import HangarStorage
import SQLKit
import Testing

@testable import HangarScheduling

/// Each deployment keeps the trace of its submission, and every message the scheduler writes
/// to its outbox for it carries that trace (a relay after a restart publishes it too).
@Suite("Scheduler: each deployment's trace parent")
struct TraceParentTests {
    @Test("stored with the deployment and on each of its outbox rows; none when the submission had none")
    func storedAndPublished() async throws {
        try await SchedulerHarness.with { harness in
            let traced = UUID()
            let parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            let request = SubmitDeployment(
                deploymentId: traced, environmentId: UUID(), environmentName: "web", version: "1.0", owner: "alice",
                createdAt: harness.clock.now, scheduledAt: nil, options: .init(), mode: .optimized, reconnection: nil,
                target: ProviderTarget(provider: "simulated"))
            try await harness.engine.handle([.init(messageId: "submit-\(traced)", message: .submitDeployment(request), traceParent: parent)])
            let untraced = try await harness.submit()
            try await harness.runToSuccess(traced)
            try await harness.runToSuccess(untraced)

            let rows = try await harness.store.read { db in
                try await db.raw("SELECT type, body, trace_parent FROM scheduler_outbox").all().flatMap { row in
                    let type = try row.decode(column: "type", as: String.self)
                    let body = Array(try row.decode(column: "body", as: String.self).utf8)
                    let message = try ContractCodec.decode(type: type, schemaVersion: nil, body: body)
                    let traceParent = try row.decode(column: "trace_parent", as: String?.self)
                    guard case .eventBatch(let batch) = message else { return [(try #require(message.deploymentId), type, traceParent)] }
                    // The recorder's batch belongs to no trace; the deployment events in it carry theirs.
                    #expect(traceParent == nil)
                    return batch.items.compactMap { item in
                        guard case .deploymentEvent(let event) = item.message else { return nil }
                        return (event.deploymentId, "batched \(item.message.type)", item.traceParent)
                    }
                }
            }
            let mine = rows.filter { $0.0 == traced }
            // Six step commands; running (it started at once: no queued) and succeeded in the event batches, where events go out.
            #expect(mine.count >= 8 && Set(mine.map(\.1)) == ["step.execute", "batched deployment.running", "batched deployment.succeeded"])
            #expect(mine.allSatisfy { $0.2 == parent }, "\(mine.filter { $0.2 != parent }.map(\.1))")
            #expect(rows.filter { $0.0 == untraced }.allSatisfy { $0.2 == nil })
            let stored = try await harness.store.read { db in
                try await db.raw("SELECT trace_parent FROM scheduler_deployments WHERE id = \(bind: traced.uuidString)").first()?
                    .decode(column: "trace_parent", as: String?.self)
            }
            #expect(stored == parent)
        }
    }
}
