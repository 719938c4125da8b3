import Foundation
import HangarHarness
import HangarStorage
import SQLKit

/// Whether submitting stays as fast with a large history stored: one deployment at a time on
/// a fresh system, then again after its stores were given `count` more finished deployments
/// (copies of a finished one's rows, by SQL, while the services were stopped: the scheduler's
/// deployments and processed ids, the history with its steps, intake's submissions).
enum HistoryGrowth {
    static func run(count: Int, samples: Int) async throws {
        let system = try await HangarSystem("growth", extraEnvironment: ["HANGAR_LOG_LEVEL": "warning"])
        try await system.startAll(workers: 1, notifier: true)
        try await system.createEnvironment("solo")
        let fresh = try await PipelineBench.latency(system, environment: "solo", count: samples)
        let template = try await system.deploy("solo")
        _ = try await system.wait(for: template, status: .succeeded)

        for key in system.running { system.stop(key, signal: SIGTERM) }
        let started = ContinuousClock.now
        try await seed(system.dataDirectory, copiesOf: template, count: count)
        FileHandle.standardError.write(
            Data(
                String(
                    format: "growth: %d deployments stored in %.1f s\n",
                    count, PipelineBench.milliseconds(ContinuousClock.now - started) / 1000
                ).utf8))

        try await system.startAll(workers: 1, notifier: true)
        let grown = try await PipelineBench.latency(system, environment: "solo", count: samples)
        await system.shutdown()
        print(
            String(
                format: "| one deployment at a time, %d stored before / %d more stored | p50 %.1f / %.1f ms, p99 %.1f / %.1f ms |",
                samples, count, fresh.p50, grown.p50, fresh.p99, grown.p99))
    }

    /// Copies the rows of deployment `template` `count` times under new ids, in each store.
    static func seed(_ directory: URL, copiesOf template: UUID, count: Int) async throws {
        let id = "printf('%08X-0000-7000-8000-%012X', n, n)"
        let key = template.uuidString
        try await withStore(directory.appendingPathComponent("scheduler.sqlite")) { db in
            try await copy(
                "scheduler_deployments", where: "id = '\(key)'", count: count, db: db,
                overrides: [
                    "id": id, "sequence": "n + (SELECT MAX(sequence) FROM scheduler_deployments)",
                ])
            try await copy(
                "scheduler_processed", where: "1 = 1 LIMIT 1", count: count * 8, db: db,
                overrides: [
                    "message_id": "'seeded-' || n"
                ])
        }
        try await withStore(directory.appendingPathComponent("recorder.sqlite")) { db in
            try await copy("history_deployments", where: "id = '\(key)'", count: count, db: db, overrides: ["id": id])
            try await copy("history_steps", where: "deployment_id = '\(key)'", count: count, db: db, overrides: ["deployment_id": id])
            try await copy(
                "history_processed", where: "1 = 1 LIMIT 1", count: count * 9, db: db,
                overrides: [
                    "message_id": "'seeded-' || n"
                ])
        }
        try await withStore(directory.appendingPathComponent("intake.sqlite")) { db in
            try await copy("intake_submissions", where: "id = '\(key)'", count: count, db: db, overrides: ["id": id])
        }
    }

    /// `INSERT INTO table SELECT …` of the template rows × `count`, with some columns computed
    /// from `n` (1…count).
    static func copy(_ table: String, where condition: String, count: Int, db: any SQLDatabase, overrides: [String: String]) async throws {
        let columns = try await db.raw("SELECT name FROM pragma_table_info(\(bind: table))").all()
            .map { try $0.decode(column: "name", as: String.self) }
        let values = columns.map { overrides[$0] ?? "template.\($0)" }
        try await db.raw(
            """
            INSERT INTO \(unsafeRaw: table) (\(unsafeRaw: columns.joined(separator: ", ")))
            WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < \(literal: count))
            SELECT \(unsafeRaw: values.joined(separator: ", "))
            FROM seq, (SELECT * FROM \(unsafeRaw: table) WHERE \(unsafeRaw: condition)) AS template
            """
        ).run()
    }

    static func withStore(_ file: URL, _ body: @escaping @Sendable (any SQLDatabase) async throws -> Void) async throws {
        let store = SQLStore(configuration: .sqlite(path: file.path))
        let task = Task { await store.run() }
        defer { task.cancel() }
        try await store.transaction { db in try await body(db) }
        // The copies went into the write-ahead log at once; a live system checkpoints as it
        // goes. Checkpoint here, so the measurement does not pay for the seeding.
        try await store.read { db in try await db.raw("PRAGMA wal_checkpoint(TRUNCATE)").run() }
    }
}
