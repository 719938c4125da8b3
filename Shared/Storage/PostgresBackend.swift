import Logging
import PostgresKit
import PostgresNIO
import SQLKit

/// PostgreSQL: postgres-nio's `PostgresClient` pool; each call leases one `PostgresConnection` and wraps it in
/// PostgresKit's `SQLDatabase`. `search_path` (the service's schema) and read-only mode are startup parameters,
/// so every pooled connection has them.
final class PostgresBackend: StoreBackend {
    let settings: DatabaseConfiguration.Postgres
    let readOnly: Bool
    let logger: Logger
    private let client: PostgresClient
    private let prepared = AsyncOnce()

    init(settings: DatabaseConfiguration.Postgres, readOnly: Bool, logger: Logger) {
        self.settings = settings
        self.readOnly = readOnly
        self.logger = logger
        var configuration = PostgresClient.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: Self.clientTLS(settings.tls))
        configuration.options.maximumConnections = settings.maximumConnections
        configuration.options.connectTimeout = settings.connectTimeout
        configuration.options.additionalStartupParameters = Self.startupParameters(settings, readOnly: readOnly)
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// Serialization failures and deadlocks are cheap to retry.
    let maxTransactionAttempts = 10

    func runBackground() async {
        await client.run()
    }

    func transaction<T: Sendable>(
        isolation: TransactionIsolation,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            let db = connection.sql(queryLogLevel: .trace)
            try await db.exec(isolation.postgresBegin)
            do {
                let value = try await body(db)
                let commit = try await connection.query(PostgresQuery(unsafeSQL: "COMMIT"), logger: self.logger).get()
                // A transaction in the aborted state "commits" by rolling back, without an error.
                if commit.metadata.command != "COMMIT" { throw StorageError.transactionRolledBack }
                return value
            } catch {
                do {
                    try await db.exec("ROLLBACK")  // harmless when the transaction has already ended
                } catch {
                    try? await connection.close()  // the pool replaces it
                }
                throw error
            }
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withConnection { connection in
            try await body(connection.sql(queryLogLevel: .trace))
        }
    }

    func lockForMigrations(_ db: any SQLDatabase) async throws {
        // Held until the end of the transaction; one lock per schema.
        try await db.exec("SELECT pg_advisory_xact_lock(72637, hashtext(coalesce(current_schema(), '')))")
    }

    let createMigrationsTableSQL = """
        CREATE TABLE IF NOT EXISTS hangar_migrations (
            id TEXT PRIMARY KEY,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """

    func close() async {}  // the pool closes when runBackground() is cancelled

    // MARK: - Connections

    /// Leases a pooled connection, after the one-time set-up. Failures to get one become
    /// ``StorageError/cannotConnect(endpoint:database:username:reason:)``.
    private func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await prepared.run { [self] in try await self.prepare() }
        var leased = false
        do {
            return try await client.withConnection { connection in
                leased = true
                return try await body(connection)
            }
        } catch {
            if leased || Task.isCancelled { throw error }
            if let error = error as? PSQLError, error.code == .poolClosed { throw StorageError.shutDown }
            throw cannotConnect(error)
        }
    }

    /// A connection of its own, outside the pool, with the store's settings and `parameters`
    /// added to its startup parameters (the caller closes it). Failures become
    /// ``StorageError/cannotConnect(endpoint:database:username:reason:)``.
    func dedicatedConnection(parameters: [(String, String)] = []) async throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password,
            database: settings.database, tls: try Self.connectionTLS(settings.tls))
        configuration.options.connectTimeout = .milliseconds(milliseconds(settings.connectTimeout))
        configuration.options.additionalStartupParameters = Self.startupParameters(settings, readOnly: readOnly) + parameters
        do {
            return try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            throw cannotConnect(error)
        }
    }

    /// Once per store: checks that the server answers (a clear error now beats a pool that retries for a
    /// minute) and creates the schema if missing.
    private func prepare() async throws {
        let connection = try await dedicatedConnection()
        do {
            if let schema = settings.schema, !readOnly {
                try await createSchemaIfMissing(schema, on: connection.sql(queryLogLevel: .trace))
            }
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private func createSchemaIfMissing(_ schema: String, on db: some SQLDatabase) async throws {
        let exists = try await db.raw("SELECT 1 AS found FROM pg_namespace WHERE nspname = \(bind: schema)").first()
        guard exists == nil else { return }
        // Serialise with other processes creating it at the same moment. The name was validated: only
        // [a-z0-9_], so quoting is enough.
        try await db.exec("BEGIN")
        do {
            try await db.exec("SELECT pg_advisory_xact_lock(72636, hashtext('\(schema)'))")
            try await db.exec("CREATE SCHEMA IF NOT EXISTS \"\(schema)\"")
            try await db.exec("COMMIT")
            logger.info("created PostgreSQL schema", metadata: ["schema": "\(schema)"])
        } catch {
            try? await db.exec("ROLLBACK")
            throw error
        }
    }

    private func cannotConnect(_ error: any Error) -> StorageError {
        let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        return .cannotConnect(
            endpoint: "\(host):\(settings.port)", database: settings.database, username: settings.username,
            reason: describeDatabaseError(error))
    }

    private static func startupParameters(
        _ settings: DatabaseConfiguration.Postgres, readOnly: Bool
    ) -> [(String, String)] {
        var parameters: [(String, String)] = []
        if let schema = settings.schema { parameters.append(("search_path", schema)) }
        if readOnly { parameters.append(("default_transaction_read_only", "on")) }
        return parameters
    }

    /// Like libpq: `prefer` and `require` encrypt without checking the certificate, `verify-full` checks it.
    private static func tlsConfiguration(_ mode: PostgresTLSMode) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if mode != .verifyFull { tls.certificateVerification = .none }
        return tls
    }

    private static func clientTLS(_ mode: PostgresTLSMode) -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(tlsConfiguration(mode))
        case .require, .verifyFull: .require(tlsConfiguration(mode))
        }
    }

    private static func connectionTLS(_ mode: PostgresTLSMode) throws -> PostgresConnection.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: tlsConfiguration(mode)))
        case .require, .verifyFull: .require(try NIOSSLContext(configuration: tlsConfiguration(mode)))
        }
    }
}
