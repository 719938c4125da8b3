import Foundation
import HangarContracts
import SQLKit
import Testing

@testable import HangarScheduling

/// The monthly reconnection quota counts requests that may have reached users: not one that
/// ended before `replace_instances`, nor one its provider delivered to no instance.
@Suite("Scheduler: the reconnection quota counts requests that reached someone")
struct ReconnectionQuotaTests {
    @Test("ended before replace_instances or delivered to nobody: not counted; delivered, failed while replacing, or in flight: counted")
    func countsDeliveredOnly() async throws {
        try await SchedulerHarness.with { harness in
            let environment = UUID()
            // Failed in validate: the request never went out.
            let early = try await harness.submitReconnection(environment: environment, limit: 1)
            try await harness.fail(early)
            #expect(try await harness.status(early) == "failed")

            // Reached no instance: not counted either.
            let nobody = try await harness.submitReconnection(environment: environment, limit: 1)
            try await harness.runToSuccess(nobody, replaceOutputs: ["reconnectionDelivered": "0"])

            // Intake's question is answered by the same count: room so far.
            #expect(try await harness.quota(environment, limit: 1) == .init(used: 0, refusal: nil))

            // Delivered: counted, so the next one over a limit of 1 is rejected.
            let delivered = try await harness.submitReconnection(environment: environment, limit: 1)
            #expect(try await harness.status(delivered) == "running", "the two before did not use the quota")
            try await harness.runToSuccess(delivered, replaceOutputs: ["reconnectionDelivered": "2"])
            let answer = try await harness.quota(environment, limit: 1)
            #expect(answer == .init(used: 1, refusal: "the environment used 1 of its 1 reconnection requests this month"))
            let refused = try await harness.submitReconnection(environment: environment, limit: 1)
            #expect(try await harness.status(refused) == "rejected")
            #expect(try await harness.reason(refused) == answer.refusal, "the answer intake maps to 409 is the rejection's reason")
            #expect(try await harness.quota(environment, limit: 2).refusal == nil, "the asker's limit is the one counted against")
            // An asker that gave up gets no answer.
            let late = ReconnectionQuotaQuery(environmentId: environment, limit: 1, expiresAt: harness.clock.now.addingTimeInterval(-1))
            #expect(try await harness.engine.quotaReplies(to: [late]).isEmpty)

            // With a limit of 3: a failure while replacing counts, and so does one in flight.
            let failedReplacing = try await harness.submitReconnection(environment: environment, limit: 3)
            for _ in 0..<4 { try await harness.succeedCurrentStep(failedReplacing) }
            #expect(try await harness.currentStep(failedReplacing) == "replace_instances")
            try await harness.fail(failedReplacing)
            let inFlight = try await harness.submitReconnection(environment: environment, limit: 3)
            #expect(try await harness.status(inFlight) == "running")
            let third = try await harness.submitReconnection(environment: environment, limit: 3)
            #expect(try await harness.status(third) == "rejected", "delivered + failed while replacing + in flight = 3")
        }
    }
}

extension SchedulerHarness {
    func submitReconnection(environment: UUID, limit: Int) async throws -> UUID {
        let id = UUID()
        let request = SubmitDeployment(
            deploymentId: id, environmentId: environment, environmentName: "web", version: "1.0", owner: "alice", createdAt: clock.now,
            scheduledAt: nil, options: .init(), mode: .requestReconnection, reconnection: Reconnection(minutes: 5, message: "save your work"),
            target: ProviderTarget(provider: "simulated"), reconnectionMonthlyLimit: limit)
        try await engine.handle([(messageId: "submit-\(id)", message: .submitDeployment(request))])
        return id
    }

    /// Answers the current step with `started`, then `succeeded` (and `outputs`).
    func succeedCurrentStep(_ id: UUID, outputs: [String: String]? = nil) async throws {
        try await answerCurrentStep(id, with: .succeeded, outputs: outputs)
    }

    /// Answers the current step with `started`, then `end` (a permanent failure for `failed`).
    private func answerCurrentStep(_ id: UUID, with end: StepEvent.Kind, outputs: [String: String]? = nil) async throws {
        let current = try await state(id)
        let dispatch = try #require(current.dispatchId)
        let step = try #require(StepName(rawValue: current.step))
        for kind in [StepEvent.Kind.started, end] {
            let failing = kind == .failed
            let event = StepEvent(
                kind: kind, deploymentId: id, step: step, attempt: current.attempt, dispatchId: dispatch, at: clock.now,
                outputs: kind == .succeeded ? outputs : nil, error: failing ? "refused" : nil, transient: failing ? false : nil,
                worker: "worker-1")
            try await engine.handle([(messageId: "\(dispatch).\(kind.rawValue)", message: .stepEvent(event))])
        }
    }

    /// Runs every step to success, `replace_instances` answering `replaceOutputs`.
    func runToSuccess(_ id: UUID, replaceOutputs: [String: String]) async throws {
        while try await status(id) == "running" {
            let outputs = try await currentStep(id) == StepName.replaceInstances.rawValue ? replaceOutputs : nil
            try await succeedCurrentStep(id, outputs: outputs)
        }
        #expect(try await status(id) == "succeeded")
    }

    /// Fails the current step permanently; the deployment's cleanup finalize then succeeds.
    func fail(_ id: UUID) async throws {
        try await answerCurrentStep(id, with: .failed)
        while try await status(id) == "running" { try await succeedCurrentStep(id) }
    }

    func status(_ id: UUID) async throws -> String {
        try await store.read { db in
            try #require(
                try await db.raw("SELECT status FROM scheduler_deployments WHERE id = \(bind: id.uuidString)").first()?
                    .decode(column: "status", as: String.self))
        }
    }

    struct Quota: Equatable {
        var used: Int
        var refusal: String?
    }

    /// The scheduler's answer to intake's quota question about `environment`.
    func quota(_ environment: UUID, limit: Int) async throws -> Quota {
        let query = ReconnectionQuotaQuery(environmentId: environment, limit: limit, expiresAt: clock.now.addingTimeInterval(3))
        let reply = try #require(try await engine.quotaReplies(to: [query]).first)
        #expect(reply.requestId == query.requestId && reply.limit == limit)
        return Quota(used: reply.used, refusal: reply.refusal)
    }

    func reason(_ id: UUID) async throws -> String? {
        try await store.read { db in
            try await db.raw("SELECT reason FROM scheduler_deployments WHERE id = \(bind: id.uuidString)").first()?
                .decode(column: "reason", as: String?.self)
        }
    }

    func currentStep(_ id: UUID) async throws -> String? {
        try await state(id).step
    }
}
