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
        string("deploymentId", rollback.deploymentId.lowercasedString, &rollbackFields)
        string("fromDeploymentId", rollback.fromDeploymentId.lowercasedString, &rollbackFields)
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

    /// A `target` member (``ProviderTarget``).
    public mutating func target(_ target: ProviderTarget, _ fields: inout Fields) throws {
        key("target", &fields)
        raw("{")
        var targetFields = Fields()
        string("environmentId", target.environmentId?.lowercasedString, &targetFields)
        string("provider", target.provider, &targetFields)
        key("settings", &targetFields)
        try value(.object(target.settings))
        raw("}")
    }

    /// Any JSON value (``JSONValue``), members in `String` order. A number is written as
    /// `JSONEncoder` writes a `Double` (its description without a trailing `.0`); one that is
    /// not finite throws, as `JSONEncoder` does.
    public mutating func value(_ value: JSONValue) throws {
        switch value {
        case .string(let text): string(text)
        case .number(let number):
            guard number.isFinite else { return try encoded(HangarJSON.encoder.encode(number)) }
            var text = number.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            raw(text)
        case .bool(let flag): raw(flag ? "true" : "false")
        case .null: raw("null")
        case .array(let elements):
            raw("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { raw(",") }
                try self.value(element)
            }
            raw("]")
        case .object(let members):
            raw("{")
            for (index, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { raw(",") }
                string(member.key)
                raw(":")
                try self.value(member.value)
            }
            raw("}")
        }
    }

    /// A detail line of a step, an object: its time and text.
    public mutating func detailLine(at: Date, message: String) {
        raw("{")
        var fields = Fields()
        date("at", at, &fields)
        string("message", message, &fields)
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
