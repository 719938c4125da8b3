import Foundation
import HangarContracts
import HangarHarness
import Testing

/// Rollbacks through the services on the simulated provider: the earlier release's model
/// becomes the default again and every instance of the group reports it; a rollback with
/// nothing to return to is refused with 409 naming why; one survives its worker and the
/// scheduler SIGKILLed mid-way.
@Suite("Rollbacks end to end", .serialized, .timeLimit(.minutes(4)))
struct RollbackEndToEndTests {
    @Test("a rollback returns to the previous release: its model on every instance, skipped steps, the history and the email say so")
    func rollBack() async throws {
        let system = try await HangarSystem("rollback")
        defer { Task { await system.shutdown() } }
        try await system.startAll(notifier: true)
        try await system.createEnvironment("rb", target: #"{"stepDurationMs": 5, "instances": 3}"#)

        let (nothing, nothingStatus) = try await system.request(
            "POST", "/v1/environments/rb/rollbacks", token: HangarSystem.deployerToken, body: "{}")
        #expect(nothingStatus == 409, "\(String(decoding: nothing, as: UTF8.self))")
        #expect(String(decoding: nothing, as: UTF8.self).contains("nothing has succeeded in this environment yet"))

        let first = try await system.wait(for: try await system.deploy("rb", body: #"{"version":"1.0"}"#), status: .succeeded)
        let second = try await system.wait(for: try await system.deploy("rb", body: #"{"version":"2.0"}"#), status: .succeeded)
        let firstModel = try #require(first.outputs["mainModelVersion"])
        let secondModel = try #require(second.outputs["mainModelVersion"])
        #expect(firstModel != secondModel)
        #expect(try await Self.instanceModels(system) == [secondModel, secondModel, secondModel])

        // Every bad field named at once.
        let (bad, badStatus) = try await rollback(
            system, #"{"to":"nope","version":"x","scheduledAt":"2030-01-01T00:00:00Z","options":{"stopPreparationServer":true},"mode":"fast"}"#)
        #expect(badStatus == 422)
        #expect(Set(Self.fields(bad)) == ["to", "version", "scheduledAt", "options.stopPreparationServer", "mode"], "\(Self.fields(bad))")
        // A viewer may not.
        let (_, viewerStatus) = try await system.request("POST", "/v1/environments/rb/rollbacks", token: HangarSystem.viewerToken, body: "{}")
        #expect(viewerStatus == 403)

        let (data, status) = try await rollback(system, #"{"notify":{"emails":["ops@example.com"]}}"#)
        #expect(status == 202, "\(String(decoding: data, as: UTF8.self))")
        let accepted = try HangarJSON.decoder.decode(DeploymentDetails.self, from: data)
        #expect(accepted.kind == .rollback)
        let plan = try #require(accepted.rollback)
        #expect(plan.deploymentId == first.id && plan.version == "1.0" && plan.modelVersion == firstModel)
        #expect(plan.fromDeploymentId == second.id && plan.fromVersion == "2.0" && plan.fromModelVersion == secondModel)

        let done = try await system.wait(for: accepted.id, status: .succeeded)
        #expect(done.kind == .rollback && done.version == "1.0" && done.rollback == plan)
        #expect(done.outputs["mainModelVersion"] == firstModel && done.outputs["backupModelVersion"] == secondModel, "\(done.outputs)")
        let steps = Dictionary(uniqueKeysWithValues: done.steps.map { ($0.name, $0) })
        #expect(steps[.stopPreparationServer]?.status == .skipped && steps[.createImage]?.status == .skipped)
        #expect(
            steps[.createImage]?.detail.contains { $0.message.contains("a rollback makes no image") } == true, "\(steps[.createImage]?.detail ?? [])")
        #expect(
            steps[.createModels]?.detail.contains { $0.message.contains("making model version \(firstModel) (version 1.0) the default model again") }
                == true)
        #expect(steps[.finalize]?.detail.contains { $0.message == "publishing version 1.0 again, rolled back from version 2.0" } == true)
        #expect(try await Self.instanceModels(system) == [firstModel, firstModel, firstModel])

        // The history lists it as a rollback.
        let (page, _) = try await system.request("GET", "/v1/environments/rb/deployments", token: HangarSystem.viewerToken)
        let newest = try #require(try HangarJSON.decoder.decode(HistoryPage.self, from: page).items.first)
        #expect(newest.id == done.id && newest.kind == .rollback && newest.rollback?.version == "1.0")

        // The email says it was a rollback.
        let outbox = system.outboxDirectory
        try await eventually("the rollback's email") {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []).filter { $0.hasSuffix(".eml") }
            return try files.contains {
                try String(contentsOf: outbox.appendingPathComponent($0), encoding: .utf8).contains(
                    "Subject: [Hangar] Rollback of rb to 1.0 succeeded")
            }
        }

        // Nothing before 1.0 to go back to; forth again only when named.
        let (none, noneStatus) = try await rollback(system, "{}")
        #expect(noneStatus == 409 && String(decoding: none, as: UTF8.self).contains("no release succeeded before version 1.0"))
        let (forth, forthStatus) = try await rollback(system, #"{"to":"\#(second.id.uuidString.lowercased())"}"#)
        #expect(forthStatus == 202, "\(String(decoding: forth, as: UTF8.self))")
        let again = try await system.wait(for: try HangarJSON.decoder.decode(DeploymentDetails.self, from: forth).id, status: .succeeded)
        #expect(again.rollback?.fromVersion == "1.0" && again.version == "2.0")
        #expect(try await Self.instanceModels(system) == [secondModel, secondModel, secondModel])
        let (same, sameStatus) = try await rollback(system, #"{"to":"\#(second.id.uuidString.lowercased())"}"#)
        #expect(sameStatus == 409 && String(decoding: same, as: UTF8.self).contains("is what runs now"))
        #expect(Self.fields(same) == ["to"])

        // The CLI: back to 1.0 with --wait (exit 0), then nothing before it (exit 3), then
        // forth by id with --json.
        let waited = try await CLIEndToEndTests.hangar(["rollback", "rb", "--wait"], system: system)
        #expect(waited.status == 0, "\(waited.stdout) \(waited.stderr)")
        #expect(try await Self.instanceModels(system) == [firstModel, firstModel, firstModel])
        let refused = try await CLIEndToEndTests.hangar(["rollback", "rb"], system: system)
        #expect(refused.status == 3 && refused.stderr.contains("no release succeeded before version 1.0"), "\(refused.stderr)")
        let json = try await CLIEndToEndTests.hangar(["rollback", "rb", "--to", second.id.uuidString.lowercased(), "--json"], system: system)
        #expect(json.status == 0, "\(json.stderr)")
        let printed = try HangarJSON.decoder.decode(DeploymentDetails.self, from: Data(json.stdout.utf8))
        #expect(printed.kind == .rollback && printed.rollback?.version == "2.0")
        _ = try await system.wait(for: printed.id, status: .succeeded)
    }

    @Test("a rollback survives its worker SIGKILLed in create_models and the scheduler SIGKILLed in replace_instances")
    func rollBackThroughKills() async throws {
        let system = try await HangarSystem("rollback-kill")
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 1)
        try await system.createEnvironment("rbk", target: #"{"stepDurationMs": 5, "instances": 2}"#)
        let first = try await system.wait(for: try await system.deploy("rbk", body: #"{"version":"a"}"#), status: .succeeded)
        _ = try await system.wait(for: try await system.deploy("rbk", body: #"{"version":"b"}"#), status: .succeeded)
        // Slow steps from now on: the rollback carries the environment's target as it is now.
        let (_, patched) = try await system.request(
            "PATCH", "/v1/environments/rbk", body: #"{"target":{"instances":2,"durations":{"create_models":3000,"replace_instances":3000}}}"#)
        #expect(patched == 200)

        let (data, status) = try await rollback(system, "{}", environment: "rbk")
        #expect(status == 202, "\(String(decoding: data, as: UTF8.self))")
        let id = try HangarJSON.decoder.decode(DeploymentDetails.self, from: data).id
        try await eventually("create_models running", timeout: .seconds(30)) {
            try await system.deployment(id).steps.first { $0.name == .createModels }?.status == .running
        }
        try system.start(.worker, name: "worker-2")
        system.stop("worker-1", signal: SIGKILL)
        try await eventually("replace_instances running", timeout: .seconds(60)) {
            try await system.deployment(id).steps.first { $0.name == .replaceInstances }?.status == .running
        }
        system.stop("scheduler", signal: SIGKILL)
        try system.start(.scheduler)

        let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(90))
        let model = try #require(first.outputs["mainModelVersion"])
        #expect(done.version == "a" && done.outputs["mainModelVersion"] == model)
        #expect(done.steps.first { $0.name == .createModels }?.worker == "worker-2", "create_models ran again on the worker left")
        #expect(try await Self.instanceModels(system, environment: "rbk") == [model, model])
    }

    // MARK: Helpers

    private func rollback(_ system: HangarSystem, _ body: String, environment: String = "rb") async throws -> (Data, Int) {
        try await system.request("POST", "/v1/environments/\(environment)/rollbacks", token: HangarSystem.deployerToken, body: body)
    }

    /// The model version each instance of the group reports, by instance id.
    static func instanceModels(_ system: HangarSystem, environment: String = "rb") async throws -> [String] {
        let (data, status) = try await system.request("GET", "/v1/environments/\(environment)/servers", token: HangarSystem.viewerToken)
        guard status == 200 else { throw E2EFailure("servers answered \(status): \(String(decoding: data, as: UTF8.self))") }
        let items = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        return items.filter { $0["role"] as? String == "instance" }.sorted { ($0["id"] as? String ?? "") < ($1["id"] as? String ?? "") }
            .map { $0["modelVersion"] as? String ?? "-" }
    }

    private static func fields(_ problem: Data) -> [String] {
        let object = (try? JSONSerialization.jsonObject(with: problem)) as? [String: Any]
        return (object?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
    }
}
