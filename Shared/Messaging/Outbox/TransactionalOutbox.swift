import Foundation
import HangarContracts
import HangarStorage
import Logging
import SQLKit
import Synchronization

/// A transactional outbox: a service writes the messages a change makes in the same database
/// transaction as the change (``write(_:messageId:traceParent:now:in:)``), so that they are
/// durable exactly when the change is, and publishes them after the commit. Every service that
/// publishes from a transaction uses this one (the scheduler, intake's submissions).
///
/// - After the commit, ``committed(_:)`` publishes the entries at once and takes their
///   confirms in the background; or the caller publishes them
///   itself and waits (``publish(_:)``).
/// - A confirmed message's row is deleted lazily: by the service's next transaction
///   (``deleteConfirmed(in:)``) or by ``forgetConfirmed()``, which saves a write transaction per
///   message on the hot path.
/// - Rows left behind (a crash or a broker outage after the commit) are published again by
///   ``relay(olderThan:now:limit:keeping:)``. Messages carry deterministic ids, so a message sent
///   twice is dropped downstream: at-least-once, never lost.
public final class TransactionalOutbox: Sendable {
    /// A message written to the outbox, with its encoded body (published as it is).
    public struct Entry: Sendable {
        /// The AMQP `message_id`: deterministic, so a copy sent again is recognised downstream.
        public var messageId: String
        /// The message.
        public var message: HangarMessage
        /// The message as `ContractCodec.encode` wrote it.
        public var body: [UInt8]
        /// The W3C trace parent to publish it with; `nil`: none stored.
        public var traceParent: String?
        /// The ids of the outbox rows this message stands for, deleted once the broker confirms
        /// it: its own, or those of the messages it merges (the scheduler's held event
        /// batches, sent as one).
        public var rows: [String]

        /// An entry for `message`, encoded as `body`, standing for `rows` (`nil`: its own).
        public init(messageId: String, message: HangarMessage, body: [UInt8], traceParent: String? = nil, rows: [String]? = nil) {
            self.messageId = messageId
            self.message = message
            self.body = body
            self.traceParent = traceParent
            self.rows = rows ?? [messageId]
        }
    }

    /// The table's name, for example `scheduler_outbox`.
    public let table: String
    /// Where the table is.
    public let store: SQLStore
    /// What publishes the messages.
    public let bus: MessageBus
    /// Names the outbox in log messages: `<name>.outbox.relay`, `<name>.publish.failed`.
    public let name: String
    let logger: Logger
    private let confirmed = Mutex<[String]>([])
    /// Messages of ``committed(_:)`` not yet confirmed, whether publishing has been stopped,
    /// and who waits for both (``publishCommitted()``).
    private let inFlight = Mutex<(count: Int, stopped: Bool, waiters: [CheckedContinuation<Void, Never>])>((0, false, []))

    /// An outbox in `table` of `store`, published through `bus`.
    public init(table: String, store: SQLStore, bus: MessageBus, name: String, logger: Logger) {
        self.table = table
        self.store = store
        self.bus = bus
        self.name = name
        self.logger = logger
    }

    /// The migration that creates the table (message id, type, body, creation time in
    /// milliseconds, trace parent) and its index by creation time.
    public static func migration(id: String, table: String) -> Migration {
        Migration(id: id) { db in
            try await db.raw(
                """
                CREATE TABLE \(unsafeRaw: table) (
                    message_id TEXT PRIMARY KEY,
                    type TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    trace_parent TEXT
                )
                """
            ).run()
            try await db.raw("CREATE INDEX \(unsafeRaw: table)_created ON \(unsafeRaw: table) (created_at)").run()
        }
    }

    // MARK: Writing, in the caller's transaction

    /// Writes `message` in the caller's transaction `db` and returns its entry, to hand to
    /// ``committed(_:)`` or ``publish(_:)`` once the transaction has committed. A message id
    /// already in the table is left as it is.
    public func write(_ message: HangarMessage, messageId: String, traceParent: String?, now: Date, in db: any SQLDatabase) async throws -> Entry {
        try await write(message, body: try ContractCodec.encode(message), messageId: messageId, traceParent: traceParent, now: now, in: db)
    }

