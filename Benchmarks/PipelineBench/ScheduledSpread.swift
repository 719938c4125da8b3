import Foundation
import HangarContracts
import HangarHarness
import HangarStorage
import SQLKit

/// `count` deployments scheduled at instants spread evenly over `seconds`, over 1,000
/// environments (so that none waits for another of its environment): how late each starts
/// (`started_at − scheduled_at` in the history), p50/p99/max, and the scheduler's resident
/// memory while it holds them. The steps take no time, so the whole pipeline runs meanwhile.
enum ScheduledSpread {
    static func run(count: Int, seconds: Double) async throws {
        let environments = 1000
        let system = try await HangarSystem("spread", extraEnvironment: ["HANGAR_LOG_LEVEL": "warning"])
        try await system.startAll(workers: 1, workerEnvironment: ["HANGAR_WORKER_CONCURRENCY": "8"], notifier: true)
        for index in 0..<environments { try await system.createEnvironment("spread-\(index)") }
        // Time to submit them all first (about 500 per second), then the spread.
        let first = Date().addingTimeInterval(30 + Double(count) / 400)
        let submitting = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if index >= 16 { try await group.next() }
                let due = first.addingTimeInterval(seconds * Double(index) / Double(count))
                let body = #"{"scheduledAt":"\#(HangarJSON.formatDate(due))"}"#
                group.addTask { _ = try await system.deploy("spread-\(index % environments)", body: body) }
            }
            try await group.waitForAll()
        }
        FileHandle.standardError.write(
            Data(
                String(
                    format: "spread: %d submitted in %.1f s, %.1f s before the first is due\n",
                    count, PipelineBench.milliseconds(ContinuousClock.now - submitting) / 1000, first.timeIntervalSinceNow
                ).utf8))
        guard first.timeIntervalSinceNow > 0 else { throw E2EFailure("spread: submitting took past the first due time") }
        let resident = ScheduledDrain.residentMegabytes(system.processID("scheduler"))

        let history = SQLStore(
            configuration: .sqlite(path: system.dataDirectory.appendingPathComponent("recorder.sqlite").path, readOnly: true))
        let storeTask = Task { await history.run() }
        defer { storeTask.cancel() }
        let end = first.addingTimeInterval(seconds)
        try await Task.sleep(for: .seconds(max(0, end.timeIntervalSinceNow)))
        var lateness: [Double] = []
        let deadline = Date().addingTimeInterval(300)
        while lateness.count < count, Date() < deadline {
            try await Task.sleep(for: .seconds(1))
            lateness = try await history.read { db in
                try await db.raw(
                    """
                    SELECT started_at - scheduled_at AS late FROM history_deployments
                    WHERE started_at IS NOT NULL AND scheduled_at IS NOT NULL
                    """
                ).all().map { Double(try $0.decode(column: "late", as: Int64.self)) }
            }
        }
        storeTask.cancel()
        await system.shutdown()
        guard !lateness.isEmpty else { throw E2EFailure("spread: none of \(count) started") }
        // Those not started 300 s after the last was due count as at least that late.
        let started = lateness.count
        lateness += Array(repeating: 300_000 + seconds * 1000, count: count - started)
        lateness.sort()
        print(
            String(
                format:
                    "| %d deployments spread over %.0f s | %d started; start late p50 %.0f ms, p99 %.0f ms, max %.0f ms; scheduler RSS %.0f MB while holding them |",
                count, seconds, started, lateness[count / 2], lateness[min(count - 1, count * 99 / 100)], lateness[count - 1], resident))
    }
}
