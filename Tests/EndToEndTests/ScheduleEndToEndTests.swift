import Foundation
import HangarContracts
import HangarHarness
import Testing

/// Recurring schedules through the services, real time compressed by schedules every few
/// seconds: occurrences once each with two scheduler replicas, pause and resume, and the
/// misfire policies after every scheduler was SIGKILLed and restarted past due times.
@Suite("Recurring schedules, end to end", .serialized)
struct ScheduleEndToEndTests {
    struct View: Decodable {
        var id: UUID
        var enabled: Bool
        var active: Bool
        var nextOccurrences: [Date]
    }

    private func create(_ system: HangarSystem, _ body: String) async throws -> View {
        let (data, status) = try await system.request("POST", "/v1/environments/cal/schedules", token: HangarSystem.deployerToken, body: body)
        guard status == 201 else { throw E2EFailure("create answered \(status): \(String(decoding: data, as: UTF8.self))") }
        return try HangarJSON.decoder.decode(View.self, from: data)
    }

    /// The environment's deployments submitted by `schedule`.
    private func occurrences(_ system: HangarSystem, of schedule: UUID) async throws -> [DeploymentSummary] {
        let (data, _) = try await system.request("GET", "/v1/environments/cal/deployments?limit=200", token: HangarSystem.viewerToken)
        let page = try HangarJSON.decoder.decode(HistoryPage.self, from: data)
        return page.items.filter { $0.owner == "schedule:\(schedule.uuidString.lowercased())" }
    }

