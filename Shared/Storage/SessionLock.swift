import Logging
import PostgresNIO
import SQLKit
import Synchronization

/// A PostgreSQL session-level advisory lock, held on a connection of its own: the server frees
/// it the moment that session ends, whether its process died (the socket closes) or it sent
/// nothing for `idleTimeout` (`idle_session_timeout`: a frozen or partitioned holder).
///
/// Call ``hold()`` more often than `idleTimeout` (a quarter of it, say): it takes the lock when
/// free and, while holding it, keeps the session busy. One process holds a given name in a given
/// schema at a time. SQLite has no such lock: ``SQLStore/sessionLock(named:idleTimeout:)`` is nil.
public actor SessionLock {
    /// What ``hold()`` found.
    public enum State: Sendable, Equatable {
        /// This process holds the lock.
        case held
        /// Another session holds it.
        case heldElsewhere
        /// The server could not be asked (down, or unreachable) or cannot time out idle sessions
        /// (before PostgreSQL 14): nothing is known about the lock.
        case unknown
    }

    private let backend: PostgresBackend
    private let name: String
    private let idleTimeout: Duration
    private let logger: Logger
    private var connection: PostgresConnection?
    private var held = false

    init(backend: PostgresBackend, name: String, idleTimeout: Duration, logger: Logger) {
        self.backend = backend
        self.name = name
        self.idleTimeout = idleTimeout
        self.logger = logger
    }

    /// Takes the lock if it is free, or confirms this process still holds it. Never waits
    /// longer than the idle timeout (at least 1 s): a server that does not answer is `unknown`.
    public func hold() async -> State {
        let name = name
        let deadline = max(idleTimeout, .seconds(1))
        do {
            if connection == nil || connection?.isClosed == true {
                held = false
                connection = nil
                // Connecting is bounded by the store's connect timeout; what follows by `deadline`.
                let opened = try await backend.dedicatedConnection(parameters: [("application_name", "hangar lock \(name)")])
                connection = opened
                let timeout = String(idleTimeout.milliseconds)
                try await within(deadline) { try await opened.sql().raw("SET idle_session_timeout = \(unsafeRaw: timeout)").run() }
            }
            guard let connection else { return .unknown }
            if held {
                // A statement a quarter of the idle timeout: the session stays, and so does the lock.
                _ = try await within(deadline) { try await connection.sql().raw("SELECT 1 AS alive").first() }
                return .held
            }
            held = try await within(deadline) {
                let row = try await connection.sql().raw(
                    """
                    SELECT pg_try_advisory_lock(72638, hashtext(coalesce(current_schema(), '') || '/' || \(bind: name))) AS taken
                    """
                ).first()
                return try row?.decode(column: "taken", as: Bool.self) ?? false
            }
            return held ? .held : .heldElsewhere
        } catch {
            logger.warning("storage.session_lock.failed", metadata: ["lock": "\(name)", "error": "\(String(reflecting: error))"])
            close()
            return .unknown
        }
    }

    /// Gives the lock up by ending its session.
    public func release() async {
        close()
    }

    /// Ends the session without waiting for it: the server frees the lock when it sees the
    /// connection close.
    private func close() {
        held = false
        if let connection {
            // Kept until closed: postgres-nio requires a connection to be closed before it goes.
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
        }
        connection = nil
    }
}

/// `body`'s answer, or ``SessionLockTimeout`` once `limit` has passed (the work is then cancelled
/// and left behind: a connection that never answers must not hold its caller).
private func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let waiting = Waiting<T>()
    return try await withCheckedThrowingContinuation { continuation in
        waiting.continuation.withLock { $0 = continuation }
        let work = Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            waiting.take()?.resume(with: result)
        }
        Task {
            try? await Task.sleep(for: limit)
            if let continuation = waiting.take() {
                work.cancel()
                continuation.resume(throwing: SessionLockTimeout(limit: limit))
            }
        }
    }
}

/// The caller of ``within(_:_:)``, resumed once: by the work or by the deadline.
private final class Waiting<T: Sendable>: Sendable {
    let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func take() -> CheckedContinuation<T, any Error>? {
        continuation.withLock { $0.take() }
    }
}

/// A session lock's server did not answer in time.
struct SessionLockTimeout: Error, CustomStringConvertible {
    var limit: Duration
    var description: String { "no answer from PostgreSQL within \(limit)" }
}

extension SQLStore {
    /// A session advisory lock named `name` in this store's schema, or nil on SQLite.
    public func sessionLock(named name: String, idleTimeout: Duration) -> SessionLock? {
        guard let postgres = backend as? PostgresBackend else { return nil }
        return SessionLock(backend: postgres, name: name, idleTimeout: idleTimeout, logger: logger)
    }
}

extension Duration {
    fileprivate var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
