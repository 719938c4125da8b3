import Foundation
import HangarContracts
import HangarHarness
import Testing

/// The preparation server's scheduled shutdown: scheduled, extended and cancelled through
/// intake, fired by the scheduler (once, with two replicas) and carried out by a worker when
/// due, also when no worker was up at that time; every turn in the environment's shutdown
/// history, and an email when the server was stopped.
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
        _ system: HangarSystem, _ id: String, in seconds: TimeInterval, token: String = HangarSystem.deployerToken, notify: [String] = []
    )
        async throws -> (Data, Int)
    {
        let at = HangarJSON.formatDate(Date().addingTimeInterval(seconds))
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["at": at, "notify": notify]), as: UTF8.self)
        return try await system.request("PUT", "/v1/environments/off-env/servers/\(id)/shutdown", token: token, body: body)
    }

    /// The environment's shutdown history, newest first, once `condition` holds (or after 30 s).
    private func shutdownHistory(
        _ system: HangarSystem, environment: String = "off-env", until condition: ([ServerShutdownEvent]) -> Bool
    ) async throws -> [ServerShutdownEvent] {
        struct History: Decodable { var items: [ServerShutdownEvent] }
        let deadline = ContinuousClock.now + .seconds(30)
        var items: [ServerShutdownEvent] = []
        while ContinuousClock.now < deadline {
            let (data, status) = try await system.request("GET", "/v1/environments/\(environment)/shutdowns", token: HangarSystem.viewerToken)
            guard status == 200 else { throw E2EFailure("shutdowns answered \(status): \(String(decoding: data, as: UTF8.self))") }
            items = try HangarJSON.decoder.decode(History.self, from: data).items
            if condition(items) { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        return items
    }

    /// Stop requests the workers answered (their logs), over every worker started so far.
    private func stopRequests(_ system: HangarSystem) -> Int {
        ["worker-1", "worker-2"].map { worker in
            system.logs(worker, lines: 100_000).split(separator: "\n").filter {
                $0.contains("hangar.server_request.answered") && $0.contains("stop")
            }.count
        }.reduce(0, +)
    }

    /// The notifier's emails (its outbox folder), once there are `count`, for at most 30 s.
    private func emails(_ system: HangarSystem, count: Int) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(30)
        var files: [String] = []
        while ContinuousClock.now < deadline {
            files = ((try? FileManager.default.contentsOfDirectory(atPath: system.outboxDirectory.path)) ?? []).filter { $0.hasSuffix(".eml") }
            if files.count >= count { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try files.sorted().map { try String(contentsOf: system.outboxDirectory.appendingPathComponent($0), encoding: .utf8) }
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

    @Test("the environment's live stream carries each turn of a scheduled shutdown as `event: shutdown`")
    func shutdownsOnTheLiveStream() async throws {
        let system = try await HangarSystem("shutdown-stream")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("off-env")
        try await system.createEnvironment("other-env")
        let (data, _) = try await system.request("GET", "/v1/environments/off-env/servers", token: HangarSystem.viewerToken)
        let items = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        let id = try #require(items.first { $0["role"] as? String == "preparation" }?["id"] as? String)

        let stream = try ConsoleAPIEndToEndTests.curlStream(
            "\(system.baseURL)/v1/environments/off-env/events?access_token=\(HangarSystem.viewerToken)", seconds: 60)
        defer { stream.close() }
        _ = try await stream.text(containing: "event: ready")
        // Another environment's stream does not carry it.
        let other = try ConsoleAPIEndToEndTests.curlStream(
            "\(system.baseURL)/v1/environments/other-env/events?access_token=\(HangarSystem.viewerToken)", seconds: 60)
        defer { other.close() }
        _ = try await other.text(containing: "event: ready")

        #expect(try await schedule(system, id, in: 3600).1 == 200)
        let (_, cancelled) = try await system.request("DELETE", "/v1/environments/off-env/servers/\(id)/shutdown", token: HangarSystem.deployerToken)
        #expect(cancelled == 204)
        _ = try await stream.text(containing: #""status":"cancelled""#)
        let turns = try ConsoleAPIEndToEndTests.parseEvents(stream.text).filter { $0.name == "shutdown" }.map {
            try HangarJSON.decoder.decode(ServerShutdownEvent.self, from: Data($0.data.utf8))
        }
        #expect(turns.map(\.status) == [.scheduled, .cancelled], "\(turns)")
        #expect(turns.allSatisfy { $0.serverId == id && $0.environmentName == "off-env" && $0.requestedBy == "deployer" })
        #expect(!other.text.contains("event: shutdown"), "another environment's stream carries none")
    }

    @Test("a scheduled shutdown stops the server when due; extend and cancel; bad input; a worker down at the time")
    func scheduledShutdown() async throws {
        let system = try await HangarSystem("shutdown", extraEnvironment: ["HANGAR_SERVER_REQUEST_TIMEOUT_MS": "5000"])
        defer { Task { await system.shutdown() } }
        try await system.startAll(notifier: true)
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

        // A second scheduler: the stop fires once all the same (the timer lease).
        try system.start(.scheduler, name: "scheduler-2")
        // Due in 4 s, with an email to tell: the server stops, the schedule is gone from the
        // listing, and the history and an email say so.
        #expect(try await schedule(system, id, in: 4, notify: ["ops@example.com"]).1 == 200)
        let stopped = try await until(system, id, timeout: .seconds(40)) { $0.status == "stopped" && $0.shutdown == nil }
        #expect(stopped.status == "stopped", "scheduler: \(system.logs("scheduler", lines: 20))")
        #expect(stopped.shutdown == nil)
        let history = try await shutdownHistory(system, until: { $0.contains { $0.status == .stopped } })
        #expect(history.filter { $0.status == .stopped }.count == 1, "\(history.map(\.status))")
        let done = try #require(history.first { $0.status == .stopped })
        #expect(done.serverId == id && done.attempt == 1 && done.requestedBy == "deployer")
        #expect(["stopping", "stopped"].contains(done.serverStatus ?? "-"), "as the provider reported it: \(done.serverStatus ?? "-")")
        #expect(history.contains { $0.status == .cancelled && $0.serverId == id }, "the cancel earlier is in the history too")
        #expect(stopRequests(system) == 1, "one worker was asked to stop it once: \(system.logs("worker-1", lines: 20))")
        let email = try await emails(system, count: 1).first ?? ""
        #expect(email.contains("Subject: [Hangar] Server "), "\(email.prefix(400))")
        #expect(email.contains(" as scheduled") && email.contains("To: <ops@example.com>"))

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
        // The unanswered attempt fails 35 s after the due time (the request's 5 s and 30 s for
        // a worker busy with the provider).
        let failed = try await until(system, id, timeout: .seconds(60)) { ($0.shutdown?["failedAttempts"] as? Int ?? 0) > 0 }
        #expect((failed.shutdown?["failedAttempts"] as? Int ?? 0) >= 1, "the failed attempt is shown")
        #expect((failed.shutdown?["lastError"] as? String)?.contains("no worker answered") == true)
        // The retry comes 15 s after the failure (30 s more if the new worker was not ready yet).
        let retried = try await until(system, id, timeout: .seconds(90)) { $0.status == "stopped" && $0.shutdown == nil }
        #expect(retried.status == "stopped" && retried.shutdown == nil, "scheduler: \(system.logs("scheduler", lines: 20))")
        let retries = try await shutdownHistory(system) { $0.filter { $0.status == .stopped }.count == 2 }
        let second = try #require(retries.first { $0.status == .stopped })
        #expect(second.attempt == 2 && second.worker == "worker-2", "\(retries.map { "\($0.status) \($0.attempt)" })")
        #expect(retries.contains { $0.status == .failed && $0.attempt == 1 && $0.retryAt != nil })
    }
}

extension ServerShutdownEndToEndTests {
    @Test(
        "the scheduler holding the timers SIGKILLed at the due time: the other replica carries the stop out, and it is stopped, recorded and emailed once"
    )
    func schedulerKilledAtDueTime() async throws {
        let system = try await HangarSystem("shutdown-kill", extraEnvironment: ["HANGAR_SERVER_REQUEST_TIMEOUT_MS": "5000"])
        defer { Task { await system.shutdown() } }
        try await system.startAll(notifier: true)
        try system.start(.scheduler, name: "scheduler-2")
        try await system.createEnvironment("off-env")
        let (data, _) = try await system.request("GET", "/v1/environments/off-env/servers", token: HangarSystem.viewerToken)
        let items = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        let id = try #require(items.first { $0["role"] as? String == "preparation" }?["id"] as? String)

        // The first scheduler took the timer lease (the second started after it); it dies a
        // moment after the due time, before or after it asked a worker.
        let due = ContinuousClock.now + .seconds(4)
        #expect(try await schedule(system, id, in: 4, notify: ["ops@example.com"]).1 == 200)
        try await Task.sleep(until: due + .milliseconds(150))
        system.stop("scheduler", signal: SIGKILL)

        let stopped = try await until(system, id, timeout: .seconds(60)) { $0.status == "stopped" && $0.shutdown == nil }
        #expect(stopped.status == "stopped" && stopped.shutdown == nil, "scheduler-2: \(system.logs("scheduler-2", lines: 30))")
        let history = try await shutdownHistory(system) { $0.contains { $0.status == .stopped } }
        #expect(history.filter { $0.status == .stopped }.count == 1, "\(history.map(\.status))")
        #expect(history.filter { $0.status == .scheduled }.count == 1)
        // A request the dead replica published but had not yet marked as sent may go out again:
        // a second stop of a stopped server; the answers count once.
        #expect((1...2).contains(stopRequests(system)), "\(system.logs("worker-1", lines: 20))")
        try await Task.sleep(for: .seconds(2))
        let emails = try await emails(system, count: 1)
        #expect(emails.count == 1, "one email: \(emails.map { $0.prefix(200) })")
    }
}
