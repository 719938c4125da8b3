import Foundation
import HangarContracts
import HangarStorage
import SQLKit
import Testing

@testable import HangarScheduling

/// `SchedulerTransaction.update(_:)` writes only the columns that changed since the row was
/// read, inserted or last updated: a step's dispatch then leaves the indexed columns (status,
/// finished time) and their index entries alone.
@Suite("Deployment columns")
struct DeploymentColumnsTests {
    /// Runs `body` in a transaction of the harness's store, with the deployment `id` as read.
    static func withRecord(
        _ harness: SchedulerHarness, _ id: UUID, _ body: @escaping @Sendable (SchedulerTransaction, inout DeploymentRecord) async throws -> Void
    ) async throws {
        try await harness.store.transaction { db in
            let tx = SchedulerTransaction(db: db, dialect: .sqlite, outbox: harness.engine.outbox, now: harness.clock.now)
            var record = try #require(try await tx.deployment(id))
            try await body(tx, &record)
        }
    }

    static func reason(_ harness: SchedulerHarness, _ id: UUID) async throws -> (reason: String?, attempt: Int64) {
        try await harness.store.read { db in
            let row = try #require(try await db.raw("SELECT reason, attempt FROM scheduler_deployments WHERE id = \(bind: id.uuidString)").first())
            return (try row.decode(column: "reason", as: String?.self), try row.decode(column: "attempt", as: Int64.self))
        }
    }

    @Test("an update sets the columns that changed and leaves the others as the row has them")
    func writesWhatChanged() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit()
            try await Self.withRecord(harness, id) { tx, record in
                // Another column changes behind the record's back: an update of every column would undo it.
                try await tx.db.raw("UPDATE scheduler_deployments SET reason = 'set elsewhere' WHERE id = \(bind: id.uuidString)").run()
                record.attempt = 7
                try await tx.update(&record)
            }
            let row = try await Self.reason(harness, id)
            #expect(row.attempt == 7)
            #expect(row.reason == "set elsewhere")
        }
    }

    @Test("an update with nothing changed writes nothing; one whose row is unknown writes every column")
    func nothingOrEverything() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit()
            try await Self.withRecord(harness, id) { tx, record in
                try await tx.db.raw("UPDATE scheduler_deployments SET reason = 'set elsewhere' WHERE id = \(bind: id.uuidString)").run()
                try await tx.update(&record)
            }
            #expect(try await Self.reason(harness, id).reason == "set elsewhere")

            try await Self.withRecord(harness, id) { tx, record in
                record.storedColumns = nil
                record.reason = nil
                try await tx.update(&record)
            }
            #expect(try await Self.reason(harness, id).reason == nil)
        }
    }

    @Test("the columns noted for a read row, an inserted one and an updated one are the row's")
    func notedColumnsAreTheRows() async throws {
        try await SchedulerHarness.with { harness in
            let id = try await harness.submit()
            try await harness.store.transaction { db in
                let tx = SchedulerTransaction(db: db, dialect: .sqlite, outbox: harness.engine.outbox, now: harness.clock.now)
                var record = try #require(try await tx.deployment(id))
                record.attempt = 3
                record.reason = "noted"
                try await tx.update(&record)
                #expect(try await tx.deployment(id)?.storedColumns == record.storedColumns, "updated")

                var fresh = DeploymentRecord(
                    request: SubmitDeployment(
                        deploymentId: UUID(), environmentId: UUID(), environmentName: "web", version: nil, owner: "alice",
                        createdAt: harness.clock.now, scheduledAt: nil, options: .init(), mode: .optimized,
                        target: ProviderTarget(provider: "simulated")),
                    status: .queued, sequence: 99)
                try await tx.insert(&fresh)
                #expect(try await tx.deployment(fresh.id)?.storedColumns == fresh.storedColumns, "inserted")
            }
        }
    }
}
