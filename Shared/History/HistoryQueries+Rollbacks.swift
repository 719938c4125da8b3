import Foundation
import HangarContracts
import HangarStorage
import SQLKit

/// A deployment that succeeded, as a rollback chooses among them.
public struct SucceededDeployment: Sendable, Equatable {
    /// The deployment's id.
    public var id: UUID
    /// Its version: the `generatedVersion` it published, else the label it was given.
    public var version: String
    /// What it produced (`mainModelVersion`, `imageId`, `removedModelVersions`…).
    public var outputs: [String: String]
    /// Set when it was itself a rollback: what it returned to.
    public var rollback: RollbackOf?
    /// When it ended.
    public var finishedAt: Date

    /// Creates one (tests build lists of them).
    public init(id: UUID, version: String, outputs: [String: String], rollback: RollbackOf?, finishedAt: Date) {
        self.id = id
        self.version = version
        self.outputs = outputs
        self.rollback = rollback
        self.finishedAt = finishedAt
    }
}

extension HistoryQueries {
    /// The environment's deployments that succeeded, the last to end first, at most `limit`.
    public func succeeded(environment: UUID, limit: Int = 200) async throws -> [SucceededDeployment] {
        let rows = try await store.read { db in
            try await db.raw(
                """
                SELECT id, version, outputs, rollback, finished_at FROM history_deployments
                WHERE environment_id = \(bind: environment.uppercasedString) AND status = 'succeeded' AND finished_at IS NOT NULL
                ORDER BY finished_at DESC, id DESC LIMIT \(unsafeRaw: String(limit))
                """
            ).all()
        }
        let decoder = HangarJSON.decoder
        return try rows.compactMap { row in
            guard let id = UUID(parsing: try row.string("id")) else { return nil }
            let outputs = try row.text("outputs").flatMap { try? decoder.decode([String: String].self, from: Data($0.utf8)) } ?? [:]
            let label = try row.text("version")
            return SucceededDeployment(
                id: id, version: outputs["generatedVersion"] ?? label ?? "v" + id.lowercasedString.suffix(8),
                outputs: outputs,
                rollback: try row.text("rollback").flatMap { try? decoder.decode(RollbackOf.self, from: Data($0.utf8)) },
                finishedAt: Date(epochMilliseconds: try row.integer("finished_at") ?? 0))
        }
    }

    /// A deployment of the environment that is queued, running or awaiting approval, if any (the oldest).
    public func unfinished(environment: UUID) async throws -> (id: UUID, status: DeploymentStatus)? {
        let row = try await store.read { db in
            try await db.raw(
                """
                SELECT id, status FROM history_deployments
                WHERE environment_id = \(bind: environment.uppercasedString) AND status IN ('queued', 'running', 'awaiting_approval', 'paused')
                ORDER BY created_at, id LIMIT 1
                """
            ).first()
        }
        guard let row, let id = UUID(parsing: try row.string("id")),
            let status = DeploymentStatus(rawValue: try row.string("status"))
        else { return nil }
        return (id, status)
    }
}
