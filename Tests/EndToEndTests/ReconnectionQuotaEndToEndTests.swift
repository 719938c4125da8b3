import Foundation
import HangarContracts
import HangarHarness
import Testing

/// The monthly reconnection quota is counted by the scheduler alone; intake asks it before
/// accepting a `requestReconnection` deployment and maps its answer.
@Suite("Reconnection quota, end to end", .serialized)
struct ReconnectionQuotaEndToEndTests {
    @Test(
        "a refusal is a 409 with the scheduler's reason; with the scheduler SIGKILLed a submission is accepted after the wait, and the restarted scheduler rejects it for the same reason"
    )
    func askedOfTheScheduler() async throws {
        let system = try await HangarSystem("quota")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("quota-env", limits: #"{"reconnectionsPerMonth": 1}"#)
        let reconnect = #"{"mode":"requestReconnection","reconnection":{"minutes":5,"message":"Please save your work"}}"#
        let first = try await system.deploy("quota-env", body: reconnect)
        _ = try await system.wait(for: first, status: .succeeded)

        let (refused, refusedStatus) = try await system.request(
            "POST", "/v1/environments/quota-env/deployments", token: HangarSystem.deployerToken, body: reconnect)
        #expect(refusedStatus == 409)
        let problem = try JSONSerialization.jsonObject(with: refused) as? [String: Any]
        #expect(problem?["detail"] as? String == "the environment used 1 of its 1 reconnection requests this month")
        #expect((problem?["errors"] as? [[String: Any]])?.first?["field"] as? String == "mode")

        // No scheduler to ask: accepted once the question went unanswered (3 s).
        system.stop("scheduler", signal: SIGKILL)
        let asked = ContinuousClock.now
        let (accepted, acceptedStatus) = try await system.request(
            "POST", "/v1/environments/quota-env/deployments", token: HangarSystem.deployerToken, body: reconnect)
        #expect(acceptedStatus == 202, "\(String(decoding: accepted, as: UTF8.self))")
        #expect(ContinuousClock.now - asked >= .milliseconds(2900))
        #expect(system.logs("intake", lines: 200).contains("intake.quota.unanswered"))
        let id = try HangarJSON.decoder.decode(DeploymentDetails.self, from: accepted).id

        try system.start(.scheduler)
        let rejected = try await system.wait(for: id, status: .rejected)
        #expect(rejected.reason == "the environment used 1 of its 1 reconnection requests this month")
    }
}
