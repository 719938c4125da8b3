import Logging
import PostgresNIO
import SQLKit

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

    /// Takes the lock if it is free, or confirms this process still holds it.
    public func hold() async -> State {
        do {
            if connection == nil || connection?.isClosed == true {
                held = false
                connection = nil
                let opened = try await backend.dedicatedConnection(parameters: [("application_name", "hangar lock \(name)")])
                connection = opened
                try await opened.sql().raw("SET idle_session_timeout = \(unsafeRaw: String(idleTimeout.milliseconds))").run()
            }
            guard let db = connection?.sql() else { return .unknown }
            if held {
                // A statement a quarter of the idle timeout: the session stays, and so does the lock.
                _ = try await db.raw("SELECT 1 AS alive").first()
                return .held
            }
            let row = try await db.raw("""
                SELECT pg_try_advisory_lock(72638, hashtext(coalesce(current_schema(), '') || '/' || \(bind: name))) AS taken
                """).first()
            held = try row?.decode(column: "taken", as: Bool.self) ?? false
            return held ? .held : .heldElsewhere
        } catch {
            logger.warning("storage.session_lock.failed", metadata: ["lock": "\(name)", "error": "\(String(reflecting: error))"])
            await close()
            return .unknown
        }
    }

    /// Gives the lock up by ending its session.
    public func release() async {
        await close()
    }

    private func close() async {
        held = false
        if let connection { try? await connection.close() }
        connection = nil
    }
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
