import Logging
import SQLKit
import ServiceLifecycle
import Synchronization

/// A service's SQL database: SQLite (embedded default) or PostgreSQL, behind sql-kit's `SQLDatabase`.
///
/// Lifecycle: run the store — add it to a `ServiceGroup`, or in tests `Task { await store.run() }` — and stop
/// it with graceful shutdown, task cancellation or ``shutdown()``; ``run()`` then closes every connection and
/// returns. On PostgreSQL nothing is served until ``run()`` is running (calls wait for it). On SQLite calls work
/// without it, but only ``run()`` closes the file and stops the store's threads.
///
/// ```swift
/// let store = SQLStore(configuration: try .from(url: env["HANGAR_DATABASE_URL"], defaultSQLitePath: path),
///                      logger: logger)
/// try await store.migrate(SchedulerSchema.migrations)
/// let n = try await store.transaction { db in
///     try await db.update("counters").set(SQLIdentifier("n"), to: SQLRaw("n + 1")).run()
///     return try await db.select().column("n").from("counters").first(decodingColumn: "n", as: Int.self)
/// }
/// ```
public final class SQLStore: Service, Sendable {
    /// What this store was opened with (loggable: no password in its description).
    public let configuration: DatabaseConfiguration
    let logger: Logger
    let backend: any StoreBackend
    private let stopSignal = ShutdownSignal()
    private let started = Mutex(false)

    /// Creates the store; nothing is opened or connected until first use.
    public init(configuration: DatabaseConfiguration, logger: Logger = Logger(label: "hangar.storage")) {
        var logger = logger
        logger[metadataKey: "database"] = "\(configuration)"
        self.configuration = configuration
        self.logger = logger
        switch configuration.backend {
        case .sqlite(let settings):
            backend = SQLiteBackend(settings: settings, readOnly: configuration.readOnly, logger: logger)
        case .postgres(let settings):
            backend = PostgresBackend(settings: settings, readOnly: configuration.readOnly, logger: logger)
        }
    }

    /// SQLite or PostgreSQL, for the rare statement that has to differ.
    public var dialect: Dialect { configuration.dialect }

    /// Drives the store until graceful shutdown, cancellation or ``shutdown()``, then closes every connection
    /// (waiting for transactions in progress). Call it once.
    public func run() async {
        let first = started.withLock { wasStarted in
            defer { wasStarted = true }
            return !wasStarted
        }
        guard first else {
            logger.error("SQLStore.run() called more than once; ignoring")
            return
        }
        logger.debug("storage running")
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.backend.runBackground() }
                await self.stopSignal.wait()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.stopSignal.fire()
        }
        stopSignal.fire()  // in case runBackground() ended on its own
        await backend.close()
        logger.debug("storage closed")
    }

    /// Asks ``run()`` to close the store. Later calls throw ``StorageError/shutDown``.
    public func shutdown() {
        stopSignal.fire()
    }

    /// The executor write transactions run on, when that is one thread (SQLite's writer
    /// connection); `nil` on PostgreSQL. A task that mostly runs transactions (a consumer
    /// applying batches) can prefer it (`withTaskExecutorPreference`), so that each transaction
    /// starts and ends without a hop between threads.
    public var transactionExecutor: (any TaskExecutor)? { backend.transactionExecutor }

    /// Runs `body` on one connection inside a transaction and commits; rolls back if `body` throws, and
    /// rethrows its error unchanged.
    ///
    /// SQLite: `BEGIN IMMEDIATE`, so transactions of this process take turns (no SQLITE_BUSY among them) and
    /// other processes wait up to `busy_timeout`. PostgreSQL: `BEGIN` at `isolation` (see
    /// ``TransactionIsolation``).
    ///
    /// `body` is run again (a few times, with back-off) when the database reports a transient conflict —
    /// SQLite busy, PostgreSQL serialization failure or deadlock — so keep side effects other than SQL out of it.
    public func transaction<T: Sendable>(
        isolation: TransactionIsolation = .readCommitted,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            try checkOpen()
            do {
                return try await backend.transaction(isolation: isolation, body)
            } catch  where DatabaseErrorKind(error) == .transientConflict && attempt < backend.maxTransactionAttempts {
                let delay = backoff(attempt: attempt)
                logger.debug(
                    "transient conflict, retrying the transaction",
                    metadata: [
                        "attempt": "\(attempt)", "delay_ms": "\(milliseconds(delay))",
                        "error": "\(describeDatabaseError(error))",
                    ])
                try await Task.sleep(for: delay)
                attempt += 1
            }
        }
    }

    /// Runs `body` on one connection without an explicit transaction (each statement commits on its own).
    /// For queries: on SQLite it runs on a `query_only` reader connection, so writes there fail — put them in
    /// ``transaction(isolation:_:)``.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try checkOpen()
        return try await backend.read(body)
    }

    func checkOpen() throws {
        if stopSignal.isFired { throw StorageError.shutDown }
    }

    /// Jittered exponential back-off: ~5 ms, 10 ms, 20 ms, ... capped at 250 ms.
    private func backoff(attempt: Int) -> Duration {
        let ceiling = min(5 << min(attempt, 10), 250)
        return .milliseconds(Int.random(in: (ceiling / 2)...ceiling))
    }
}
