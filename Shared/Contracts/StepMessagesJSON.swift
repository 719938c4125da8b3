import Foundation

/// ``ExecuteStep`` and ``StepEvent`` written as JSON straight into bytes: what
/// `HangarJSON.encoder` writes for them (keys sorted, absent values left out, slashes not
/// escaped, RFC 3339 dates), without `Codable`. Every step of every deployment is one of each
/// (the scheduler writes the command, the worker the outcome), on the deployment's critical
/// path. The rare parts (a continuation, a reconnection notice, a replacement policy) are
/// still encoded by `JSONEncoder` and copied in.
enum StepMessagesJSON {
    static func encode(_ command: ExecuteStep) throws -> [UInt8] {
        var writer = JSONBytes(capacity: 512)
        var fields = JSONBytes.Fields()
        writer.raw("{")
        writer.integer("attempt", Int64(command.attempt), &fields)
        writer.string("cleanup", command.cleanup, &fields)
        try writer.encodedByFoundation("continuation", command.continuation, &fields)
        writer.string("deploymentId", command.deploymentId.lowercasedString, &fields)
        writer.string("dispatchId", command.dispatchId.lowercasedString, &fields)
        writer.string("environmentId", command.environmentId.lowercasedString, &fields)
        writer.string("environmentName", command.environmentName, &fields)
        writer.string("mode", command.mode.rawValue, &fields)
        writer.options(command.options, &fields)
        writer.object("outputs", command.outputs, &fields)
        writer.integer("poll", Int64(command.poll), &fields)
        try writer.encodedByFoundation("reconnection", command.reconnection, &fields)
        try writer.encodedByFoundation("replacement", command.replacement, &fields)
        writer.rollback(command.rollback, &fields)
        writer.string("step", command.step.rawValue, &fields)
        try writer.target(command.target, &fields)
        writer.string("version", command.version, &fields)
        writer.raw("}")
        return writer.bytes
    }

    static func encode(_ event: StepEvent) throws -> [UInt8] {
        var writer = JSONBytes(capacity: 384)
        var fields = JSONBytes.Fields()
        writer.raw("{")
        writer.date("at", event.at, &fields)
        writer.integer("attempt", Int64(event.attempt), &fields)
        writer.date("checkAfter", event.checkAfter, &fields)
        try writer.encodedByFoundation("continuation", event.continuation, &fields)
        writer.string("deploymentId", event.deploymentId.lowercasedString, &fields)
        writer.string("detail", event.detail, &fields)
        writer.string("dispatchId", event.dispatchId.lowercasedString, &fields)
        if let lines = event.earlierDetails {
            writer.array("earlierDetails", lines, &fields) { writer, line in writer.detailLine(at: line.at, message: line.message) }
        }
        writer.string("error", event.error, &fields)
        writer.string("kind", event.kind.rawValue, &fields)
        if let outputs = event.outputs { writer.object("outputs", outputs, &fields) }
        writer.date("startedAt", event.startedAt, &fields)
        writer.string("step", event.step.rawValue, &fields)
        writer.bool("transient", event.transient, &fields)
        writer.string("worker", event.worker, &fields)
        writer.raw("}")
        return writer.bytes
    }
}

