import Foundation
import HangarStorage
import Logging
import SQLKit
import Synchronization
import Testing

/// Deduplication of consumed messages with fingerprints: a redelivery is skipped quietly, a
/// different message under an id seen before is skipped and reported as a collision.
@Suite("Processed messages")
struct ProcessedMessagesTests {
    static let table = ProcessedMessages(table: "test_processed")

    static let migrations = [
        Migration(id: "test-processed-1") { db in
            try await db.raw("CREATE TABLE test_processed (message_id TEXT PRIMARY KEY, processed_at BIGINT NOT NULL)").run()
        },
        table.fingerprintMigration(id: "test-processed-2-fingerprint"),
    ]

    @Test("new ids pass, repeats are skipped, a repeat with another fingerprint is logged as a collision", arguments: Backend.underTest)
    func collisions(backend: Backend) async throws {
        let captured = CapturedLogs()
        let logger = Logger(label: "test") { _ in captured }
        try await withDatabase(backend) { configuration in
            try await withStore(configuration) { store in
                try await store.migrate(Self.migrations)
                func mark(_ id: String, _ fingerprint: String) async throws -> Bool {
                    try await store.transaction { db in
                        try await Self.table.markProcessed(id, fingerprint: fingerprint, at: 1, db: db, logger: logger)
                    }
                }
                #expect(try await mark("run.outcome", "waiting"))
                #expect(try await mark("run.line.0", "line"))
                #expect(try await !mark("run.outcome", "waiting"), "a redelivery is skipped")
                #expect(captured.errors.isEmpty, "a plain redelivery is no collision")
                #expect(try await !mark("run.outcome", "succeeded"), "still skipped: the first event was applied")
                #expect(captured.errors.count == 1)
                let error = try #require(captured.errors.first)
                #expect(error.message == "hangar.dedup.collision")
                #expect(error.metadata["amqp.message_id"] == "run.outcome")
                #expect(error.metadata["dedup.stored_fingerprint"] == "waiting")
                #expect(error.metadata["dedup.fingerprint"] == "succeeded")
            }
        }
    }
}

/// A log handler that keeps what is logged at error level.
final class CapturedLogs: LogHandler, @unchecked Sendable {
    struct Entry: Sendable {
        var message: String
        var metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var errors: [Entry] { entries.withLock { $0 } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.level >= .error else { return }
        let metadata = (event.metadata ?? [:]).mapValues { "\($0)" }
        entries.withLock { $0.append(Entry(message: "\(event.message)", metadata: metadata)) }
    }
}
