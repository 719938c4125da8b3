import Foundation
import HangarContracts
import HangarHarness
import HangarStorage
import SQLKit

/// `count` deployments scheduled for the same instant: how long the scheduler takes to start
/// them all once it comes (from the due time until none is left `scheduled` in its store),
/// and its resident memory while it holds them. They share one environment, so each start
/// queues the deployment behind the one running: the figure is the timers' drain rate.
enum ScheduledDrain {
    static func run(count: Int) async throws {
        let system = try await HangarSystem("scheduled", extraEnvironment: ["HANGAR_LOG_LEVEL": "warning"])
        try await system.startAll(workers: 1, notifier: true)
        try await system.createEnvironment("later")
        // Room for submitting them all first: about 350 submissions a second on 2 busy cores
        // (2026-12-06; 100,000 took longer than the 250 s once allowed here, so they fell due
        // while still arriving and the drain was not measured).
        let due = Date().addingTimeInterval(max(60, Double(count) / 150))
        let body = #"{"scheduledAt":"\#(HangarJSON.formatDate(due))"}"#
        let submitting = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if index >= 16 { try await group.next() }
                if index % 1000 == 0, Date() > due.addingTimeInterval(-5) {
                    throw E2EFailure("scheduled: only \(index) of \(count) submitted 5 s before they were due; try fewer")
                }
                group.addTask { _ = try await system.deploy("later", body: body) }
            }
            try await group.waitForAll()
        }
        FileHandle.standardError.write(
            Data(
                String(
                    format: "scheduled: %d submitted in %.1f s\n",
                    count, PipelineBench.milliseconds(ContinuousClock.now - submitting) / 1000
                ).utf8))

        let scheduler = SQLStore(
            configuration: .sqlite(path: system.dataDirectory.appendingPathComponent("scheduler.sqlite").path, readOnly: true))
        let storeTask = Task { await scheduler.run() }
        defer { storeTask.cancel() }
        @Sendable func waiting() async throws -> Int {
            try await scheduler.read { db in
                try await db.raw("SELECT COUNT(*) AS n FROM scheduler_deployments WHERE status = 'scheduled'").first()?
                    .decode(column: "n", as: Int.self) ?? 0
            }
        }
        while try await waiting() < count {
            guard Date() < due else { throw E2EFailure("scheduled: not all \(count) were in the scheduler before they were due") }
            try await Task.sleep(for: .milliseconds(200))
        }
        let resident = residentMegabytes(system.processID("scheduler"))
        let lead = due.timeIntervalSinceNow
        try await Task.sleep(for: .seconds(max(0, lead)))
        // Each process's CPU over the drain, per start: steadier than the rate, which the
        // other processes sharing the cores move from run to run.
        let cpuBefore = CPUTimes.read(system)
        var drained: Double?
        var last = count
        var cpu = CPUTimes()
        while drained == nil {
            last = try await waiting()
            if last == 0 {
                drained = -due.timeIntervalSinceNow
                cpu = CPUTimes.read(system) - cpuBefore
            } else if -due.timeIntervalSinceNow > 300 {
                break
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        await system.shutdown()
        guard let drained else { throw E2EFailure("scheduled: \(last) of \(count) still scheduled 300 s after they were due") }
        print(
            String(
                format:
                    "| %d deployments due at the same instant | all started %.2f s after (%.0f /s); scheduler RSS %.0f MB while holding them |",
                count, drained, Double(count) / drained, resident))
        print("| CPU per start over the drain | \(cpu.summary(per: count)) |")
    }

    static func residentMegabytes(_ pid: Int32?) -> Double {
        guard let pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}