/// ``ExecuteStep`` and ``StepEvent`` read from bytes without `Codable`: what a worker and the
/// scheduler read once per step. Each answers `nil` for anything it does not accept (a member
/// twice, a value of another shape, an unknown step; ``JSONReader``), and ``ContractCodec``
/// then reads the body with `JSONDecoder`, which reads it or says what is wrong. Members this
/// build does not know are skipped, as `JSONDecoder` skips them. The rare members (a
/// reconnection notice, a rollback, a replacement policy) are read by `JSONDecoder` alone.
extension StepMessagesJSON {
    static func readCommand(_ body: [UInt8]) -> ExecuteStep? {
        body.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer)
            var seen = MemberNames()
            var deploymentId: UUID?
            var environmentId: UUID?
            var dispatchId: UUID?
            var environmentName: String?
            var version: String?
            var step: StepName?
            var attempt: Int?
            var target: ProviderTarget?
            var options: DeploymentOptions?
            var mode: PublishMode?
            var reconnection: Reconnection?
            var outputs: [String: String]?
            var continuation: JSONValue?
            var poll: Int?
            var cleanup: String?
            var rollback: RollbackOf?
            var replacement: ReplacementPolicy?
            let read: Void? = reader.object { reader, key in
                guard seen.insert(key) else { return false }
                switch key {
                case "deploymentId": deploymentId = reader.id()
                case "environmentId": environmentId = reader.id()
                case "dispatchId": dispatchId = reader.id()
                case "environmentName": environmentName = reader.string()
                case "version": return reader.optional(&version) { $0.string() }
                case "step": step = reader.string().flatMap(StepName.init(rawValue:))
                case "attempt": attempt = reader.integer()
                case "target": target = reader.target()
                case "options": options = reader.options()
                case "mode": mode = reader.string().flatMap(PublishMode.init(rawValue:))
                case "outputs": outputs = reader.strings()
                case "continuation": return reader.optional(&continuation) { $0.value() }
                case "poll": poll = reader.integer()
                case "cleanup": return reader.optional(&cleanup) { $0.string() }
                case "reconnection": return reader.optional(&reconnection) { $0.decoded(Reconnection.self) }
                case "rollback": return reader.optional(&rollback) { $0.decoded(RollbackOf.self) }
                case "replacement": return reader.optional(&replacement) { $0.decoded(ReplacementPolicy.self) }
                default: return reader.skipValue() != nil
                }
                return true
            }
            guard read != nil, reader.atEnd(), let deploymentId, let environmentId, let dispatchId, let environmentName, let step,
                let attempt, let target, let options, let mode, let outputs, let poll
            else { return nil }
            return ExecuteStep(
                deploymentId: deploymentId, environmentId: environmentId, environmentName: environmentName, version: version,
                step: step, attempt: attempt, dispatchId: dispatchId, target: target, options: options, mode: mode,
                reconnection: reconnection, outputs: outputs, continuation: continuation, poll: poll, cleanup: cleanup,
                rollback: rollback, replacement: replacement)
        }
    }

    /// The `step.*` event of AMQP type `type` read from `body`; `nil` when `type` is no step
    /// event's, the reader does not accept the body, or the event's kind is not the type's
    /// (`JSONDecoder`'s path then refuses it with its reason).
    static func readEvent(_ body: [UInt8], ofType type: String) -> StepEvent? {
        guard type.hasPrefix("step."), type != "step.heartbeat", let event = readEvent(body),
            type.utf8.dropFirst(5).elementsEqual(event.kind.rawValue.utf8)
        else { return nil }
        return event
    }

    static func readEvent(_ body: [UInt8]) -> StepEvent? {
        body.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(buffer)
            var seen = MemberNames()
            var kind: StepEvent.Kind?
            var deploymentId: UUID?
            var step: StepName?
            var attempt: Int?
            var dispatchId: UUID?
            var at: Date?
            var detail: String?
            var outputs: [String: String]?
            var error: String?
            var transient: Bool?
            var continuation: JSONValue?
            var checkAfter: Date?
            var worker: String?
            var startedAt: Date?
            var earlierDetails: [StepEvent.DetailLine]?
            let read: Void? = reader.object { reader, key in
                guard seen.insert(key) else { return false }
                switch key {
                case "kind": kind = reader.string().flatMap(StepEvent.Kind.init(rawValue:))
                case "deploymentId": deploymentId = reader.id()
                case "step": step = reader.string().flatMap(StepName.init(rawValue:))
                case "attempt": attempt = reader.integer()
                case "dispatchId": dispatchId = reader.id()
                case "at": at = reader.date()
                case "detail": return reader.optional(&detail) { $0.string() }
                case "outputs": return reader.optional(&outputs) { $0.strings() }
                case "error": return reader.optional(&error) { $0.string() }
                case "transient": return reader.optional(&transient) { $0.bool() }
                case "continuation": return reader.optional(&continuation) { $0.value() }
                case "checkAfter": return reader.optional(&checkAfter) { $0.date() }
                case "worker": return reader.optional(&worker) { $0.string() }
                case "startedAt": return reader.optional(&startedAt) { $0.date() }
                case "earlierDetails": return reader.optional(&earlierDetails) { $0.detailLines() }
                default: return reader.skipValue() != nil
                }
                return true
            }
            guard read != nil, reader.atEnd(), let kind, let deploymentId, let step, let attempt, let dispatchId, let at else { return nil }
            return StepEvent(
                kind: kind, deploymentId: deploymentId, step: step, attempt: attempt, dispatchId: dispatchId, at: at, detail: detail,
                outputs: outputs, error: error, transient: transient, continuation: continuation, checkAfter: checkAfter, worker: worker,
                startedAt: startedAt, earlierDetails: earlierDetails)
        }
    }
}
