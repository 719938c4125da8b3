import Foundation
import HangarContracts
import HangarMessaging
import SQLKit
import Testing

@testable import HangarScheduling

/// Approvals in the scheduler, on an injected clock: a deployment whose submission names a
/// policy pauses before `replace_instances` (no dispatch, an `approval` timer, a
/// `deployment.awaiting_approval` event), and goes on when approved, ends `rejected` through
/// its cleanup when rejected or when nobody decides in time; the owner's own approval is
/// ignored when a different approver is required.
@Suite("Approvals in the scheduler")
struct ApprovalTests {
    static let policy = ApprovalPolicy(approvers: ["lead@example.com"], requireDifferentApprover: true, expiresAfterMinutes: 60)

    @Test("it pauses after create_models; the owner's approval is ignored; another's sends it on to replace_instances")
    func approved() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit(approval: Self.policy)
            try await harness.runUntilAwaitingApproval(id)
            let paused = try await harness.state(id)
            #expect(paused.step == "create_models" && paused.dispatchId == nil)
            #expect(try await harness.status(id) == "running", "it keeps its environment")
            let waiting = try #require(try await harness.events(id, "awaiting_approval").first)
            #expect(waiting.approval?.approvers == ["lead@example.com"] && waiting.approval?.decision == nil)
            #expect(waiting.approval?.expiresAt == harness.clock.now.addingTimeInterval(3600))
            #expect(try await harness.timers(id).contains("approval-\(id)"))

            // A cancel's reconciler pass and its timers leave it waiting.
            try await harness.engine.reconcile()
            harness.clock.advance(by: 600)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.state(id).dispatchId == nil)

            try await harness.decide(id, approve: true, by: "alice")
            #expect(try await harness.state(id).dispatchId == nil, "alice submitted it: her approval is refused")
            try await harness.decide(id, approve: true, by: "bob", comment: "looks good")
            let resumed = try await harness.state(id)
            #expect(resumed.step == "replace_instances" && resumed.dispatchId != nil)
            let running = try await harness.events(id, "running")
            #expect(running.count == 2, "a second running event says it goes on")
            #expect(running.last?.approval?.decision == .approved && running.last?.approval?.decidedBy == "bob")
            #expect(running.last?.approval?.comment == "looks good")
            #expect(try await !harness.timers(id).contains("approval-\(id)"))
            let ids = try await harness.outbox(type: "deployment.running").map(\.messageId)
            #expect(Set(ids).count == ids.count, "the two running events have their own message ids")

            // A late rejection changes nothing.
            try await harness.decide(id, approve: false, by: "carol")
            #expect(try await harness.state(id).step == "replace_instances")
            try await harness.runToSuccess(id, replaceOutputs: [:])
            let succeeded = try #require(try await harness.events(id, "succeeded").first)
            #expect(succeeded.approval?.decision == .approved)
        }
    }

    @Test("a rejection ends it rejected after its cleanup finalize, saying who and why")
    func rejected() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit(approval: Self.policy)
            try await harness.runUntilAwaitingApproval(id)
            try await harness.decide(id, approve: false, by: "alice", comment: "wrong build")
            let cleanup = try #require(try await harness.executeCommands(id).first { $0.step == .finalize })
            #expect(cleanup.step == .finalize && cleanup.cleanup == "rejected by alice: wrong build", "the owner may reject their own")
            try await harness.succeedCurrentStep(id)
            #expect(try await harness.status(id) == "rejected")
            let event = try #require(try await harness.events(id, "rejected").first)
            #expect(event.reason == "rejected by alice: wrong build" && event.approval?.decision == .rejected)
            #expect(event.approval?.decidedAt == harness.clock.now)
        }
    }

    @Test("nobody deciding in time rejects it when its timer fires, also after the scheduler restarts on the same store")
    func expires() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit(approval: Self.policy)
            try await harness.runUntilAwaitingApproval(id)
            harness.clock.advance(by: 3599)
            try await harness.engine.fireDueTimers()
            #expect(try await harness.state(id).dispatchId == nil, "still waiting one second before")
            // A new engine on the same store (a restarted scheduler) fires the durable timer.
            let restarted = try harness.replica("restarted")
            harness.clock.advance(by: 60)
            #expect(try await restarted.holdsLease())
            try await restarted.fireDueTimers()
            let cleanup = try #require(try await harness.executeCommands(id).first { $0.step == .finalize })
            #expect(cleanup.step == .finalize && cleanup.cleanup == "nobody approved it within 60 minutes")
            try await harness.succeedCurrentStep(id)
            let event = try #require(try await harness.events(id, "rejected").first)
            #expect(event.approval?.decision == .expired && event.approval?.decidedBy == nil)
        }
    }

    @Test("a cancel while it waits ends it cancelled through its cleanup; a decision after that is ignored")
    func cancelledWhileWaiting() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit(approval: Self.policy)
            try await harness.runUntilAwaitingApproval(id)
            try await harness.engine.handle([
                (
                    messageId: "cancel-\(id)",
                    message: .cancelDeployment(CancelDeployment(deploymentId: id, requestedBy: "carol", requestedAt: harness.clock.now))
                )
            ])
            #expect(try await harness.state(id).step == "finalize")
            try await harness.decide(id, approve: true, by: "bob")
            #expect(try await harness.state(id).step == "finalize", "the approval came too late")
            try await harness.succeedCurrentStep(id)
            #expect(try await harness.status(id) == "cancelled")
        }
    }

    @Test("a deployment without a policy never pauses")
    func noPolicy() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit()
            try await harness.runToSuccess(id, replaceOutputs: [:])
            #expect(try await harness.events(id, "awaiting_approval").isEmpty)
        }
    }
}

extension SchedulerHarness {
    /// Submits a deployment owned by `alice` under `approval`; it starts at once.
    func submit(approval: ApprovalPolicy) async throws -> UUID {
        let id = UUID()
        let request = SubmitDeployment(
            deploymentId: id, environmentId: UUID(), environmentName: "web", version: "1.0", owner: "alice", createdAt: clock.now,
            scheduledAt: nil, options: .init(), mode: .optimized, target: ProviderTarget(provider: "simulated"), approval: approval)
        try await engine.handle([(messageId: "submit-\(id)", message: .submitDeployment(request))])
        return id
    }

    /// Answers each step with success until the deployment waits for approval.
    func runUntilAwaitingApproval(_ id: UUID) async throws {
        while try await state(id).dispatchId != nil, try await events(id, "awaiting_approval").isEmpty {
            try await succeedCurrentStep(id)
        }
        #expect(try await events(id, "awaiting_approval").count == 1)
    }

    func decide(_ id: UUID, approve: Bool, by name: String, comment: String? = nil) async throws {
        let command = DecideApproval(deploymentId: id, approve: approve, decidedBy: name, decidedAt: clock.now, comment: comment)
        try await engine.handle([(messageId: "decide-\(id)-\(UUID())", message: .decideApproval(command))])
    }

    /// The ids of the deployment's timers.
    func timers(_ id: UUID) async throws -> [String] {
        try await store.read { db in
            try await db.raw("SELECT id FROM scheduler_timers WHERE deployment_id = \(bind: id.uuidString)").all()
                .map { try $0.decode(column: "id", as: String.self) }
        }
    }
}
