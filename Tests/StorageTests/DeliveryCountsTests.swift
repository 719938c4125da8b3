import Foundation
import HangarStorage
import Testing

/// The durable redelivery counter a consumer of a classic queue keeps (classic queues have no
/// delivery limit of their own).
@Suite("Delivery counts")
struct DeliveryCountsTests {
    static let counts = DeliveryCounts(table: "test_redeliveries")

    @Test("each redelivery adds one per message id, and the count survives a new store on the same database", arguments: Backend.underTest)
    func counting(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            try await withStore(configuration) { store in
                try await store.migrate([Self.counts.migration(id: "test-redeliveries-1")])
                #expect(try await Self.counts.recordRedeliveries(of: ["a", "b"], in: store, atMilliseconds: 1_000) == ["a": 1, "b": 1])
                #expect(try await Self.counts.recordRedeliveries(of: ["a"], in: store, atMilliseconds: 2_000) == ["a": 2])
            }
            // A restarted consumer (a new store on the same database) goes on counting.
            try await withStore(configuration) { store in
                try await store.migrate([Self.counts.migration(id: "test-redeliveries-1")])
                #expect(try await Self.counts.recordRedeliveries(of: ["a", "c"], in: store, atMilliseconds: 3_000) == ["a": 3, "c": 1])
            }
        }
    }

    @Test("rows older than a week are removed as new ones are written", arguments: Backend.underTest)
    func pruning(backend: Backend) async throws {
        try await withDatabase(backend) { configuration in
            try await withStore(configuration) { store in
                try await store.migrate([Self.counts.migration(id: "test-redeliveries-1")])
                let week: Int64 = 7 * 24 * 3_600_000
                _ = try await Self.counts.recordRedeliveries(of: ["old"], in: store, atMilliseconds: 0)
                _ = try await Self.counts.recordRedeliveries(of: ["old"], in: store, atMilliseconds: 10)
                // Eight days later the old row is gone: its next redelivery counts from one.
                #expect(try await Self.counts.recordRedeliveries(of: ["new"], in: store, atMilliseconds: week + 86_400_000) == ["new": 1])
                #expect(try await Self.counts.recordRedeliveries(of: ["old"], in: store, atMilliseconds: week + 86_400_001) == ["old": 1])
            }
        }
    }
}
