import Foundation
import HangarContracts
import HangarHarness
import Testing

/// Health-gated replacement through the services on the simulated provider: a gate that fails
/// after the first batch rolls the deployment back (status `rolled_back`, every instance on the
/// release before, each batch's health figures in the history, an email saying so); with
/// `onFailure: fail` the rollout stops and the deployment fails; the bake between batches is a
/// durable timer that survives the scheduler SIGKILLed.
@Suite("Health gates end to end", .serialized, .timeLimit(.minutes(4)))
struct HealthGateEndToEndTests {
    @Test("a failed gate rolls back: rolled_back, every instance on the old model, the batches' figures, the email; onFailure fail stops")
    func gateRollsBack() async throws {
        let system = try await HangarSystem("gates")
        defer { Task { await system.shutdown() } }
        try await system.startAll(notifier: true)
        try await system.createEnvironment("hg", target: #"{"stepDurationMs": 5, "instances": 4}"#)
        let (bad, badStatus) = try await system.request(
            "PATCH", "/v1/environments/hg", body: #"{"replacement":{"batchPercent":0,"onFailure":"later","size":1}}"#)
        #expect(badStatus == 422)
        #expect(
            Set(ApprovalEndToEndTests.fields(bad)) == ["replacement.batchPercent", "replacement.onFailure", "replacement.size"],
            "\(String(decoding: bad, as: UTF8.self))")
        let (_, patched) = try await system.request("PATCH", "/v1/environments/hg", body: #"{"replacement":{"batchPercent":50}}"#)
        #expect(patched == 200)

        // The CLI creates an environment with both policies; a policy that is not JSON is a usage error.
        let created = try await CLIEndToEndTests.hangar(
            [
                "environments", "create", "hg-cli", "--provider", "simulated", "--approval", #"{"required":true,"approvers":["lead@example.com"]}"#,
                "--replacement", #"{"batchPercent":25,"onFailure":"pause"}"#, "--json",
            ], system: system, token: HangarSystem.adminToken)
        #expect(created.status == 0, "\(created.stderr)")
        let environment = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any]
        #expect((environment?["approval"] as? [String: Any])?["approvers"] as? [String] == ["lead@example.com"])
        #expect((environment?["replacement"] as? [String: Any])?["onFailure"] as? String == "pause")
        let usage = try await CLIEndToEndTests.hangar(
            ["environments", "create", "hg-bad", "--provider", "simulated", "--replacement", "half"], system: system, token: HangarSystem.adminToken)
        #expect(usage.status == 64 && usage.stderr.contains("--replacement must be a JSON object"), "\(usage.stderr)")

        // All healthy: two gated batches, the whole group on the new model.
        let first = try await system.wait(for: try await system.deploy("hg", body: #"{"version":"1.0"}"#), status: .succeeded)
        let oldModel = try #require(first.outputs["mainModelVersion"])
        let firstLines = first.steps.first { $0.name == .replaceInstances }?.detail.map(\.message) ?? []
        #expect(firstLines.contains("batch 2 of 2 passed its health gate: 4 of 4 replaced instances healthy (100 %, at least 100 % needed)"))
        #expect(try await RollbackEndToEndTests.instanceModels(system, environment: "hg") == Array(repeating: oldModel, count: 4))

        // The instances of the second batch come up unhealthy.
        let (_, unhealthy) = try await system.request(
            "PATCH", "/v1/environments/hg", body: #"{"target":{"stepDurationMs":5,"instances":4,"health":{"failAfterBatch":1}}}"#)
        #expect(unhealthy == 200)
        let id = try await system.deploy("hg", body: #"{"version":"2.0","notify":{"emails":["ops@example.com"]}}"#)
        let rolledBack = try await system.wait(for: id, status: .rolledBack)
        #expect(
            rolledBack.reason
                == "health gate failed after batch 2 of 2: 2 of 4 replaced instances healthy (50 %, at least 100 % needed); "
                + "the 4 replaced instances run model version \(oldModel) again", "\(rolledBack.reason ?? "-")")
        let replace = try #require(rolledBack.steps.first { $0.name == .replaceInstances })
        #expect(replace.status == .failed && rolledBack.failedStep == .replaceInstances)
        let lines = replace.detail.map(\.message)
        #expect(lines.contains("batch 1 of 2 passed its health gate: 2 of 2 replaced instances healthy (100 %, at least 100 % needed)"), "\(lines)")
        #expect(lines.contains("returning the 4 replaced instances to model version \(oldModel), the model they ran before"))
        let finalize = try #require(rolledBack.steps.first { $0.name == .finalize })
        #expect(finalize.detail.contains { $0.message.contains("returning the default model to the backup model") }, "its cleanup ran")
        let servers = try await Self.instances(system, "hg")
        #expect(servers == Array(repeating: "\(oldModel) healthy", count: 4), "every instance back on 1.0's model")
        try await eventually("the rolled-back email") {
            try ApprovalEndToEndTests.emails(in: system.outboxDirectory).contains {
                $0.contains("Subject: [Hangar] Deployment of 2.0 to hg was rolled back by a failed health gate")
                    && $0.contains("health gate failed after batch 2 of 2")
            }
        }
        // The CLI exits 1 for it.
        let watched = try await CLIEndToEndTests.hangar(["watch", id.uuidString.lowercased()], system: system)
        #expect(watched.status == 1 && watched.stdout.contains("rolled_back"), "\(watched.stdout)")

        // onFailure fail, the deployment's own: the rollout stops where it is.
        let failing = try await system.deploy("hg", body: #"{"version":"3.0","replacement":{"onFailure":"fail"}}"#)
        let failed = try await system.wait(for: failing, status: .failed)
        let newModel = try #require(failed.steps.first { $0.name == .createModels }?.detail.last?.message.split(separator: " ").dropFirst(3).first)
        #expect(failed.reason?.contains("the rollout stopped with 4 of 4 instances on model version \(newModel)") == true, "\(failed.reason ?? "-")")
        #expect(
            try await Self.instances(system, "hg") == [
                "\(newModel) healthy", "\(newModel) healthy", "\(newModel) unhealthy", "\(newModel) unhealthy",
            ])
    }

    @Test("the bake between batches is a durable timer: the scheduler SIGKILLed while a batch bakes, the rollout goes on")
    func bakeSurvivesKill() async throws {
        let system = try await HangarSystem("gates-kill")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("hgk", target: #"{"stepDurationMs": 5, "instances": 2}"#)
        let (_, patched) = try await system.request(
            "PATCH", "/v1/environments/hgk", body: #"{"replacement":{"batchPercent":50,"bakeSeconds":3}}"#)
        #expect(patched == 200)
        let id = try await system.deploy("hgk", body: #"{"version":"1.0"}"#)
        try await eventually("the first batch baking", timeout: .seconds(30)) {
            try await system.deployment(id).steps.first { $0.name == .replaceInstances }?.detail.contains {
                $0.message.contains("batch 1 of 2 is baking for 3 s")
            } == true
        }
        system.stop("scheduler", signal: SIGKILL)
        try system.start(.scheduler)
        let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(60))
        let model = try #require(done.outputs["mainModelVersion"])
        #expect(done.steps.first { $0.name == .replaceInstances }?.attempts == 1)
        #expect(try await Self.instances(system, "hgk") == ["\(model) healthy", "\(model) healthy"])
    }

    @Test(
        "onFailure pause: paused with the gate's figures, survives the scheduler and the worker SIGKILLed, resumed by the CLI; rolled back by the API"
    )
    func pauseResumeRollBack() async throws {
        let system = try await HangarSystem("gates-pause")
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 1, notifier: true)
        try await system.createEnvironment("hgp", target: #"{"stepDurationMs": 5, "instances": 4}"#)
        let first = try await system.wait(for: try await system.deploy("hgp", body: #"{"version":"1.0"}"#), status: .succeeded)
        let oldModel = try #require(first.outputs["mainModelVersion"])
        let (_, patched) = try await system.request(
            "PATCH", "/v1/environments/hgp",
            body:
                #"{"replacement":{"batchPercent":50,"onFailure":"pause"},"target":{"stepDurationMs":5,"instances":4,"health":{"failAfterBatch":1}}}"#)
        #expect(patched == 200)

        let id = try await system.deploy("hgp", body: #"{"version":"2.0","notify":{"emails":["ops@example.com"]}}"#)
        let paused = try await system.wait(for: id, status: .paused)
        let pause = try #require(paused.pause)
        #expect(pause.reason.hasPrefix("health gate failed after batch 2 of 2: 2 of 4 replaced instances healthy (50 %"), "\(pause.reason)")
        #expect(pause.decision == nil && pause.expiresAt.timeIntervalSince(pause.pausedAt) == 86_400)
        let waitingStep = try #require(paused.steps.first { $0.name == .replaceInstances })
        #expect(waitingStep.status == .running && waitingStep.error == pause.reason, "the step stays open while it waits")
        let newModel = try #require(paused.steps.first { $0.name == .createModels }?.detail.last?.message.split(separator: " ").dropFirst(3).first)
        #expect(
            try await Self.instances(system, "hgp") == [
                "\(newModel) healthy", "\(newModel) healthy", "\(newModel) unhealthy", "\(newModel) unhealthy",
            ])
        // Nothing else of the environment runs meanwhile, and only a paused rollout is resumed.
        let (_, rollbackStatus) = try await system.request("POST", "/v1/environments/hgp/rollbacks", token: HangarSystem.deployerToken, body: "{}")
        #expect(rollbackStatus == 409)
        let (_, notPaused) = try await system.request(
            "POST", "/v1/deployments/\(first.id.uuidString.lowercased())/resume", token: HangarSystem.deployerToken)
        #expect(notPaused == 409)
        try await eventually("the paused email") {
            try ApprovalEndToEndTests.emails(in: system.outboxDirectory).contains {
                $0.contains("Subject: [Hangar] Deployment of 2.0 to hgp is paused by a failed health gate")
                    && $0.contains("Resume or roll back: \(system.baseURL)/console/#/deployments/\(id.uuidString.lowercased())")
            }
        }

        system.stop("scheduler", signal: SIGKILL)
        system.stop("worker-1", signal: SIGKILL)
        try system.start(.scheduler)
        try system.start(.worker, name: "worker-2")
        let resumed = try await CLIEndToEndTests.hangar(["resume", id.uuidString.lowercased()], system: system)
        #expect(resumed.status == 0, "\(resumed.stdout) \(resumed.stderr)")
        let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(90))
        #expect(done.pause?.decision == .resumed && done.pause?.decidedBy == "deployer")
        #expect(done.steps.first { $0.name == .replaceInstances }?.status == .succeeded)
        let lines = done.steps.first { $0.name == .replaceInstances }?.detail.map(\.message) ?? []
        #expect(lines.contains { $0.hasPrefix("batch 2 of 2: its failed health gate was overridden, the rollout goes on") }, "\(lines)")
        #expect(
            try await Self.instances(system, "hgp") == [
                "\(newModel) healthy", "\(newModel) healthy", "\(newModel) unhealthy", "\(newModel) unhealthy",
            ])
        let again = try await CLIEndToEndTests.hangar(["resume", id.uuidString.lowercased()], system: system)
        #expect(again.status == 3, "\(again.stderr)")

        // Paused again, then rolled back through the API: rolled_back, the instances on the model before.
        let second = try await system.deploy("hgp", body: #"{"version":"3.0"}"#)
        _ = try await system.wait(for: second, status: .paused)
        let (_, rolled) = try await system.request(
            "POST", "/v1/deployments/\(second.uuidString.lowercased())/rollback", token: HangarSystem.deployerToken)
        #expect(rolled == 202)
        let back = try await system.wait(for: second, status: .rolledBack)
        #expect(back.pause?.decision == .rolledBack)
        #expect(back.reason?.hasPrefix("the rollout paused after batch 2 of 2 was rolled back") == true, "\(back.reason ?? "-")")
        let after = try await Self.instances(system, "hgp")
        #expect(after == Array(repeating: "\(newModel) healthy", count: 4), "replaced again with the model they ran before: \(after)")
        _ = oldModel
    }

    /// Each instance of the group as "model health", by id.
    static func instances(_ system: HangarSystem, _ environment: String) async throws -> [String] {
        let (data, status) = try await system.request("GET", "/v1/environments/\(environment)/servers", token: HangarSystem.viewerToken)
        guard status == 200 else { throw E2EFailure("servers answered \(status): \(String(decoding: data, as: UTF8.self))") }
        let items = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        return items.filter { $0["role"] as? String == "instance" }.sorted { ($0["name"] as? String ?? "") < ($1["name"] as? String ?? "") }
            .map { "\($0["modelVersion"] as? String ?? "-") \($0["health"] as? String ?? "-")" }
    }
}
