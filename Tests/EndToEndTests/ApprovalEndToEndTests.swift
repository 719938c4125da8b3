import Foundation
import HangarContracts
import HangarHarness
import Testing

/// Approvals through the services on the simulated provider: a deployment of an environment
/// that requires approval waits before `replace_instances` with its instances untouched, the
/// approvers get an email with a link to the console, a second deployer approves it (the
/// owner is refused when a different approver is required), a rejection ends it `rejected`
/// with its models undone, and the wait survives the scheduler and the worker SIGKILLed, as
/// does the durable expiry.
@Suite("Approvals end to end", .serialized, .timeLimit(.minutes(5)))
struct ApprovalEndToEndTests {
    static let leadToken = "test-lead-token"
    /// The usual tokens, and a second deployer (`lead`) to approve what `deployer` submits.
    static let tokens = [
        "HANGAR_TOKENS":
            "admin:admin:\(HangarSystem.adminToken),deployer:deployer:\(HangarSystem.deployerToken),viewer:viewer:\(HangarSystem.viewerToken),"
            + "lead:deployer:\(leadToken)"
    ]

    @Test("approved by a second deployer (the owner refused), rejected with its models undone; emails, CLI and errors")
    func approveAndReject() async throws {
        let system = try await HangarSystem("approval", extraEnvironment: Self.tokens)
        defer { Task { await system.shutdown() } }
        try await system.startAll(notifier: true)
        try await system.createEnvironment("ap", target: #"{"stepDurationMs": 5, "instances": 2}"#)
        let first = try await system.wait(for: try await system.deploy("ap", body: #"{"version":"1.0"}"#), status: .succeeded)
        let firstModel = try #require(first.outputs["mainModelVersion"])
        #expect(first.approval == nil, "no approval before the environment asked for one")

        // Every bad field named.
        let (bad, badStatus) = try await system.request(
            "PATCH", "/v1/environments/ap", body: #"{"approval":{"required":true,"expiresAfterMinutes":0,"approvers":["nope"],"who":1}}"#)
        #expect(badStatus == 422)
        #expect(
            Set(Self.fields(bad)) == ["approval.expiresAfterMinutes", "approval.approvers[0]", "approval.who"],
            "\(String(decoding: bad, as: UTF8.self))")
        let (env, envStatus) = try await system.request(
            "PATCH", "/v1/environments/ap",
            body: #"{"approval":{"required":true,"approvers":["lead@example.com"],"requireDifferentApprover":true,"expiresAfterMinutes":30}}"#)
        #expect(envStatus == 200, "\(String(decoding: env, as: UTF8.self))")

        // A deployment cannot waive it.
        let (waived, waivedStatus) = try await system.request(
            "POST", "/v1/environments/ap/deployments", token: HangarSystem.deployerToken, body: #"{"approval":{"required":false}}"#)
        #expect(waivedStatus == 422 && Self.fields(waived) == ["approval.required"])

        // It waits with its models made and its instances untouched.
        let id = try await system.deploy("ap", body: #"{"version":"2.0","notify":{"emails":["dev@example.com"]}}"#)
        let waiting = try await system.wait(for: id, status: .awaitingApproval)
        let approval = try #require(waiting.approval)
        #expect(approval.approvers == ["lead@example.com"] && approval.requireDifferentApprover && approval.decision == nil)
        #expect(approval.expiresAt.timeIntervalSince(approval.requestedAt) == 1800)
        #expect(waiting.steps.first { $0.name == .createModels }?.status == .succeeded)
        #expect(waiting.steps.first { $0.name == .replaceInstances }?.status == .pending)
        #expect(try await RollbackEndToEndTests.instanceModels(system, environment: "ap") == [firstModel, firstModel])

        // The approver's email links to the deployment in the console.
        let outbox = system.outboxDirectory
        try await eventually("the approver's email") {
            try Self.emails(in: outbox).contains {
                $0.contains("To: <lead@example.com>") && $0.contains("Subject: [Hangar] Deployment of 2.0 to ap awaits approval")
                    && $0.contains("Approve or reject: \(system.baseURL)/console/#/deployments/\(id.uuidString.lowercased())")
            }
        }

        // The owner may not approve their own; a viewer may not decide; bad bodies are named.
        let (own, ownStatus) = try await decide(system, id, "approve", token: HangarSystem.deployerToken)
        #expect(ownStatus == 403 && String(decoding: own, as: UTF8.self).contains("must come from someone else"))
        let (_, viewerStatus) = try await decide(system, id, "approve", token: HangarSystem.viewerToken)
        #expect(viewerStatus == 403)
        let (badBody, badBodyStatus) = try await decide(system, id, "approve", token: Self.leadToken, body: #"{"comment":5,"why":"x"}"#)
        #expect(badBodyStatus == 422 && Set(Self.fields(badBody)) == ["comment", "why"])
        #expect(try await system.deployment(id).status == .awaitingApproval)

        // The lead approves through the CLI.
        let approved = try await CLIEndToEndTests.hangar(
            ["approve", id.uuidString.lowercased(), "--comment", "ship it"], system: system, token: Self.leadToken)
        #expect(approved.status == 0, "\(approved.stdout) \(approved.stderr)")
        let done = try await system.wait(for: id, status: .succeeded)
        #expect(done.approval?.decision == .approved && done.approval?.decidedBy == "lead" && done.approval?.comment == "ship it")
        let secondModel = try #require(done.outputs["mainModelVersion"])
        #expect(try await RollbackEndToEndTests.instanceModels(system, environment: "ap") == [secondModel, secondModel])
        #expect(done.steps.first { $0.name == .replaceInstances }?.attempts == 1)
        // Nothing waits now: 409, and the CLI exits 3.
        let again = try await CLIEndToEndTests.hangar(["approve", id.uuidString.lowercased()], system: system, token: Self.leadToken)
        #expect(again.status == 3 && again.stderr.contains("only one awaiting approval can be approved"), "\(again.stderr)")
        try await eventually("the approval in the owner's success email") {
            try Self.emails(in: outbox).contains {
                $0.contains("To: <dev@example.com>") && $0.contains("succeeded") && $0.contains("approved by lead")
            }
        }

        // Rejected by its owner through the API: it ends rejected, the default model back to
        // the one that runs, the instances untouched.
        let rejectedId = try await system.deploy("ap", body: #"{"version":"3.0"}"#)
        _ = try await system.wait(for: rejectedId, status: .awaitingApproval)
        let (_, rejectStatus) = try await decide(system, rejectedId, "reject", token: HangarSystem.deployerToken, body: #"{"comment":"wrong build"}"#)
        #expect(rejectStatus == 202)
        let rejected = try await system.wait(for: rejectedId, status: .rejected)
        #expect(rejected.reason == "rejected by deployer: wrong build" && rejected.approval?.decision == .rejected)
        let finalize = try #require(rejected.steps.first { $0.name == .finalize })
        #expect(finalize.detail.contains { $0.message.contains("returning the default model to the backup model") }, "\(finalize.detail)")
        #expect(rejected.steps.first { $0.name == .replaceInstances }?.status != .succeeded)
        #expect(try await RollbackEndToEndTests.instanceModels(system, environment: "ap") == [secondModel, secondModel])

        // The CLI's reject, with --json, on one that waits.
        let thirdId = try await system.deploy("ap", body: #"{"version":"4.0"}"#)
        _ = try await system.wait(for: thirdId, status: .awaitingApproval)
        let shown = try await CLIEndToEndTests.hangar(["show", thirdId.uuidString.lowercased()], system: system)
        #expect(shown.stdout.contains("awaiting approval from lead@example.com"), "\(shown.stdout)")
        let json = try await CLIEndToEndTests.hangar(["reject", thirdId.uuidString.lowercased(), "--json"], system: system, token: Self.leadToken)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(try HangarJSON.decoder.decode(DeploymentDetails.self, from: Data(json.stdout.utf8)).id == thirdId)
        #expect(try await system.wait(for: thirdId, status: .rejected).reason == "rejected by lead")

        // A rollback waits for nobody.
        let (rollback, rollbackStatus) = try await system.request(
            "POST", "/v1/environments/ap/rollbacks", token: HangarSystem.deployerToken, body: "{}")
        #expect(rollbackStatus == 202, "\(String(decoding: rollback, as: UTF8.self))")
        let back = try await system.wait(for: try HangarJSON.decoder.decode(DeploymentDetails.self, from: rollback).id, status: .succeeded)
        #expect(back.approval == nil && back.version == "1.0")
    }

    @Test("the wait survives the scheduler and the worker SIGKILLed: approved after, it replaces once; an expiry still fires after a restart")
    func throughKills() async throws {
        let system = try await HangarSystem("approval-kill", extraEnvironment: Self.tokens)
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 1)
        try await system.createEnvironment("apk", target: #"{"stepDurationMs": 5, "instances": 2}"#)
        let (_, patched) = try await system.request(
            "PATCH", "/v1/environments/apk", body: #"{"approval":{"required":true,"approvers":["lead@example.com"]}}"#)
        #expect(patched == 200)

        let id = try await system.deploy("apk", body: #"{"version":"1.0"}"#)
        _ = try await system.wait(for: id, status: .awaitingApproval)
        system.stop("scheduler", signal: SIGKILL)
        system.stop("worker-1", signal: SIGKILL)
        try system.start(.scheduler)
        try system.start(.worker, name: "worker-2")
        // Still waiting after the restart: nothing was dispatched meanwhile.
        try await Task.sleep(for: .seconds(2))
        #expect(try await system.deployment(id).status == .awaitingApproval)
        let (_, status) = try await decide(system, id, "approve", token: Self.leadToken)
        #expect(status == 202)
        let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(90))
        let replace = try #require(done.steps.first { $0.name == .replaceInstances })
        #expect(replace.attempts == 1 && replace.worker == "worker-2")
        let model = try #require(done.outputs["mainModelVersion"])
        #expect(try await RollbackEndToEndTests.instanceModels(system, environment: "apk") == [model, model])

        // A deployment's own shorter wait; the scheduler SIGKILLed while it runs: its durable
        // timer still rejects it, and the instances stay on the approved release.
        let expiring = try await system.deploy("apk", body: #"{"version":"2.0","approval":{"expiresAfterMinutes":1}}"#)
        let waiting = try await system.wait(for: expiring, status: .awaitingApproval)
        #expect(try #require(waiting.approval).expiresAt.timeIntervalSince(try #require(waiting.approval).requestedAt) == 60)
        system.stop("scheduler", signal: SIGKILL)
        try system.start(.scheduler)
        let expired = try await system.wait(for: expiring, status: .rejected, timeout: .seconds(120))
        #expect(expired.approval?.decision == .expired && expired.reason == "nobody approved it within 1 minute")
        #expect(try await RollbackEndToEndTests.instanceModels(system, environment: "apk") == [model, model])
    }

    // MARK: Helpers

    private func decide(_ system: HangarSystem, _ id: UUID, _ action: String, token: String, body: String? = nil) async throws -> (Data, Int) {
        try await system.request("POST", "/v1/deployments/\(id.uuidString.lowercased())/\(action)", token: token, body: body)
    }

    /// Each email of the outbox: its headers and its text part, decoded.
    static func emails(in outbox: URL) throws -> [String] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []).filter { $0.hasSuffix(".eml") }
        return try files.map { file in
            let raw = try String(contentsOf: outbox.appendingPathComponent(file), encoding: .utf8)
            let marker = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            guard let start = raw.range(of: marker) else { return raw }
            let rest = raw[start.upperBound...]
            let body = rest[..<(rest.range(of: "\r\n--")?.lowerBound ?? rest.endIndex)].replacingOccurrences(of: "\r\n", with: "")
            return raw + "\n" + (Data(base64Encoded: body).map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
    }

    static func fields(_ problem: Data) -> [String] {
        let object = (try? JSONSerialization.jsonObject(with: problem)) as? [String: Any]
        return (object?["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
    }
}