    /// Writes `message` as ``write(_:messageId:traceParent:now:in:)`` does, with `body` its
    /// encoding (`ContractCodec.encode(message)`) that the caller already made for a use of
    /// its own.
    public func write(
        _ message: HangarMessage, body: [UInt8], messageId: String, traceParent: String?, now: Date, in db: any SQLDatabase
    ) async throws -> Entry {
        try await db.raw(
            """
            INSERT INTO \(unsafeRaw: table) (message_id, type, body, created_at, trace_parent)
            VALUES (\(bind: messageId), \(bind: message.type), \(bind: String(decoding: body, as: UTF8.self)), \(bind: now.epochMilliseconds),
                \(bind: traceParent))
            ON CONFLICT (message_id) DO NOTHING
            """
        ).run()
        return Entry(messageId: messageId, message: message, body: body, traceParent: traceParent)
    }

    /// Deletes, in the caller's transaction, the rows of the messages confirmed since the last
    /// call (a transaction of the service's own carries it, instead of one more per message).
    /// If the transaction rolls back, they are deleted by a later one or sent again (and dropped
    /// downstream as duplicates).
    public func deleteConfirmed(in db: any SQLDatabase) async throws {
        let ids = takeConfirmed()
        guard !ids.isEmpty else { return }
        try await delete(ids, in: db)
    }

    /// Deletes the rows of `ids` in the caller's transaction.
    public func delete(_ ids: [String], in db: any SQLDatabase) async throws {
        guard !ids.isEmpty else { return }
        try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE message_id IN (\(binds: InList.padded(ids)))").run()
    }

    // MARK: Publishing, after the commit

    /// Publishes committed entries at once: each is handed to the connection's thread before
    /// this returns, so the first message goes out without waiting for a task to run it (a
    /// step command is on a deployment's critical path). Their confirms come in the background;
    /// a confirmed message's row is deleted lazily, a failed one is logged and its row left for
    /// ``relay(olderThan:now:limit:keeping:)``.
    public func committed(_ entries: [Entry]) {
        guard !entries.isEmpty else { return }
        inFlight.withLock { $0.count += entries.count }
        handOver(entries) { rows in
            if let rows { self.confirmed.withLock { $0.append(contentsOf: rows) } }
            self.settled(1)
        }
    }

    /// Hands `entries` to the connection's thread in their order. `settled` gets each one's
    /// rows once the broker confirmed it, or `nil` when it failed (logged; its rows are left for
    /// ``relay(olderThan:now:limit:keeping:)``), on the connection's thread.
    private func handOver(_ entries: [Entry], settled: @escaping @Sendable (_ confirmed: [String]?) -> Void) {
        for entry in entries {
            do {
                try bus.publish(entry.message, messageId: entry.messageId, body: entry.body, traceParent: entry.traceParent) { result in
                    if case .failure(let error) = result {
                        self.logger.warning("\(self.name).publish.failed", metadata: ["amqp.message_id": "\(entry.messageId)", "error": "\(error)"])
                    }
                    settled((try? result.get()).map { entry.rows })
                }
            } catch {
                logger.warning("\(name).publish.failed", metadata: ["amqp.message_id": "\(entry.messageId)", "error": "\(error)"])
                settled(nil)
            }
        }
    }

