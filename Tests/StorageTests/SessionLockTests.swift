import Foundation
import HangarStorage
import SQLKit
import Testing

/// The PostgreSQL session advisory lock the scheduler's timer lease rests on, between two
/// stores (two processes' worth of connections) on one schema.
@Suite("Storage: PostgreSQL session locks", .serialized, .timeLimit(.minutes(2)))
struct SessionLockTests {
    @Test("one holder at a time; freed the moment the holder's session ends, after the idle timeout when it goes quiet, and on release")
    func oneHolderAtATime() async throws {
        try await withDatabase(.postgres) { configuration in
            try await withStore(configuration) { first in
                try await withStore(configuration) { second in
                    // Idle timeouts far longer than the test, except where it is about them: a
                    // busy machine may leave a session quiet for a second between two calls.
                    let name = "test-\(UUID().uuidString.prefix(8).lowercased())"
                    let a = try #require(first.sessionLock(named: name, idleTimeout: .seconds(60)))
                    let b = try #require(second.sessionLock(named: name, idleTimeout: .seconds(60)))
                    #expect(await a.hold() == .held)
                    #expect(await a.hold() == .held, "asked again: still held")
                    #expect(await b.hold() == .heldElsewhere)
                    let other = try #require(second.sessionLock(named: name + "-other", idleTimeout: .seconds(60)))
                    #expect(await other.hold() == .held, "another name is another lock")

                    // The holder's connection ends, as when its process is killed: free at once.
                    try await first.transaction { db in
                        try await db.raw(
                            """
                            SELECT pg_terminate_backend(l.pid, 5000) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                            WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = \(bind: "hangar lock \(name)")
                            """
                        ).run()
                    }
                    // The server frees the lock as the ended session's backend exits (waited for above).
                    #expect(await b.hold() == .held, "taken on the first try after the holder's session ended")
                    #expect(await a.hold() == .heldElsewhere, "the old holder reconnects and finds it taken")

                    // Released: the server frees it as soon as it sees the connection close.
                    await b.release()
                    #expect(try await eventually { await a.hold() == .held }, "released: taken")
                    await a.release()
                    await other.release()

                    // A holder that goes quiet (frozen): the server ends its session after the idle timeout.
                    // (On a loaded machine even taking it can outlast a short idle timeout: asked again until held.)
                    let quiet = try #require(first.sessionLock(named: name + "-quiet", idleTimeout: .seconds(1)))
                    let standby = try #require(second.sessionLock(named: name + "-quiet", idleTimeout: .seconds(60)))
                    #expect(try await eventually { await quiet.hold() == .held })
                    #expect(try await eventually { await standby.hold() == .held }, "taken once the quiet holder's session timed out")
                    #expect(try await eventually { await quiet.hold() == .heldElsewhere }, "the quiet one, awake again, finds it taken")
                    await quiet.release()
                    await standby.release()
                }
            }
        }
        #expect(
            SQLStore(configuration: .sqlite(path: "/tmp/unused.sqlite")).sessionLock(named: "x", idleTimeout: .seconds(1)) == nil, "none on SQLite")
    }
}

/// Whether `check` comes true within 20 s, asked every 100 ms (the server acts on its own time).
private func eventually(_ check: () async -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(20)
    while ContinuousClock.now < deadline {
        if await check() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return false
}
