import Foundation

/// Members of Hangar's own types, for the writers that skip `Codable` (a history page, one
/// deployment, a deployment event): the bytes `HangarJSON.encoder` writes for them.
extension JSONBytes {
    /// A `rollback` member (``RollbackOf``); none when `rollback` is nil.
    public mutating func rollback(_ rollback: RollbackOf?, _ fields: inout Fields) {
        guard let rollback else { return }
        key("rollback", &fields)
        raw("{")
        var rollbackFields = Fields()
        string("deploymentId", rollback.deploymentId.uuidString.lowercased(), &rollbackFields)
        string("fromDeploymentId", rollback.fromDeploymentId.uuidString.lowercased(), &rollbackFields)
        string("fromModelVersion", rollback.fromModelVersion, &rollbackFields)
        string("fromVersion", rollback.fromVersion, &rollbackFields)
        string("imageId", rollback.imageId, &rollbackFields)
        string("modelVersion", rollback.modelVersion, &rollbackFields)
        string("version", rollback.version, &rollbackFields)
        raw("}")
    }

    /// An `options` member (``DeploymentOptions``); none when `options` is nil.
    public mutating func options(_ options: DeploymentOptions?, _ fields: inout Fields) {
        guard let options else { return }
        key("options", &fields)
        raw("{")
        var optionFields = Fields()
        bool("lockInstances", options.lockInstances, &optionFields)
        bool("stopPreparationServer", options.stopPreparationServer, &optionFields)
        bool("terminateSessions", options.terminateSessions, &optionFields)
        raw("}")
    }

    /// A step as a deployment's summary has it (``DeploymentStepSummary``), an object.
    public mutating func stepSummary(_ step: DeploymentStepSummary) {
        raw("{")
        var fields = Fields()
        integer("attempts", Int64(step.attempts), &fields)
        string("error", step.error, &fields)
        date("finishedAt", step.finishedAt, &fields)
        string("name", step.name.rawValue, &fields)
        date("startedAt", step.startedAt, &fields)
        string("status", step.status.rawValue, &fields)
        raw("}")
    }

    /// Steps as a deployment's summary has them, an array: what `HangarJSON.encoder` writes
    /// for `[DeploymentStepSummary]`.
    public static func stepSummaries(_ steps: [DeploymentStepSummary]) -> String {
        var writer = JSONBytes(capacity: 128 * steps.count + 2)
        writer.raw("[")
        for (index, step) in steps.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.stepSummary(step)
        }
        writer.raw("]")
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// An object of strings as `HangarJSON.encoder` writes `[String: String]`.
    public static func object(_ values: [String: String]) -> String {
        var writer = JSONBytes(capacity: 64)
        writer.object(values)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// A member with `value` as `HangarJSON.encoder` writes it, copied in: for the rarer
    /// nested states (an approval, a pause); none when `value` is nil.
    public mutating func encodedByFoundation(_ name: StaticString, _ value: (some Encodable)?, _ fields: inout Fields) throws {
        encoded(name, try value.map { try HangarJSON.encoder.encode($0) }, &fields)
    }
}
