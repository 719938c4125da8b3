import Foundation
import HangarContracts
import HangarMessaging
import SQLKit

/// Recurring schedules as defined through the API: intake keeps them (to list and change
/// them) and sends each change to the scheduler (`schedule.set`) through its outbox, in the
/// transaction that records it; the scheduler fires them.
extension IntakeStore {
    /// The environment's schedules, oldest first.
    func schedules(environment: UUID) async throws -> [ScheduleResource] {
        let rows = try await store.read { db in
            try await db.raw("SELECT body FROM intake_schedules WHERE environment_id = \(bind: environment.uppercasedString) ORDER BY id").all()
        }
        return try rows.map { try Self.decode(ScheduleResource.self, try $0.decode(column: "body", as: String.self)) }
    }

    /// One schedule of the environment.
    func schedule(_ id: UUID, environment: UUID) async throws -> ScheduleResource? {
        let row = try await store.read { db in
            try await db.raw(
                "SELECT body FROM intake_schedules WHERE id = \(bind: id.uppercasedString) AND environment_id = \(bind: environment.uppercasedString)"
            ).first()
        }
        return try row.map { try Self.decode(ScheduleResource.self, try $0.decode(column: "body", as: String.self)) }
    }

    /// Stores `schedule` (new or changed; its revision already counted up) and writes what
    /// the scheduler needs to `outbox`: the entry to publish once this returns.
    func save(_ schedule: ScheduleResource, set: RecurringScheduleSet, outbox: TransactionalOutbox) async throws -> TransactionalOutbox.Entry {
        try await store.transaction { db in
            try await db.raw(
                """
                INSERT INTO intake_schedules (id, environment_id, body)
                VALUES (\(bind: schedule.id.uppercasedString), \(bind: schedule.environmentId.uppercasedString), \(bind: try Self.encode(schedule)))
                ON CONFLICT (id) DO UPDATE SET body = excluded.body
                """
            ).run()
            return try await outbox.write(.scheduleSet(set), messageId: set.messageId, traceParent: nil, now: schedule.updatedAt, in: db)
        }
    }

    /// Deletes a schedule and writes its deletion for the scheduler to `outbox`.
    func delete(_ schedule: ScheduleResource, set: RecurringScheduleSet, outbox: TransactionalOutbox) async throws -> TransactionalOutbox.Entry {
        try await store.transaction { db in
            try await db.raw("DELETE FROM intake_schedules WHERE id = \(bind: schedule.id.uppercasedString)").run()
            return try await outbox.write(.scheduleSet(set), messageId: set.messageId, traceParent: nil, now: set.template.createdAt, in: db)
        }
    }
}