    /// Waits until ``stopPublishing()`` has been called and every message handed to
    /// ``committed(_:)`` so far has been confirmed or has failed.
    public func publishCommitted() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = inFlight.withLock { state -> Bool in
                guard !(state.stopped && state.count == 0) else { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Lets ``publishCommitted()`` return once the messages handed to ``committed(_:)`` are out.
    public func stopPublishing() {
        inFlight.withLock { $0.stopped = true }
        settled(0)
    }

    /// Counts `count` messages of ``committed(_:)`` settled; wakes ``publishCommitted()`` when
    /// it may return.
    private func settled(_ count: Int) {
        let waiters = inFlight.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count -= count
            guard state.stopped && state.count == 0 else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Publishes `entries` (pipelined, handed to the connection's thread in their order) and
    /// returns the rows of those the broker confirmed, which are deleted lazily. A failure is logged
    /// and leaves the row for ``relay(olderThan:now:limit:keeping:)``.
    @discardableResult
    public func publish(_ entries: [Entry]) async -> [String] {
        guard !entries.isEmpty else { return [] }
        let published = await withCheckedContinuation { (continuation: CheckedContinuation<[String], Never>) in
            let settled = Settled(count: entries.count, continuation: continuation)
            handOver(entries) { settled.settle(confirmed: $0) }
        }
        confirmed.withLock { $0.append(contentsOf: published) }
        return published
    }

    /// Collects the confirmed ids of ``publish(_:)`` and resumes it once every message has settled.
    private final class Settled: Sendable {
        private let state: Mutex<(remaining: Int, ids: [String], continuation: CheckedContinuation<[String], Never>?)>

        init(count: Int, continuation: CheckedContinuation<[String], Never>) {
            state = Mutex((count, [], continuation))
        }

        /// One message settled: `confirmed` is its rows when the broker confirmed it, `nil` when it failed.
        func settle(confirmed: [String]?) {
            let done = state.withLock { state -> (CheckedContinuation<[String], Never>, [String])? in
                if let confirmed { state.ids.append(contentsOf: confirmed) }
                state.remaining -= 1
                guard state.remaining == 0, let continuation = state.continuation else { return nil }
                state.continuation = nil
                return (continuation, state.ids)
            }
            if let (continuation, ids) = done { continuation.resume(returning: ids) }
        }
    }

    // MARK: Rows left behind

    /// Deletes the rows of the messages confirmed so far, in a transaction of its own (on a
    /// graceful stop too: left behind, they would be sent again).
    public func forgetConfirmed() async throws {
        let ids = takeConfirmed()
        guard !ids.isEmpty else { return }
        try await store.transaction { db in try await self.delete(ids, in: db) }
    }

    /// Publishes again up to `limit` rows written `age` or more before `now`, oldest first: what
    /// a crash or a broker outage left behind; only those of the message types in `types` when
    /// it is given (the others are not read). `keeping` may drop some first (it deletes their
    /// rows itself); it sees the rows after the confirmed ones were forgotten. Returns how many
    /// it published.
    @discardableResult
    public func relay(
        olderThan age: Duration, now: Date = Date(), limit: Int = 500, types: [String]? = nil,
        keeping: @Sendable ([Entry]) async throws -> [Entry] = { $0 }
    ) async throws -> Int {
        try await forgetConfirmed()
        let cutoff = now.addingTimeInterval(-age.seconds)
        let typeFilter: SQLQueryString = types.map { "AND type IN (\(binds: $0))" } ?? ""
        let rows = try await store.read { db in
            try await db.raw(
                """
                SELECT message_id, type, body, trace_parent FROM \(unsafeRaw: self.table)
                WHERE created_at <= \(bind: cutoff.epochMilliseconds) \(typeFilter) ORDER BY created_at LIMIT \(bind: limit)
                """
            ).all()
        }
        var entries: [Entry] = []
        for row in rows {
            let type = try row.decode(column: "type", as: String.self)
            let body = Array(try row.decode(column: "body", as: String.self).utf8)
            entries.append(
                Entry(
                    messageId: try row.decode(column: "message_id", as: String.self),
                    message: try ContractCodec.decode(type: type, schemaVersion: nil, body: body), body: body,
                    traceParent: try row.decode(column: "trace_parent", as: String?.self)))
        }
        entries = try await keeping(entries)
        guard !entries.isEmpty else { return 0 }
        logger.info("\(name).outbox.relay", metadata: ["hangar.count": "\(entries.count)"])
        await publish(entries)
        return entries.count
    }

    private func takeConfirmed() -> [String] {
        confirmed.withLock { ids in
            defer { ids.removeAll() }
            return ids
        }
    }
}
