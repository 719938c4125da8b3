import Foundation
import HangarContracts
import HangarHarness
import Testing

/// The preparation server's scheduled shutdown through intake: schedule, extend, cancel, and
/// the stop carried out by a worker when due, also when no worker was up at that time.
@Suite("Scheduled server shutdown, end to end", .serialized)
struct ServerShutdownEndToEndTests {
    private struct Server {
        var status: String
        var shutdown: [String: Any]?
    }

    private func server(_ system: HangarSystem, _ id: String) async throws -> Server {
        let (data, status) = try await system.request("GET", "/v1/environments/off-env/servers", token: HangarSystem.viewerToken)
        guard status == 200 else { throw E2EFailure("servers answered \(status): \(String(decoding: data, as: UTF8.self))") }
        let items = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        guard let item = items.first(where: { $0["id"] as? String == id }) else { throw E2EFailure("no server \(id)") }
        return Server(status: item["status"] as? String ?? "", shutdown: item["scheduledShutdown"] as? [String: Any])
    }

    private func schedule(
        _ system: HangarSystem, _ id: String, in seconds: TimeInterval, token: String = HangarSystem.deployerToken
    )
        async throws -> (Data, Int)
    {
        let at = HangarJSON.formatDate(Date().addingTimeInterval(seconds))
        return try await system.request("PUT", "/v1/environments/off-env/servers/\(id)/shutdown", token: token, body: #"{"at":"\#(at)"}"#)
    }

    /// Polls `server` until `condition` holds, for at most `timeout`; a listing that fails (no
    /// worker ready yet) is tried again.
    private func until(
        _ system: HangarSystem, _ id: String, timeout: Duration, _ condition: (Server) -> Bool
    ) async throws -> Server {
        let deadline = ContinuousClock.now + timeout
        var last: Server?
        while ContinuousClock.now < deadline {
            if let current = try? await server(system, id) {
                last = current
                if condition(current) { break }
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        guard let last else { throw E2EFailure("no listing of the servers within \(timeout)") }
        return last
    }

    @Test("a scheduled shutdown stops the server when due; extend and cancel; bad input; a worker down at the time")
    func scheduledShutdown() async throws {
        let system = try await HangarSystem("shutdown", extraEnvironment: ["HANGAR_SERVER_REQUEST_TIMEOUT_MS": "5000"])
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("off-env")
        let (data, _) = try await system.request("GET", "/v1/environments/off-env/servers", token: HangarSystem.viewerToken)
        let items = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        let id = try #require(items.first { $0["role"] as? String == "preparation" }?["id"] as? String)
        #expect(try await server(system, id).shutdown == nil)

        // Bad input, each named; who may; unknown servers and nothing to cancel.
        let past = try await schedule(system, id, in: -60)
        #expect(past.1 == 422 && String(decoding: past.0, as: UTF8.self).contains("must be in the future"))
        let (_, missing) = try await system.request(
            "PUT", "/v1/environments/off-env/servers/\(id)/shutdown", token: HangarSystem.deployerToken, body: "{}")
        #expect(missing == 422)
        let (garbled, garbledStatus) = try await system.request(
            "PUT", "/v1/environments/off-env/servers/\(id)/shutdown", token: HangarSystem.deployerToken, body: #"{"at":"tomorrow"}"#)
        #expect(garbledStatus == 422 && String(decoding: garbled, as: UTF8.self).contains("RFC 3339"))
        #expect(try await schedule(system, id, in: 100 * 86400).1 == 422)
        let (_, extra) = try await system.request(
            "PUT", "/v1/environments/off-env/servers/\(id)/shutdown", token: HangarSystem.deployerToken,
            body: #"{"at":"\#(HangarJSON.formatDate(Date().addingTimeInterval(3600)))","reason":"x"}"#)
        #expect(extra == 422)
        #expect(try await schedule(system, id, in: 3600, token: HangarSystem.viewerToken).1 == 403)
        let (_, unknown) = try await system.request(
            "PUT", "/v1/environments/off-env/servers/i-nothere/shutdown", token: HangarSystem.deployerToken,
            body: #"{"at":"\#(HangarJSON.formatDate(Date().addingTimeInterval(3600)))"}"#)
        #expect(unknown == 404)
        let (_, nothingToCancel) = try await system.request(
            "DELETE", "/v1/environments/off-env/servers/\(id)/shutdown", token: HangarSystem.deployerToken)
        #expect(nothingToCancel == 404)

        // Scheduled 15 s ahead (time enough for the next requests on a busy machine), then
        // extended to an hour ahead, then cancelled: at the first time nothing happens.
        let firstTime = ContinuousClock.now + .seconds(15)
        let (scheduled, scheduledStatus) = try await schedule(system, id, in: 15)
        #expect(scheduledStatus == 200, "\(String(decoding: scheduled, as: UTF8.self))")
        let answered = try JSONSerialization.jsonObject(with: scheduled) as? [String: Any]
        #expect((answered?["scheduledShutdown"] as? [String: Any])?["requestedBy"] as? String == "deployer")
        #expect(try await schedule(system, id, in: 3600).1 == 200)
        let extended = try await server(system, id)
        let extendedText = try #require(extended.shutdown?["at"] as? String)
        let extendedAt = try #require(HangarJSON.parseDate(extendedText))
        #expect(extendedAt.timeIntervalSinceNow > 3000, "the later time replaced the earlier one")
        let (_, cancelled) = try await system.request("DELETE", "/v1/environments/off-env/servers/\(id)/shutdown", token: HangarSystem.deployerToken)
        #expect(cancelled == 204)
        #expect(try await server(system, id).shutdown == nil)
        try await Task.sleep(until: firstTime + .seconds(3))
        let afterCancel = try await server(system, id)
        #expect(afterCancel.status == "running" && afterCancel.shutdown == nil, "nothing fired at the first time")

        // Due in 3 s: the server stops, and the schedule is gone.
        #expect(try await schedule(system, id, in: 3).1 == 200)
        let stopped = try await until(system, id, timeout: .seconds(40)) { $0.status == "stopped" && $0.shutdown == nil }
        #expect(stopped.status == "stopped", "intake: \(system.logs("intake", lines: 20))")
        #expect(stopped.shutdown == nil)
        #expect(system.logs("intake", lines: 200).contains("intake.server.shutdown.done"))

        // No worker at the due time: the attempt fails and is kept; once a worker is back, the
        // retry stops the server.
        let (_, started) = try await system.request("POST", "/v1/environments/off-env/servers/\(id)/actions/start", token: HangarSystem.deployerToken)
        #expect(started == 202)
        // Due 10 s ahead; the worker stops at once; the only worker comes back 6 s after the
        // due time, after the attempt at that time has failed (its request times out in 1.5 s).
        let dueTime = ContinuousClock.now + .seconds(10)
        #expect(try await schedule(system, id, in: 10).1 == 200)
        system.stop("worker-1", signal: SIGTERM)
        try await Task.sleep(until: dueTime + .seconds(6))
        try system.start(.worker, name: "worker-2")
        let failed = try await until(system, id, timeout: .seconds(20)) { ($0.shutdown?["failedAttempts"] as? Int ?? 0) > 0 }
        #expect((failed.shutdown?["failedAttempts"] as? Int ?? 0) >= 1, "the failed attempt is shown")
        #expect((failed.shutdown?["lastError"] as? String)?.isEmpty == false)
        // The retry comes 15 s after the failure (30 s more if the new worker was not ready yet).
        let retried = try await until(system, id, timeout: .seconds(90)) { $0.status == "stopped" && $0.shutdown == nil }
        #expect(retried.status == "stopped" && retried.shutdown == nil, "intake: \(system.logs("intake", lines: 20))")
    }
}
