import Foundation
import HangarContracts
import HangarHarness
import HangarHistory
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The routes behind the console: live event streams, queues, environment lifecycle,
/// servers over the broker's request/reply, `/v1/me` and the console's files.
@Suite("Console API end to end", .serialized, .timeLimit(.minutes(4)))
struct ConsoleAPIEndToEndTests {
    /// One Server-Sent Event.
    struct Event {
        var name: String
        var data: String
    }

    static func parseEvents(_ text: String) -> [Event] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var name = "message"
            var data: [String] = []
            for line in block.split(separator: "\n", omittingEmptySubsequences: true) {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
            }
            return data.isEmpty ? nil : Event(name: name, data: data.joined(separator: "\n"))
        }
    }

    /// The whole body of a stream that ends by itself (a deployment's, after its terminal status).
    static func readStream(_ url: String, headers: [String: String] = [:]) async throws -> (String, Int, String?) {
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 60
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        ResponseLog.shared?.record(request, response, body: data)
        return (String(decoding: data, as: UTF8.self), http?.statusCode ?? 0, http?.value(forHTTPHeaderField: "Content-Type"))
    }

    /// `curl -sN` on a stream, its output gathered as it arrives so what came so far can be read
    /// while it runs (the environment stream does not end by itself).
    final class CurlStream: Sendable {
        /// The bytes read so far, shared with the pipe's handler.
        final class Received: Sendable {
            let data = Mutex(Data())
        }

        let process: Process
        private let received = Received()

        init(_ url: String, seconds: Int) throws {
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["curl", "-sN", "--max-time", String(seconds), url]
            let pipe = Pipe()
            process.standardOutput = pipe
            pipe.fileHandleForReading.readabilityHandler = { [received] handle in
                let chunk = handle.availableData
                if chunk.isEmpty { handle.readabilityHandler = nil } else { received.data.withLock { $0.append(chunk) } }
            }
            try process.run()
        }

        /// What the stream carried so far.
        var text: String { received.data.withLock { String(decoding: $0, as: UTF8.self) } }

        /// Waits until the stream carried `needle`, in any case (or `timeout` passed), and returns the text.
        func text(containing needle: String, timeout: Duration = .seconds(20)) async throws -> String {
            let deadline = ContinuousClock.now + timeout
            while text.range(of: needle, options: .caseInsensitive) == nil, process.isRunning, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            return text
        }

        /// Waits for curl to end by itself and returns everything the stream carried.
        func finish() async throws -> String {
            while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            try await Task.sleep(for: .milliseconds(100))  // the last chunk's handler
            return text
        }

        /// Closes the stream now (SIGKILL: the test process may hand SIGTERM down ignored).
        func close() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    static func curlStream(_ url: String, seconds: Int) throws -> CurlStream {
        try CurlStream(url, seconds: seconds)
    }

    @Test("intake's event feed is bound only while a live stream is open (and a short linger after)")
    func feedBoundWhileStreaming() async throws {
        let system = try await HangarSystem("feed", extraEnvironment: ["HANGAR_EVENTS_LINGER_MS": "300", "HANGAR_EVENTS_HEARTBEAT_MS": "300"])
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("feed-env")
        func feedBindings() async throws -> Int {
            let (data, _) = try await system.broker("GET", "/api/bindings/\(system.encodedVhost)")
            let bindings = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            return bindings.count { binding in
                let destination = binding["destination"] as? String ?? ""
                return binding["source"] as? String == "hangar.events" && destination.hasPrefix("hangar.intake.") && destination.hasSuffix(".events")
            }
        }
        func waitFor(_ count: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(10)
            while try await feedBindings() != count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(try await feedBindings() == count, "expected \(count) binding(s)")
        }
        // Nobody watches: no events reach intake.
        _ = try await system.wait(for: try await system.deploy("feed-env"), status: .succeeded)
        #expect(try await feedBindings() == 0)

        // A stream opens: bound before it starts, and it sees a deployment live.
        // curl's limit is generous (a busy machine); the stream is closed as soon as it carried the deployment.
        let stream = try Self.curlStream("\(system.baseURL)/v1/environments/feed-env/events?access_token=\(HangarSystem.viewerToken)", seconds: 60)
        // Two bindings: the workers' step events and the scheduler's event batches.
        try await waitFor(2)
        let id = try await system.deploy("feed-env")
        _ = try await system.wait(for: id, status: .succeeded)
        let text = try await stream.text(containing: id.uuidString)
        stream.close()
        #expect(text.range(of: id.uuidString, options: .caseInsensitive) != nil, "the stream carried the deployment")
        // The stream closed (intake notices at its next heartbeat): unbound after the linger.
        try await waitFor(0)
    }

    @Test("a deployment's stream: its details at once, every step and status as they happen, the end after the terminal status")
    func deploymentStream() async throws {
        let system = try await HangarSystem("sse")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("sse-env", target: #"{"stepDurationMs": 300}"#)

        let (_, anonymous, _) = try await Self.readStream("\(system.baseURL)/v1/deployments/\(UUID().uuidString.lowercased())/events")
        #expect(anonymous == 401)
        let (_, unknown, _) = try await Self.readStream(
            "\(system.baseURL)/v1/deployments/\(UUID().uuidString.lowercased())/events?access_token=\(HangarSystem.viewerToken)")
        #expect(unknown == 404)

        // The environment's stream, read by curl meanwhile.
        let environmentStream = try Self.curlStream(
            "\(system.baseURL)/v1/environments/sse-env/events?access_token=\(HangarSystem.viewerToken)", seconds: 12)

        // Due in 3 s: the stream is open before the first step runs, however busy the machine.
        let due = HangarJSON.formatDate(Date().addingTimeInterval(3))
        let id = try await system.deploy("sse-env", body: #"{"version":"9.1","scheduledAt":"\#(due)"}"#)
        let started = ContinuousClock.now
        // The token as a query parameter, as a browser's EventSource sends it.
        let (text, status, contentType) = try await Self.readStream(
            "\(system.baseURL)/v1/deployments/\(id.uuidString.lowercased())/events?access_token=\(HangarSystem.viewerToken)")
        let elapsed = ContinuousClock.now - started
        #expect(status == 200)
        #expect(contentType?.hasPrefix("text/event-stream") == true)
        let events = Self.parseEvents(text)
        let details = try events.filter { $0.name == "deployment" }.map {
            try HangarJSON.decoder.decode(DeploymentDetails.self, from: Data($0.data.utf8))
        }
        #expect(details.first.map { [.scheduled, .queued, .running].contains($0.status) } == true)
        let last = try #require(details.last)
        #expect(last.status == .succeeded)
        #expect(last.steps.allSatisfy { $0.status == .succeeded || $0.status == .skipped })
        #expect(last.steps.count == 6)
        // Live: several intermediate states were sent, not only the first and the last.
        #expect(details.count >= 4, "only \(details.count) deployment events: \(text.prefix(2000))")
        let stepTypes = events.filter { $0.name == "step" }.compactMap { event -> String? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(event.data.utf8)) as? [String: Any] else { return nil }
            return object["kind"] as? String
        }
        #expect(stepTypes.filter { $0 == "succeeded" }.count >= 5)
        #expect(events.contains { $0.name == "status" && $0.data.contains("\"succeeded\"") })
        // The stream ended by itself, soon after the deployment did.
        #expect(elapsed < .seconds(30))

        // A finished deployment's stream: its details, then the end.
        let (again, _, _) = try await Self.readStream(
            "\(system.baseURL)/v1/deployments/\(id.uuidString.lowercased())/events",
            headers: ["Authorization": "Bearer \(HangarSystem.viewerToken)"])
        #expect(Self.parseEvents(again).count == 1)

        let environmentEvents = Self.parseEvents(try await environmentStream.finish())
        #expect(environmentEvents.first?.name == "ready")
        let statuses = environmentEvents.filter { $0.name == "deployment" }.compactMap {
            try? HangarJSON.decoder.decode(DeploymentDetails.self, from: Data($0.data.utf8))
        }.filter { $0.id == id }.map(\.status)
        #expect(statuses.contains(.running))
        #expect(statuses.last == .succeeded)
    }

    @Test("queues from the management API, 502 when it is unreachable; /v1/me; the console's files")
    func queuesMeAndConsole() async throws {
        let system = try await HangarSystem("queues")
        defer { Task { await system.shutdown() } }
        try await system.startAll()

        // The management API's statistics lag a few seconds behind the broker: wait for the
        // worker's consumer to show.
        var object: [String: Any]?
        var items: [[String: Any]] = []
        var steps: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        repeat {
            let (data, status) = try await system.request("GET", "/v1/queues", token: HangarSystem.viewerToken)
            #expect(status == 200)
            object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            items = object?["items"] as? [[String: Any]] ?? []
            steps = items.first { $0["name"] as? String == "hangar.steps" } ?? [:]
            if (steps["consumers"] as? Int ?? 0) >= 1 { break }
            try await Task.sleep(for: .milliseconds(500))
        } while ContinuousClock.now < deadline
        #expect(object?["vhost"] as? String == system.vhost)
        #expect((steps["consumers"] as? Int ?? 0) >= 1)
        #expect(steps["deadLetters"] as? Int == 0)
        #expect(steps["deadLetterQueue"] as? String == "hangar.steps.dead")
        #expect(!items.contains { $0["name"] as? String == "hangar.steps.dead" })
        #expect(items.contains { ($0["name"] as? String)?.hasPrefix("hangar.intake.") == true })

        let (me, meStatus) = try await system.request("GET", "/v1/me", token: HangarSystem.deployerToken)
        #expect(meStatus == 200)
        #expect(String(decoding: me, as: UTF8.self).contains(#""role":"deployer""#))

        let (openapi, _) = try await system.request("GET", "/openapi.json", token: nil)
        let paths = ((try JSONSerialization.jsonObject(with: openapi) as? [String: Any])?["paths"] as? [String: Any])?.keys.sorted() ?? []
        for path in [
            "/v1/me", "/v1/queues", "/v1/deployments/{id}/events", "/v1/environments/{env}/events", "/v1/environments/{env}/actions/{action}",
            "/v1/environments/{env}/servers", "/v1/environments/{env}/servers/{server}/actions/{action}", "/v1/environments/{env}/cost",
            "/v1/environments/{env}/servers/{server}/shutdown",
        ] {
            #expect(paths.contains(path), "the OpenAPI document lacks \(path)")
        }

        let (page, pageStatus) = try await system.request("GET", "/console/", token: nil)
        #expect(pageStatus == 200)
        #expect(String(decoding: page, as: UTF8.self).contains("Hangar console"))
        let (script, scriptStatus) = try await system.request("GET", "/console/js/app.js", token: nil)
        #expect(scriptStatus == 200 && script.count > 100)
        let (_, missing) = try await system.request("GET", "/console/../Package.swift", token: nil)
        #expect(missing == 404)

        // The management API unreachable: a clear 502.
        system.stop("intake", signal: SIGTERM)
        try system.start(
            .intake, environment: ["HANGAR_RABBITMQ_MANAGEMENT_URL": "http://guest:guest@127.0.0.1:9", "HANGAR_EVENTS_HEARTBEAT_MS": "300"])
        try await system.waitUntilReady()

        // A quiet stream gets heartbeat comments (every 300 ms here, 15 s by default).
        try await system.createEnvironment("quiet")
        let quiet = try Self.curlStream("\(system.baseURL)/v1/environments/quiet/events?access_token=\(HangarSystem.viewerToken)", seconds: 2)
        let quietText = try await quiet.finish()
        #expect(quietText.components(separatedBy: ": heartbeat").count - 1 >= 3, "\(quietText)")
        let (problem, unreachable) = try await system.request("GET", "/v1/queues", token: HangarSystem.viewerToken)
        #expect(unreachable == 502)
        #expect(String(decoding: problem, as: UTF8.self).contains("unreachable"))
        #expect(!String(decoding: problem, as: UTF8.self).contains("guest:guest"))
    }

    @Test(
        "suspend, resume and release: suspended and released environments refuse deployments with 409; release stops the servers, resume starts them")
    func lifecycle() async throws {
        let system = try await HangarSystem("lifecycle")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("life-env", target: #"{"stepDurationMs": 10}"#)

        let (_, deployerSuspends) = try await system.request("POST", "/v1/environments/life-env/actions/suspend", token: HangarSystem.deployerToken)
        #expect(deployerSuspends == 403)
        let (suspended, suspendStatus) = try await system.request("POST", "/v1/environments/life-env/actions/suspend")
        #expect(suspendStatus == 200)
        #expect(String(decoding: suspended, as: UTF8.self).contains(#""lifecycle":"suspended""#))
        #expect(String(decoding: suspended, as: UTF8.self).contains("lastRunningAt"))
        let (refused, refusedStatus) = try await system.request(
            "POST", "/v1/environments/life-env/deployments", token: HangarSystem.deployerToken, body: "{}")
        #expect(refusedStatus == 409)
        #expect(String(decoding: refused, as: UTF8.self).contains("suspended"))

        let (_, resumeStatus) = try await system.request("POST", "/v1/environments/life-env/actions/resume")
        #expect(resumeStatus == 200)
        let id = try await system.deploy("life-env")
        _ = try await system.wait(for: id, status: .succeeded)

        // Not while a deployment runs: its group would go to zero mid-replacement.
        try await system.createEnvironment("busy-env", target: #"{"stepDurationMs": 4000}"#)
        let running = try await system.deploy("busy-env")
        try await eventually("the deployment runs") { try await system.deployment(running).status == .running }
        let (busyAnswer, busyRelease) = try await system.request("POST", "/v1/environments/busy-env/actions/release")
        #expect(busyRelease == 409, "\(String(decoding: busyAnswer, as: UTF8.self))")
        #expect(String(decoding: busyAnswer, as: UTF8.self).contains(running.uuidString.lowercased()))
        let (_, cancelBusy) = try await system.request(
            "POST", "/v1/deployments/\(running.uuidString.lowercased())/cancel", token: HangarSystem.deployerToken)
        #expect(cancelBusy == 202)
        // Nor while one is scheduled for later: it would fall due on a released environment.
        try await system.createEnvironment("planned-env")
        let planned = try await system.deploy(
            "planned-env", body: #"{"scheduledAt":"\#(HangarJSON.formatDate(Date().addingTimeInterval(3600)))"}"#)
        try await eventually("the deployment is scheduled in the history") {
            let (data, _) = try await system.request("GET", "/v1/environments/planned-env/deployments?status=scheduled")
            return try HangarJSON.decoder.decode(HistoryPage.self, from: data).items.contains { $0.id == planned }
        }
        let (plannedAnswer, plannedRelease) = try await system.request("POST", "/v1/environments/planned-env/actions/release")
        #expect(plannedRelease == 409, "\(String(decoding: plannedAnswer, as: UTF8.self))")
        #expect(String(decoding: plannedAnswer, as: UTF8.self).contains("\(planned.uuidString.lowercased()) scheduled"))

        // Release frees the cloud through a worker's provider, and says what it did.
        let (released, releaseStatus) = try await system.request("POST", "/v1/environments/life-env/actions/release")
        #expect(releaseStatus == 200)
        let releasedEnvironment = try JSONSerialization.jsonObject(with: released) as? [String: Any]
        let releaseReport = releasedEnvironment?["lifecycleReport"] as? [String] ?? []
        #expect(releaseReport.first == "scaled the simulated instance group from 2 to 0 instances", "\(releaseReport)")
        #expect(
            releaseReport.contains { $0.hasPrefix("stopped preparation server") } && releaseReport.contains { $0.hasPrefix("stopped support server") }
        )
        let (serversData, _) = try await system.request("GET", "/v1/environments/life-env/servers", token: HangarSystem.viewerToken)
        let afterRelease = (try JSONSerialization.jsonObject(with: serversData) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        #expect(afterRelease.count == 2 && afterRelease.allSatisfy { ["stopping", "stopped"].contains($0["status"] as? String) }, "\(afterRelease)")
        #expect(!afterRelease.contains { $0["role"] as? String == "instance" }, "the group is at 0 instances")
        let releasedCost = (try JSONSerialization.jsonObject(with: serversData) as? [String: Any])?["cost"] as? [String: Any]
        #expect(releasedCost?["total"] as? Double == 0, "nothing runs, nothing costs: \(releasedCost ?? [:])")
        let (_, releasedDeploy) = try await system.request(
            "POST", "/v1/environments/life-env/deployments", token: HangarSystem.deployerToken, body: "{}")
        #expect(releasedDeploy == 409)
        let (_, suspendReleased) = try await system.request("POST", "/v1/environments/life-env/actions/suspend")
        #expect(suspendReleased == 409)

        // Resume brings back what the release stopped; the group's instances are launched again, so
        // the cost counts from the resume.
        let resumeAsked = Date()
        let (resumed, resumeReleased) = try await system.request("POST", "/v1/environments/life-env/actions/resume")
        #expect(resumeReleased == 200)
        let resumedEnvironment = try JSONSerialization.jsonObject(with: resumed) as? [String: Any]
        #expect(resumedEnvironment?["lifecycle"] as? String == "activated")
        let resumeReport = resumedEnvironment?["lifecycleReport"] as? [String] ?? []
        #expect(resumeReport.filter { $0.hasPrefix("started ") && $0.hasSuffix("which the release had stopped") }.count == 2, "\(resumeReport)")
        #expect(resumeReport.first == "scaled the simulated instance group back to 2 instances", "\(resumeReport)")
        let (resumedServers, _) = try await system.request("GET", "/v1/environments/life-env/servers", token: HangarSystem.viewerToken)
        let resumedListing = try JSONSerialization.jsonObject(with: resumedServers) as? [String: Any]
        let instances = (resumedListing?["items"] as? [[String: Any]] ?? []).filter { $0["role"] as? String == "instance" }
        #expect(instances.count == 2)
        for instance in instances {
            let launched = (instance["launchedAt"] as? String).flatMap(HangarJSON.parseDate)
            #expect(launched.map { $0 >= resumeAsked.addingTimeInterval(-1) } == true, "launched at the resume: \(instance)")
        }
        let costLines = ((resumedListing?["cost"] as? [String: Any])?["lines"] as? [[String: Any]]) ?? []
        #expect(costLines.filter { $0["role"] as? String == "instance" }.count == 2, "the group's instances are priced: \(costLines)")
        #expect(costLines.allSatisfy { ($0["hours"] as? Double ?? 99) < 0.1 }, "hours since the resume, not since the creation")
        let again = try await system.deploy("life-env")
        _ = try await system.wait(for: again, status: .succeeded)
        let (_, unknownAction) = try await system.request("POST", "/v1/environments/life-env/actions/explode")
        #expect(unknownAction == 404)
    }

    @Test("servers over the broker: a worker lists them, acts on one; the cost; 504 without workers")
    func servers() async throws {
        let system = try await HangarSystem("servers", extraEnvironment: ["HANGAR_SERVER_REQUEST_TIMEOUT_MS": "1500"])
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        let environmentId = try await system.createEnvironment("srv-env")

        let (data, status) = try await system.request("GET", "/v1/environments/srv-env/servers", token: HangarSystem.viewerToken)
        #expect(status == 200, "\(String(decoding: data, as: UTF8.self))")
        let listing = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let items = listing?["items"] as? [[String: Any]] ?? []
        let servers = items.filter { $0["role"] as? String != "instance" }
        #expect(servers.count == 2)
        let instances = items.filter { $0["role"] as? String == "instance" }
        #expect(instances.count == 2, "the simulated group's 2 instances are listed: \(items)")
        let preparation = try #require(servers.first { $0["role"] as? String == "preparation" })
        let serverId = try #require(preparation["id"] as? String)
        #expect(preparation["status"] as? String == "running")
        #expect(preparation["publicIP"] != nil && preparation["privateIP"] != nil)
        #expect(listing?["worker"] as? String == "worker-1")
        let cost = listing?["cost"] as? [String: Any]
        #expect(cost?["total"] != nil)
        let lines = cost?["lines"] as? [[String: Any]] ?? []
        #expect(lines.count == 4 && cost?["region"] as? String == "us-east-1", "every server and instance, default region: \(cost ?? [:])")
        #expect(lines.allSatisfy { $0["hourlyRate"] is Double }, "the simulated types are in the built-in price table: \(lines)")
        let instanceId = try #require(instances.first?["id"] as? String)
        let (refused, refusedStatus) = try await system.request(
            "POST", "/v1/environments/srv-env/servers/\(instanceId)/actions/stop", token: HangarSystem.deployerToken)
        #expect(refusedStatus == 501, "the group starts and stops its instances: \(String(decoding: refused, as: UTF8.self))")

        // The preparation server is the one the deployments' validate step names.
        let deployed = try await system.wait(for: try await system.deploy("srv-env"), status: .succeeded)
        #expect(deployed.outputs["preparationServerId"] == serverId)

        // The same ids on a second listing (derived from the environment, not random).
        let (again, _) = try await system.request("GET", "/v1/environments/\(environmentId)/servers", token: HangarSystem.viewerToken)
        #expect(String(decoding: again, as: UTF8.self).contains(serverId))

        let (_, viewerStops) = try await system.request(
            "POST", "/v1/environments/srv-env/servers/\(serverId)/actions/stop", token: HangarSystem.viewerToken)
        #expect(viewerStops == 403)
        let (stopped, stopStatus) = try await system.request(
            "POST", "/v1/environments/srv-env/servers/\(serverId)/actions/stop", token: HangarSystem.deployerToken)
        #expect(stopStatus == 202)
        #expect(String(decoding: stopped, as: UTF8.self).contains(#""status":"stopping""#))
        try await Task.sleep(for: .milliseconds(2500))
        let (later, _) = try await system.request("GET", "/v1/environments/srv-env/servers", token: HangarSystem.viewerToken)
        let laterServers = (try JSONSerialization.jsonObject(with: later) as? [String: Any])?["items"] as? [[String: Any]] ?? []
        #expect(laterServers.first { $0["id"] as? String == serverId }?["status"] as? String == "stopped")
        let (started, startStatus) = try await system.request(
            "POST", "/v1/environments/srv-env/servers/\(serverId)/actions/start", token: HangarSystem.deployerToken)
        #expect(startStatus == 202)
        #expect(String(decoding: started, as: UTF8.self).contains(#""status":"pending""#))

        let (_, unknownServer) = try await system.request(
            "POST", "/v1/environments/srv-env/servers/i-nothere/actions/restart", token: HangarSystem.deployerToken)
        #expect(unknownServer == 404)
        let (_, unknownAction) = try await system.request(
            "POST", "/v1/environments/srv-env/servers/\(serverId)/actions/explode", token: HangarSystem.deployerToken)
        #expect(unknownAction == 404)

        // No worker: intake gives up after its timeout with a 504.
        system.stop("worker-1", signal: SIGTERM)
        let before = ContinuousClock.now
        let (_, noWorker) = try await system.request("GET", "/v1/environments/srv-env/servers", token: HangarSystem.viewerToken)
        #expect(noWorker == 504)
        #expect(ContinuousClock.now - before < .seconds(8), "the configured 1.5 s, not the 10 s default")
    }
}
