import AMQPClient
import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import SQLKit
import Testing

@testable import HangarIntake

/// Intake's side of scheduled shutdowns: each request goes to the scheduler through intake's
/// outbox with the row that records it, and rows kept by an intake from before the scheduler
/// fired shutdowns are handed over once at start.
@Suite("Intake: scheduled shutdowns handed to the scheduler")
struct ShutdownHandOverTests {
    @Test(
        "a row from before the upgrade is sent once, with its environment's target; rows written since are not sent again; cancelling writes a cancel"
    )
    func handOver() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-intake-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        var logger = Logger(label: "hangar.intake.tests")
        logger.logLevel = .critical
        let store = SQLStore(configuration: .sqlite(path: folder.appendingPathComponent("intake.sqlite").path), logger: logger)
        let running = Task { await store.run() }
        defer {
            store.shutdown()
            running.cancel()
        }
        let intake = IntakeStore(store: store)
        try await intake.migrate()
        // The bus is never reached: entries are only written.
        let connection = AMQPConnection(configuration: try AMQPConfiguration(url: "amqp://guest:guest@127.0.0.1:1/"), logger: logger)
        let outbox = TransactionalOutbox(
            table: "intake_outbox", store: store, bus: MessageBus(connection: connection, appId: "test"), name: "intake", logger: logger)
        let environment = EnvironmentResource(
            id: UUID(), name: "web", description: "", provider: "simulated", target: ["stepDurationMs": .number(5)], limits: .init(),
            lifecycle: .activated, createdAt: Date(), updatedAt: Date())
        #expect(try await intake.insert(environment))
        let due = Date(timeIntervalSince1970: 1_900_000_000)
        // As an intake before the upgrade left it: sent 0.
        try await store.transaction { db in
            try await db.raw(
                """
                INSERT INTO intake_server_shutdowns (environment_id, server_id, due_at, requested_by, requested_at, failed_attempts)
                VALUES (\(bind: environment.id.uuidString), 'i-old', \(bind: due.epochMilliseconds), 'alice', 1800000000000, 2)
                """
            ).run()
        }
        let fresh = ScheduleServerShutdown(
            environment, serverId: "i-new", serverName: "prep", at: due, requestedBy: "bob", requestedAt: Date(timeIntervalSince1970: 1_800_000_100))
        let written = try await intake.scheduleShutdown(fresh, outbox: outbox)
        #expect(written.message == .scheduleShutdown(fresh) && written.messageId == fresh.messageId)

        let handed = try await intake.sendUnsentShutdowns(outbox: outbox)
        #expect(handed.count == 1)
        guard case .scheduleShutdown(let command)? = handed.first?.message else { throw TestFailure("not a schedule: \(handed)") }
        #expect(command.serverId == "i-old" && command.at == due && command.requestedBy == "alice" && command.environmentName == "web")
        #expect(command.target == ProviderTarget(provider: "simulated", settings: environment.target, environmentId: environment.id))
        #expect(try await intake.sendUnsentShutdowns(outbox: outbox).isEmpty, "once")

        let cancel = ScheduleServerShutdown(
            environment, serverId: "i-new", serverName: "i-new", at: nil, requestedBy: "carol",
            requestedAt: Date(timeIntervalSince1970: 1_800_000_200))
        #expect(try await intake.cancelShutdown(cancel, outbox: outbox)?.message == .scheduleShutdown(cancel))
        #expect(try await intake.cancelShutdown(cancel, outbox: outbox) == nil, "nothing left to cancel")
        let released = try await intake.cancelShutdowns(of: environment, by: "release by admin", outbox: outbox)
        #expect(
            released.map(\.message) == [
                .scheduleShutdown(
                    ScheduleServerShutdown(
                        environment, serverId: "i-old", serverName: "i-old", at: nil, requestedBy: "release by admin",
                        requestedAt: try #require(
                            released.first.flatMap { entry -> Date? in
                                if case .scheduleShutdown(let command) = entry.message { return command.requestedAt }
                                return nil
                            })))
            ])
        #expect(try await intake.shutdowns(environment: environment.id).isEmpty)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
