/// A tiny FIFO pool of SQLite connections to one file, opened lazily up to `capacity`.
///
/// With `capacity` 1 it is the async lock that serialises a process's writers, so our own transactions never
/// meet SQLITE_BUSY from each other. Waiting for a connection is not cancellable (it is short: SQLite
/// transactions are short), which keeps the bookkeeping simple.
actor SQLiteConnectionPool {
    /// What a waiter is handed: a connection, or the right to open one (a slot freed up).
    private enum Grant {
        case connection(SQLiteHandle)
        case openSlot
    }

    private let capacity: Int
    private let open: @Sendable () async throws -> SQLiteHandle
    private var idle: [SQLiteHandle] = []
    /// Connections open or being opened, idle or leased.
    private var count = 0
    private var waiters: [CheckedContinuation<Grant, any Error>] = []
    private var closed = false
    private var drained: [CheckedContinuation<Void, Never>] = []

    init(capacity: Int, open: @escaping @Sendable () async throws -> SQLiteHandle) {
        self.capacity = max(1, capacity)
        self.open = open
    }

    /// Runs `body` with a connection leased for its duration. If `body` reports the connection broken (by
    /// setting ``Lease/isBroken``), it is closed instead of reused.
    nonisolated func withConnection<T: Sendable>(
        _ body: @Sendable (Lease) async throws -> T
    ) async throws -> T {
        let lease = Lease(connection: try await acquire())
        do {
            let value = try await body(lease)
            await release(lease.connection, broken: lease.isBroken)
            return value
        } catch {
            await release(lease.connection, broken: lease.isBroken)
            throw error
        }
    }

    private func acquire() async throws -> SQLiteHandle {
        if closed { throw StorageError.shutDown }
        if let connection = idle.popLast() { return connection }
        if count < capacity {
            count += 1
            return try await openReserved()
        }
        switch try await withCheckedThrowingContinuation({ waiters.append($0) }) {
        case .connection(let connection): return connection
        case .openSlot: return try await openReserved()
        }
    }

    /// Opens a connection for a slot already counted in `count`.
    private func openReserved() async throws -> SQLiteHandle {
        do {
            return try await open()
        } catch {
            count -= 1
            handOverFreeSlot()
            throw error
        }
    }

    private func release(_ connection: SQLiteHandle, broken: Bool) {
        if broken || closed {
            count -= 1
            connection.close()
            if closed { signalIfDrained() } else { handOverFreeSlot() }
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().resume(returning: .connection(connection))
        } else {
            idle.append(connection)
        }
    }

    /// A slot is free (a connection was closed or failed to open): let the first waiter open one.
    private func handOverFreeSlot() {
        if !waiters.isEmpty && count < capacity {
            count += 1  // reserved for the waiter, so no one else takes the slot meanwhile
            waiters.removeFirst().resume(returning: .openSlot)
        }
    }

    /// Refuses new leases, closes idle connections and waits until leased ones are returned (and closed).
    func close() async {
        guard !closed else { return await waitUntilDrained() }
        closed = true
        for waiter in waiters { waiter.resume(throwing: StorageError.shutDown) }
        waiters.removeAll()
        let toClose = idle
        idle.removeAll()
        count -= toClose.count
        for connection in toClose { connection.close() }
        await waitUntilDrained()
    }

    private func waitUntilDrained() async {
        if count == 0 { return }
        await withCheckedContinuation { drained.append($0) }
    }

    private func signalIfDrained() {
        guard count == 0 else { return }
        for waiter in drained { waiter.resume() }
        drained.removeAll()
    }

    /// A leased connection.
    final class Lease: @unchecked Sendable {
        let connection: SQLiteHandle
        /// Set when the connection is in an unknown state (e.g. ROLLBACK failed): it is closed on release.
        /// Only touched by the task holding the lease.
        var isBroken = false

        init(connection: SQLiteHandle) { self.connection = connection }
    }
}
