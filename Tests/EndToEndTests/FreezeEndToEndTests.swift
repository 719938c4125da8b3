import Foundation
import HangarContracts
import HangarHarness
import Testing

/// Freeze windows through intake: a deployment asked for inside one is refused (409 naming the
/// window) unless an admin overrides it with a reason (audited); a scheduled one is moved past
/// the window, or refused when the window says `skip`.
@Suite("Freeze windows end to end", .serialized, .timeLimit(.minutes(3)))
struct FreezeEndToEndTests {
    static func object(_ data: Data) -> [String: Any] { (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:] }

    @Test("refused inside a freeze, overridden by an admin with a reason, scheduled ones deferred or refused, lifted by deleting it")
    func freezes() async throws {
        let system = try await HangarSystem("freezes")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        let environmentId = try await system.createEnvironment("frozen")
        try await system.createEnvironment("other")
        let now = Date()
        let end = now.addingTimeInterval(3600)

        // The environment frozen for the next hour.
        let (created, createdStatus) = try await system.request(
            "POST", "/v1/environments/frozen/freezes",
            body:
                #"{"reason":"quarter close","start":"\#(HangarJSON.formatDate(now.addingTimeInterval(-60)))","end":"\#(HangarJSON.formatDate(end))"}"#
        )
        #expect(createdStatus == 201, "\(String(decoding: created, as: UTF8.self))")
        let freezeId = try #require(Self.object(created)["id"] as? String)
        #expect((Self.object(created)["activeUntil"] as? String).flatMap(HangarJSON.parseDate) != nil, "it holds now")
        #expect((Self.object(created)["environmentId"] as? String)?.lowercased() == environmentId.lowercased())

        // Refused now, naming the window.
        let (refused, refusedStatus) = try await system.request(
            "POST", "/v1/environments/frozen/deployments", token: HangarSystem.deployerToken, body: "{}")
        #expect(refusedStatus == 409)
        let problem = Self.object(refused)
        let freeze = problem["freeze"] as? [String: Any]
        #expect((freeze?["id"] as? String)?.lowercased() == freezeId.lowercased() && freeze?["reason"] as? String == "quarter close", "\(problem)")
        #expect((problem["detail"] as? String)?.contains("quarter close") == true)
        // Another environment is not frozen.
        _ = try await system.deploy("other")

        // Only an admin overrides, and says why.
        let overrideBody = #"{"version":"hotfix-1","overrideFreeze":{"reason":"security fix"}}"#
        let (_, deployerOverride) = try await system.request(
            "POST", "/v1/environments/frozen/deployments", token: HangarSystem.deployerToken, body: overrideBody)
        #expect(deployerOverride == 403)
        let (_, noReason) = try await system.request(
            "POST", "/v1/environments/frozen/deployments", token: HangarSystem.adminToken, body: #"{"overrideFreeze":{}}"#)
        #expect(noReason == 422)
        let (overridden, overrideStatus) = try await system.request(
            "POST", "/v1/environments/frozen/deployments", token: HangarSystem.adminToken, body: overrideBody, headers: ["X-Request-Id": "override-1"]
        )
        #expect(overrideStatus == 202)
        let hotfix = try HangarJSON.decoder.decode(DeploymentDetails.self, from: overridden).id
        _ = try await system.wait(for: hotfix, status: .succeeded)
        let (auditData, _) = try await system.request("GET", "/v1/audit?action=deployment.submit")
        let entries = Self.object(auditData)["items"] as? [[String: Any]] ?? []
        let entry = try #require(entries.first { $0["requestId"] as? String == "override-1" })
        #expect(
            (entry["summary"] as? [String] ?? []).contains { $0.contains("freeze 'quarter close'") && $0.contains("overridden: security fix") },
            "\(entry)")

        // Scheduled inside the window: moved to its end.
        let wanted = now.addingTimeInterval(600)
        let (deferred, deferredStatus) = try await system.request(
            "POST", "/v1/environments/frozen/deployments", token: HangarSystem.deployerToken,
            body: #"{"scheduledAt":"\#(HangarJSON.formatDate(wanted))"}"#)
        #expect(deferredStatus == 202)
        let moved = try HangarJSON.decoder.decode(DeploymentDetails.self, from: deferred)
        #expect(
            moved.scheduledAt.map { abs($0.timeIntervalSince(end)) < 0.002 } == true,
            "deferred to the window's end: \(String(describing: moved.scheduledAt))")
        let (_, cancelled) = try await system.request(
            "POST", "/v1/deployments/\(moved.id.uuidString.lowercased())/cancel", token: HangarSystem.deployerToken)
        #expect(cancelled == 202)

        // A window that skips: the scheduled one is refused.
        let (skipping, skipStatus) = try await system.request(
            "POST", "/v1/freezes",
            body:
                #"{"reason":"maintenance","weekly":{"days":["MON","TUE","WED","THU","FRI","SAT","SUN"],"from":"00:00","to":"23:59"},"scheduled":"skip"}"#
        )
        #expect(skipStatus == 201, "\(String(decoding: skipping, as: UTF8.self))")
        let skipId = try #require(Self.object(skipping)["id"] as? String)
        let (_, skippedOther) = try await system.request(
            "POST", "/v1/environments/other/deployments", token: HangarSystem.deployerToken,
            body: #"{"scheduledAt":"\#(HangarJSON.formatDate(now.addingTimeInterval(300)))"}"#)
        #expect(skippedOther == 409, "the global window applies to every environment and refuses scheduled ones")

        // Listed where they apply; deleting lifts them.
        let (listed, _) = try await system.request("GET", "/v1/environments/frozen/freezes", token: HangarSystem.viewerToken)
        let ids = Set((Self.object(listed)["items"] as? [[String: Any]] ?? []).compactMap { ($0["id"] as? String)?.lowercased() })
        #expect(ids == [freezeId.lowercased(), skipId.lowercased()])
        for id in [freezeId, skipId] {
            let (_, deleted) = try await system.request("DELETE", "/v1/freezes/\(id)")
            #expect(deleted == 204)
        }
        let (_, again) = try await system.request("DELETE", "/v1/freezes/\(freezeId)")
        #expect(again == 404)
        _ = try await system.wait(for: try await system.deploy("frozen"), status: .succeeded)

        // Bad windows are named field by field.
        let (bad, badStatus) = try await system.request(
            "POST", "/v1/freezes", body: #"{"reason":"","weekly":{"days":["FUNDAY"],"from":"25:00","to":"09:00"},"timeZone":"Mars/Olympus"}"#)
        #expect(badStatus == 422)
        let fields = Set(((Self.object(bad)["errors"] as? [[String: Any]]) ?? []).compactMap { $0["field"] as? String })
        #expect(fields == ["reason", "weekly.days", "weekly.from", "timeZone"], "\(fields)")
        let (openEnded, openEndedStatus) = try await system.request(
            "POST", "/v1/freezes", body: #"{"reason":"r","start":"2030-01-01T00:00:00Z","end":null}"#)
        #expect(openEndedStatus == 422, "a window needs its end: \(String(decoding: openEnded, as: UTF8.self))")
    }

    @Test("a window made while the scheduler is SIGKILLed defers a deployment that fell due before the scheduler came back")
    func deferredAtDueTime() async throws {
        let system = try await HangarSystem("freeze-due")
        defer { Task { await system.shutdown() } }
        try await system.startAll(workers: 1, notifier: true)
        try await system.createEnvironment("later")
        let due = Date().addingTimeInterval(6)
        let id = try await system.deploy(
            "later", body: #"{"scheduledAt":"\#(HangarJSON.formatDate(due))","notify":{"emails":["ops@example.com"]}}"#)
        // The scheduler has taken it (its event reached the history) before it is killed.
        try await eventually("scheduled in the history") {
            let (data, _) = try await system.request("GET", "/v1/environments/later/deployments?status=scheduled")
            return try HangarJSON.decoder.decode(HistoryPage.self, from: data).items.contains { $0.id == id }
        }

        // The scheduler is dead while the window is made: intake's snapshot waits in its queue.
        system.stop("scheduler", signal: SIGKILL)
        // The window outlasts the due time by 12 s: on a busy machine the scheduler can take
        // seconds to come back, and a window that ended before then defers nothing.
        let end = due.addingTimeInterval(12)
        let (_, created) = try await system.request(
            "POST", "/v1/environments/later/freezes",
            body:
                #"{"reason":"incident review","start":"\#(HangarJSON.formatDate(Date().addingTimeInterval(-1)))","end":"\#(HangarJSON.formatDate(end))","scheduled":"defer"}"#
        )
        #expect(created == 201)
        // Started again after the due time: the overdue start goes through the scheduler's
        // queue, behind the snapshot, so the window still holds it.
        let wait = due.addingTimeInterval(1).timeIntervalSinceNow
        if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
        try system.start(.scheduler)

        let done = try await system.wait(for: id, status: .succeeded, timeout: .seconds(60))
        let started = try #require(done.startedAt)
        #expect(started >= end.addingTimeInterval(-0.002), "started \(started), after the window's end \(end)")
        #expect(done.scheduledAt.map { abs($0.timeIntervalSince(end)) < 0.002 } == true, "the start moved to the window's end")
        #expect(done.reason?.contains("deferred from") == true && done.reason?.contains("incident review") == true, "\(done.reason ?? "-")")
        // Those notified on `scheduled` are told of the deferral too.
        let outbox = system.outboxDirectory
        try await eventually("the deferral's email") {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []).filter { $0.hasSuffix(".eml") }
            return try files.contains {
                try String(contentsOf: outbox.appendingPathComponent($0), encoding: .utf8).contains(
                    "Subject: [Hangar] Deployment of a new version to later deferred to")
            }
        }
    }
}
