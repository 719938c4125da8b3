import Foundation
import HangarContracts
import HangarMessaging
import HangarStorage
import Logging
import Synchronization
import Testing

@testable import AMQPClient
@testable import HangarHistory

/// Two recorders on one PostgreSQL schema, taking batches off the same queue as competing
/// consumers do: their transactions run at the same time and commit in any order, events of one
/// deployment land in either, and redeliveries come back later. The history they build must be
/// the one a single recorder builds from the same queue.
///
/// `HANGAR_TEST_RECORDER_SEED` replays a failing run (its seed is printed with the failure).
@Suite("Recorder: two replicas give the history one gives", .serialized, .timeLimit(.minutes(3)))
struct ConcurrentRecordersTests {
    @Test("50 deployments (successes, retries, failures, cancels, a replaced attempt answering late), every fifth event redelivered; three rounds")
    func sameHistory() async throws {
        let base = ProcessInfo.processInfo.environment["HANGAR_TEST_RECORDER_SEED"].flatMap(UInt64.init) ?? .random(in: 1...UInt64.max)
        for round in 0..<3 {
            let seed = base &+ UInt64(round)
            var random = SeededRandom(seed: seed)
            let stream = EventStream.make(deployments: 50, random: &random)
            let queue = stream.deliveries(redeliverEvery: 5, random: &random)

            try await withPostgresSchema { single in
                try await withPostgresSchema { shared in
                    // One recorder, batches of any size, in queue order.
                    let one = HistoryProjector(store: single, logger: quiet)
                    try await one.migrate()
                    var offset = 0
                    while offset < queue.count {
                        let size = Int.random(in: 1...64, using: &random)
                        try await one.apply(Array(queue[offset..<min(queue.count, offset + size)]))
                        offset += size
                    }

                    // Two recorders (each with its own connections, as two processes), taking the
                    // next batch off the queue whenever they are free.
                    let second = SQLStore(configuration: shared.configuration, logger: quiet)
                    let runner = Task { await second.run() }
                    defer {
                        second.shutdown()
                        runner.cancel()
                    }
                    let projectors = [HistoryProjector(store: shared, logger: quiet), HistoryProjector(store: second, logger: quiet)]
                    try await projectors[0].migrate()
                    try await projectors[1].migrate()
                    let batches = Batches(queue, sizes: (0..<queue.count).map { _ in Int.random(in: 1...64, using: &random) })
                    try await withThrowingTaskGroup(of: Int.self) { group in
                        for projector in projectors {
                            group.addTask {
                                var applied = 0
                                while let batch = batches.next() {
                                    try await projector.apply(batch)
                                    applied += 1
                                }
                                return applied
                            }
                        }
                        for try await applied in group { #expect(applied > 0, "both recorders took batches") }
                    }

                    let expected = HistoryQueries(store: single)
                    let raced = HistoryQueries(store: shared)
                    var differing: [String] = []
                    for id in stream.deployments {
                        let reference = try await expected.details(id)
                        let actual = try await raced.details(id)
                        if reference != actual {
                            differing.append("\(id): one recorder: \(describe(reference))\n  two recorders: \(describe(actual))")
                        }
                    }
                    let differ = differing.count
                    #expect(differ == 0, "seed \(seed): \(differ) deployments differ; the first:\n\(differing.first ?? "")")
                    // And the reference is the history the events tell, not an empty one.
                    let firstSucceeded = try #require(try await expected.details(stream.deployments[0]))
                    #expect(
                        firstSucceeded.status == .succeeded && firstSucceeded.steps.allSatisfy { $0.status == .succeeded || $0.status == .skipped })
                }
            }
        }
    }
}

private let quiet: Logger = {
    var logger = Logger(label: "hangar.recorder.tests")
    logger.logLevel = .error
    return logger
}()

private func describe(_ details: DeploymentDetails?) -> String {
    guard let details else { return "nothing" }
    let steps = details.steps.map { step in
        "\(step.name.rawValue) \(step.status.rawValue) ×\(step.attempts) \(step.worker ?? "-") "
            + "\(step.startedAt?.epochMilliseconds ?? 0)…\(step.finishedAt?.epochMilliseconds ?? 0) \(step.error ?? "") "
            + "\(step.detail.map { "[\($0.at.epochMilliseconds) \($0.message)]" }.joined())"
    }
    return "\(details.status.rawValue) \(details.startedAt?.epochMilliseconds ?? 0)…\(details.finishedAt?.epochMilliseconds ?? 0) "
        + "\(details.reason ?? "") \(details.outputs)\n    " + steps.joined(separator: "\n    ")
}

/// The queue's batches, handed to whichever recorder asks first.
private final class Batches: Sendable {
    private let state: Mutex<(offset: Int, sizes: [Int])>
    private let queue: [IncomingMessage]

    init(_ queue: [IncomingMessage], sizes: [Int]) {
        self.queue = queue
        self.state = Mutex((0, sizes))
    }

    func next() -> [IncomingMessage]? {
        state.withLock { state in
            guard state.offset < queue.count else { return nil }
            let size = state.sizes.isEmpty ? 1 : state.sizes.removeLast()
            defer { state.offset += size }
            return Array(queue[state.offset..<min(queue.count, state.offset + size)])
        }
    }
}

/// A fresh PostgreSQL schema (`HANGAR_TEST_POSTGRES_URL`, by default deploy/postgres's server)
/// with a running store on it; dropped afterwards.
private func withPostgresSchema(_ body: (SQLStore) async throws -> Void) async throws {
    let url = ProcessInfo.processInfo.environment["HANGAR_TEST_POSTGRES_URL"] ?? "postgres://hangar:hangar@127.0.0.1:5432/hangar_test"
    let base = try DatabaseConfiguration.postgres(url: url)
    guard case .postgres(var settings) = base.backend else { throw PostgresOnly() }
    let schema = "recorders_\(UUID().uuidString.prefix(8).lowercased())"
    settings.schema = schema
    let store = SQLStore(configuration: .postgres(settings), logger: quiet)
    let runner = Task { await store.run() }
    do {
        try await body(store)
    } catch {
        try? await store.transaction { db in try await db.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run() }
        store.shutdown()
        await runner.value
        throw error
    }
    try await store.transaction { db in try await db.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run() }
    store.shutdown()
    await runner.value
}

private struct PostgresOnly: Error {}