    @Test(
        "every 2 s with two scheduler replicas: each occurrence once, a deployment owned by the schedule with its version; bad input named; paused, nothing more"
    )
    func occurrencesWithTwoReplicas() async throws {
        let system = try await HangarSystem("schedules")
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try system.start(.scheduler, name: "scheduler-2")
        try await system.createEnvironment("cal", target: #"{"stepDurationMs": 5}"#)

        let (bad, badStatus) = try await system.request(
            "POST", "/v1/environments/cal/schedules", token: HangarSystem.deployerToken,
            body:
                #"{"cron":"0 25 * * *","timeZone":"Mars/Olympus","deployment":{"mode":"yolo","scheduledAt":"2030-01-01T00:00:00Z"},"misfire":"later"}"#
        )
        #expect(badStatus == 422)
        let fields = Set(
            ((try JSONSerialization.jsonObject(with: bad) as? [String: Any])?["errors"] as? [[String: Any]] ?? []).compactMap {
                $0["field"] as? String
            })
        #expect(fields == ["cron", "timeZone", "misfire", "deployment.scheduledAt", "deployment.mode"], "\(fields)")
        #expect(try await system.request("POST", "/v1/environments/cal/schedules", token: HangarSystem.viewerToken, body: "{}").1 == 403)

        let schedule = try await create(
            system, #"{"cron":"*/2 * * * * *","timeZone":"Europe/Paris","deployment":{"version":"nightly-{date}"}}"#)
        #expect(schedule.active && schedule.nextOccurrences.count == 5)
        #expect(zip(schedule.nextOccurrences, schedule.nextOccurrences.dropFirst()).allSatisfy { $1.timeIntervalSince($0) == 2 })
        // Intake SIGKILLed for a while: the runs' audit entries wait in its queue.
        try await Task.sleep(for: .seconds(3))
        system.stop("intake", signal: SIGKILL)
        try await Task.sleep(for: .seconds(4))
        try system.start(.intake)
        try await system.waitUntilReady()
        try await Task.sleep(for: .seconds(2))
        let (paused, pausedStatus) = try await system.request(
            "POST", "/v1/environments/cal/schedules/\(schedule.id.uuidString.lowercased())/pause", token: HangarSystem.deployerToken)
        #expect(pausedStatus == 200)
        let pausedView = try HangarJSON.decoder.decode(View.self, from: paused)
        #expect(!pausedView.enabled && !pausedView.active && pausedView.nextOccurrences.isEmpty)
        try await Task.sleep(for: .seconds(2))  // an occurrence fired before the pause reached the scheduler settles
        let ran = try await occurrences(system, of: schedule.id)
        #expect(ran.count >= 3, "about four in 9 s: \(ran.count)\n\(system.logs("scheduler", lines: 20))")
        #expect(Set(ran.map(\.id)).count == ran.count)
        let dues = ran.compactMap(\.scheduledAt).sorted()
        #expect(Set(dues).count == ran.count, "one deployment per occurrence")
        #expect(dues.allSatisfy { Int($0.timeIntervalSince1970) % 2 == 0 }, "each at an occurrence's time")
        for deployment in ran {
            #expect(deployment.id == RecurringScheduleSet.occurrenceId(schedule: schedule.id, due: try #require(deployment.scheduledAt)))
            #expect(deployment.version?.hasPrefix("nightly-20") == true)
        }
        for deployment in ran { _ = try await system.wait(for: deployment.id, status: .succeeded) }
        // Each run is in the audit log once, under the schedule's actor.
        let actor = "schedule:\(schedule.id.uuidString.lowercased())"
        let entries = try await audit(system, actor: actor)
        #expect(entries.filter { $0.action == "deployment.submit" }.count == ran.count, "\(entries.map(\.target))")
        #expect(Set(entries.compactMap(\.target)) == Set(ran.map { $0.id.uuidString.lowercased() }))
        #expect(entries.allSatisfy { $0.method == "SCHEDULE" && $0.environment == "cal" && $0.status == 202 && $0.outcome == "succeeded" })
        try await Task.sleep(for: .seconds(4))
        #expect(try await occurrences(system, of: schedule.id).count == ran.count, "paused: nothing more")

        let (_, deleted) = try await system.request(
            "DELETE", "/v1/environments/cal/schedules/\(schedule.id.uuidString.lowercased())", token: HangarSystem.deployerToken)
        #expect(deleted == 204)
        let (list, _) = try await system.request("GET", "/v1/environments/cal/schedules", token: HangarSystem.viewerToken)
        #expect(String(decoding: list, as: UTF8.self).contains(#""items":[]"#))

        // The same through the CLI: created paused, listed with its next runs once resumed, deleted.
        let created = try await CLIEndToEndTests.hangar(
            [
                "schedules", "create", "cal", "--cron", "0 3 * * SUN", "--time-zone", "Europe/Paris", "--version", "weekly-{date}", "--paused",
                "--json",
            ],
            system: system)
        #expect(created.status == 0, "\(created.stderr)")
        let id = try #require((try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])?["id"] as? String)
        let listedPaused = try await CLIEndToEndTests.hangar(["schedules", "cal"], system: system)
        #expect(listedPaused.stdout.contains(id) && listedPaused.stdout.contains("paused"), "\(listedPaused.stdout)")
        #expect(try await CLIEndToEndTests.hangar(["schedules", "resume", "cal", id], system: system).stdout.contains("resumed"))
        let listed = try await CLIEndToEndTests.hangar(["schedules", "list", "cal"], system: system)
        #expect(listed.stdout.contains("active") && listed.stdout.contains("0 3 * * SUN"), "\(listed.stdout)")
        #expect(try await CLIEndToEndTests.hangar(["schedules", "delete", "cal", id], system: system).status == 0)
        let missing = try await CLIEndToEndTests.hangar(["schedules", "pause", "cal", id], system: system)
        #expect(missing.status != 0 && missing.stderr.contains("no schedule"), "\(missing.stderr)")
    }

    struct AuditItem: Decodable {
        var action: String
        var method: String
        var environment: String?
        var target: String?
        var status: Int
        var outcome: String
        var summary: [String]
    }

    private func audit(_ system: HangarSystem, actor: String) async throws -> [AuditItem] {
        struct Page: Decodable { var items: [AuditItem] }
        let query = "actor=\(actor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? actor)&limit=500"
        let (data, status) = try await system.request("GET", "/v1/audit?\(query)")
        guard status == 200 else { throw E2EFailure("audit answered \(status)") }
        return try JSONDecoder().decode(Page.self, from: data).items
    }

    @Test(
        "every scheduler SIGKILLed and restarted past due times: runOnce submits one deployment for the missed ones, skip none; both run on time again"
    )
    func misfireAfterRestart() async throws {
        let system = try await HangarSystem("schedules-misfire", extraEnvironment: ["HANGAR_SCHEDULER_MISFIRE_GRACE_MS": "1500"])
        defer { Task { await system.shutdown() } }
        try await system.startAll()
        try await system.createEnvironment("cal", target: #"{"stepDurationMs": 5}"#)
        let runOnce = try await create(system, #"{"cron":"*/3 * * * * *","timeZone":"UTC","deployment":{},"misfire":"runOnce"}"#)
        let skip = try await create(system, #"{"cron":"*/3 * * * * *","timeZone":"UTC","deployment":{},"misfire":"skip"}"#)
        try await Task.sleep(for: .seconds(4))
        system.stop("scheduler", signal: SIGKILL)
        let before = (try await occurrences(system, of: runOnce.id).count, try await occurrences(system, of: skip.id).count)
        try await Task.sleep(for: .seconds(10))  // three occurrences or more missed
        let restarted = Date()
        try system.start(.scheduler)
        // Fired at the restart, late: runOnce one deployment, skip none. Waited for, not slept
        // on: a busy machine can take seconds to start the scheduler.
        try await eventually("the late runOnce deployment in the history", timeout: .seconds(30)) {
            try await occurrences(system, of: runOnce.id).contains {
                ($0.createdAt ?? .distantPast) >= restarted && ($0.scheduledAt ?? .distantFuture) < restarted
            }
        }
        try await eventually("the skip's misfire in the audit log", timeout: .seconds(30)) {
            try await audit(system, actor: "schedule:\(skip.id.uuidString.lowercased())").contains { $0.action == "schedule.misfire" }
        }
        let afterRestart = try await occurrences(system, of: runOnce.id).filter { ($0.createdAt ?? .distantPast) >= restarted }
        let skipped = try await occurrences(system, of: skip.id).filter { ($0.createdAt ?? .distantPast) >= restarted }
        let lateOnce = afterRestart.filter { ($0.scheduledAt ?? .distantFuture) < restarted }
        #expect(lateOnce.count == 1, "one for the missed: \(afterRestart.map { "\($0.scheduledAt.map(HangarJSON.formatDate) ?? "-")" })")
        #expect(skipped.allSatisfy { ($0.scheduledAt ?? .distantPast) >= restarted }, "skip ran none of the missed")
        // The audit log says so, under each schedule's actor.
        let skippedAudit = try await audit(system, actor: "schedule:\(skip.id.uuidString.lowercased())").filter { $0.action == "schedule.misfire" }
        #expect(skippedAudit.count == 1 && skippedAudit.first?.summary.first?.contains("misfire: skip") == true, "\(skippedAudit)")
        let onceAudit = try await audit(system, actor: "schedule:\(runOnce.id.uuidString.lowercased())")
        #expect(onceAudit.contains { $0.summary.first?.contains("misfire: runOnce") == true }, "\(onceAudit.map(\.summary))")
        // On time again afterwards.
        try await Task.sleep(for: .seconds(4))
        #expect(try await occurrences(system, of: skip.id).count > before.1)
        #expect(try await occurrences(system, of: runOnce.id).count >= before.0 + 2)
    }
}
