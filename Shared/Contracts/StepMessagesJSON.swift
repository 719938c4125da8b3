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
