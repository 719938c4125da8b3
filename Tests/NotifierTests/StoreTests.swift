import Foundation
import HangarContracts
import HangarNotification
import HangarStorage
import SQLKit
import Testing

@Suite("Notifier store with the outbox transport")
struct StoreTests {
    static let postgresURL = ProcessInfo.processInfo.environment["HANGAR_TEST_POSTGRES_URL"] ?? "postgres://hangar:hangar@127.0.0.1:5432/hangar_test"
    static let backends = ProcessInfo.processInfo.environment["HANGAR_TEST_SKIP_POSTGRES"] == "1" ? ["sqlite"] : ["sqlite", "postgres"]

    @Test("only the configured events send email; the outbox gets one .eml each; pruning forgets old rows", arguments: backends)
    func eventsOutboxAndPrune(backend: String) async throws {
        let schema = "notifier_t_\(UUID().uuidString.prefix(8).lowercased())"
        let database: DatabaseConfiguration? = backend == "postgres" ? try .postgres(url: "\(Self.postgresURL)?schema=\(schema)") : nil
        let outbox = FileManager.default.temporaryDirectory.appendingPathComponent("hangar-outbox-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: outbox) }
        let notifier = NotifierUnderTest(
            transport: OutboxTransport(directory: outbox.path, logger: testLogger), events: [.succeeded], database: database)
        let id = UUID()
        let log = try await notifier.run {
            try await notifier.apply(pipeline(id: id, notify: ["ops@example.com", "not an address"]))
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, try await notifier.notifier.log().contains(where: { $0.state == "pending" }) {
                try await Task.sleep(for: .milliseconds(50))
            }
            let log = try await notifier.notifier.log()
            try await notifier.notifier.prune(processedAge: -1, historyAge: -1)
            #expect(try await notifier.notifier.log().isEmpty)
            if backend == "postgres" {
                try await notifier.store.transaction { db in try await db.raw("DROP SCHEMA \(unsafeRaw: schema) CASCADE").run() }
            }
            return log
        }
        #expect(log.map(\.state).sorted() == ["failed", "sent"], "\(log)")
        #expect(log.allSatisfy { $0.eventKey == "\(id.uuidString.lowercased()).succeeded" })
        let files = try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { $0.hasSuffix(".eml") }
        #expect(files.count == 1)
    }
}
